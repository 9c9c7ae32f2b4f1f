export {
  SENSITIVE_CLASSES,
  SENSITIVE_TOPIC_POLICY,
  RESTRICTED_TOPIC_ROOTS,
  SCD_REVIEWED_NOT_SENSITIVE,
  SensitiveTopicPolicy,
  getSensitiveTopicPolicy,
  sensitiveClassOfTopic,
  isRestrictedTopic,
  isNeverForAds,
} from './policy';
export type { SensitiveClass, TopicSensitivity } from './policy';
export { SENSITIVE_PROXIES, sensitiveProxy } from './proxies';
export type { SensitiveProxy } from './proxies';
