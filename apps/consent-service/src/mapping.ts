import type { RejectionReasonName, RequestDoc, RequestKind, RequestState } from './store/request-store';
import { isOverdue } from './data-subject-requests/workflow';
import { status as grpcStatus } from '@grpc/grpc-js';
import { CONSENT_PURPOSES, effectiveSettings, gpcBinding, legalBases, type ConsentPolicy, type ConsentStringFormat, type ConsentSubject, type EligibilityReason } from '@signalpath/consent-policy';
import type { AgeBand, Choice, Purpose, SensitiveClass, SourceKind } from '@signalpath/domain';
import { rpcStatus } from '@signalpath/grpc-kit';
import { common, consent, type rpc } from '@signalpath/proto';
import { SURFACE_NAMES, type ConsentRecordDoc, type ErasureJobDoc, type ErasureTargetDoc, type HistoryDoc, type ScopeName, type SettingsDoc, type SurfaceName } from './store/documents';
import type { TopicEntryView } from './topics/topic-directory';

/** Mapping between proto messages, stored documents and the policy library's types. */

const CHOICE_TO_NAME: Record<consent.Choice, Choice | undefined> = {
  [consent.Choice.CHOICE_UNSPECIFIED]: 'UNSPECIFIED',
  [consent.Choice.CHOICE_OPT_IN]: 'OPT_IN',
  [consent.Choice.CHOICE_OPT_OUT]: 'OPT_OUT',
  [consent.Choice.UNRECOGNIZED]: undefined,
};
const CHOICE_FROM_NAME: Record<Choice, consent.Choice> = {
  UNSPECIFIED: consent.Choice.CHOICE_UNSPECIFIED,
  OPT_IN: consent.Choice.CHOICE_OPT_IN,
  OPT_OUT: consent.Choice.CHOICE_OPT_OUT,
};
const AGE_FROM_NAME: Record<AgeBand, consent.AgeBand> = {
  ADULT: consent.AgeBand.AGE_BAND_ADULT,
  MINOR: consent.AgeBand.AGE_BAND_MINOR,
  UNKNOWN: consent.AgeBand.AGE_BAND_UNKNOWN,
};
const REASON_FROM_NAME: Record<EligibilityReason, consent.EligibilityReason> = {
  ALLOWED: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED,
  END_TO_END_ENCRYPTED: consent.EligibilityReason.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED,
  BEFORE_EFFECTIVE_DATE: consent.EligibilityReason.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE,
  MINOR: consent.EligibilityReason.ELIGIBILITY_REASON_MINOR,
  AGE_UNKNOWN: consent.EligibilityReason.ELIGIBILITY_REASON_AGE_UNKNOWN,
  REGION_UNKNOWN: consent.EligibilityReason.ELIGIBILITY_REASON_REGION_UNKNOWN,
  REGION_EXCLUDED: consent.EligibilityReason.ELIGIBILITY_REASON_REGION_EXCLUDED,
  OPTED_OUT: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT,
};

/** Call only with a validated (known) value. */
export const choiceName = (value: consent.Choice): Choice => CHOICE_TO_NAME[value] ?? 'UNSPECIFIED';
export const choiceProto = (name: Choice): consent.Choice => CHOICE_FROM_NAME[name];

export function ageBandName(value: consent.AgeBand): AgeBand {
  if (value === consent.AgeBand.AGE_BAND_ADULT) return 'ADULT';
  if (value === consent.AgeBand.AGE_BAND_MINOR) return 'MINOR';
  return 'UNKNOWN';
}
export const ageBandProto = (name: AgeBand): consent.AgeBand => AGE_FROM_NAME[name];
export const reasonProto = (name: EligibilityReason): consent.EligibilityReason => REASON_FROM_NAME[name];

export const purposeName = (value: common.Purpose): Purpose => (value === common.Purpose.PURPOSE_ADS ? 'ADS' : 'CONTENT');

/** Source kind enum → domain name; unspecified means AI-chat data (what eligibility was first defined for). */
export const sourceKindName = (value: common.SourceKind | undefined): SourceKind =>
  value === undefined || value === common.SourceKind.SOURCE_KIND_UNSPECIFIED
    ? 'AI_CHAT'
    : (common.sourceKindToJSON(value).replace(/^SOURCE_KIND_/, '') as SourceKind);

/** Surface enum ↔ stored name (SURFACE_FACEBOOK ↔ FACEBOOK). Call only with a validated value. */
export const surfaceName = (value: common.Surface): SurfaceName => common.surfaceToJSON(value).replace(/^SURFACE_/, '') as SurfaceName;
export const surfaceProto = (name: SurfaceName): common.Surface => common.surfaceFromJSON(`SURFACE_${name}`);

/** Erasure scope enum ↔ stored name (ERASURE_SCOPE_AI_CHAT_ADS ↔ AI_CHAT_ADS). Call only with a validated value. */
export const scopeName = (value: common.ErasureScope): ScopeName => common.erasureScopeToJSON(value).replace(/^ERASURE_SCOPE_/, '') as ScopeName;
export const scopeProto = (name: ScopeName): common.ErasureScope => common.erasureScopeFromJSON(`ERASURE_SCOPE_${name}`);

export function subjectOf(doc: SettingsDoc): ConsentSubject {
  return { aiChatAds: doc.ai_chat_ads, aiChatContent: doc.ai_chat_content, crossAppSharing: doc.cross_app_sharing, region: doc.region, ageBand: doc.age_band };
}

export function linkedAccountsProto(doc: SettingsDoc): consent.LinkedAccount[] {
  return SURFACE_NAMES.flatMap((name) => {
    const link = doc.linked_accounts[name];
    return link ? [{ surface: surfaceProto(name), accountId: link.account_id, linkTime: link.link_time }] : [];
  });
}

export function settingsProto(doc: SettingsDoc, policy: ConsentPolicy): consent.Settings {
  return {
    userId: doc._id,
    aiChatAds: choiceProto(doc.ai_chat_ads),
    aiChatContent: choiceProto(doc.ai_chat_content),
    crossAppSharing: choiceProto(doc.cross_app_sharing),
    effective: effectiveSettings(policy, subjectOf(doc)),
    linkedAccounts: linkedAccountsProto(doc),
    adPreferences: {
      blockedTopicIds: [...doc.ad_preferences.blocked_topic_ids],
      blockedAdvertiserIds: [...doc.ad_preferences.blocked_advertiser_ids],
      seeFewerTopicIds: [...doc.ad_preferences.see_fewer_topic_ids],
    },
    feedControls: {
      nonPersonalizedFeed: doc.feed_controls.non_personalized_feed,
      showMoreTopicIds: [...doc.feed_controls.show_more_topic_ids],
      showLessTopicIds: [...doc.feed_controls.show_less_topic_ids],
    },
    region: doc.region,
    ageBand: ageBandProto(doc.age_band),
    version: String(doc.version),
    updateTime: doc.update_time,
    ...(doc.gpc === undefined ? {} : { gpc: doc.gpc }),
  };
}

/**
 * Each history-tracked field's value as proto3 JSON data, keyed by its field path: what
 * FieldChange.old_value_json / new_value_json hold (serialized).
 */
export function fieldValues(doc: SettingsDoc): Record<string, unknown> {
  return {
    ai_chat_ads: consent.choiceToJSON(choiceProto(doc.ai_chat_ads)),
    ai_chat_content: consent.choiceToJSON(choiceProto(doc.ai_chat_content)),
    cross_app_sharing: consent.choiceToJSON(choiceProto(doc.cross_app_sharing)),
    'ad_preferences.blocked_topic_ids': doc.ad_preferences.blocked_topic_ids,
    'ad_preferences.blocked_advertiser_ids': doc.ad_preferences.blocked_advertiser_ids,
    'ad_preferences.see_fewer_topic_ids': doc.ad_preferences.see_fewer_topic_ids,
    'feed_controls.non_personalized_feed': doc.feed_controls.non_personalized_feed,
    'feed_controls.show_more_topic_ids': doc.feed_controls.show_more_topic_ids,
    'feed_controls.show_less_topic_ids': doc.feed_controls.show_less_topic_ids,
    region: doc.region,
    age_band: consent.ageBandToJSON(ageBandProto(doc.age_band)),
    linked_accounts: linkedAccountsProto(doc).map((link) => consent.LinkedAccount.toJSON(link)),
    ...(doc.gpc === undefined ? {} : { gpc: doc.gpc }),
  };
}

export function settingsChangeProto(entry: HistoryDoc): consent.SettingsChange {
  return {
    version: String(entry.version),
    changeTime: entry.change_time,
    actor: entry.actor,
    userAsserted: entry.user_asserted === true,
    fieldChanges: entry.field_changes.map((change) => ({
      fieldPath: change.field_path,
      oldValueJson: change.old_value_json,
      newValueJson: change.new_value_json,
      ...(change.source ? { source: consent.ChangeSource[`CHANGE_SOURCE_${change.source}`] } : {}),
    })),
    consentRecord: entry.consent_record ? consentRecordProto(entry.consent_record) : undefined,
  };
}

export function consentRecordProto(record: ConsentRecordDoc): consent.ConsentRecord {
  return {
    noticeVersion: record.notice_version,
    region: record.region,
    legalBases: record.legal_bases.map((entry) => ({
      purpose: consent.ConsentPurpose[`CONSENT_PURPOSE_${entry.purpose}`],
      legalBasis: consent.LegalBasis[`LEGAL_BASIS_${entry.legal_basis}`],
    })),
    gpc: record.gpc,
    gpcBinding: record.gpc_binding,
    consentStringFormat: record.consent_string_format ? consentStringFormatProto(record.consent_string_format) : consent.ConsentStringFormat.CONSENT_STRING_FORMAT_UNSPECIFIED,
  };
}

export const consentStringFormatProto = (name: ConsentStringFormat): consent.ConsentStringFormat => consent.ConsentStringFormat[`CONSENT_STRING_FORMAT_${name}`];

/** Call only with a validated (known, specified) value. */
export const consentStringFormatName = (value: consent.ConsentStringFormat): ConsentStringFormat =>
  value === consent.ConsentStringFormat.CONSENT_STRING_FORMAT_TCF_V2 ? 'TCF_V2' : 'GPP';

/** The consent record of a change: the notice shown and each purpose's legal basis after it. */
export function consentRecordOf(
  policy: ConsentPolicy,
  after: SettingsDoc,
  extra: { noticeVersion: string; gpc: boolean; consentStringFormat?: ConsentStringFormat },
): ConsentRecordDoc {
  const bases = legalBases(policy, subjectOf(after));
  return {
    notice_version: extra.noticeVersion,
    region: after.region,
    legal_bases: CONSENT_PURPOSES.map((purpose) => ({ purpose, legal_basis: bases[purpose] })),
    gpc: extra.gpc,
    gpc_binding: extra.gpc && gpcBinding(after.region),
    ...(extra.consentStringFormat ? { consent_string_format: extra.consentStringFormat } : {}),
  };
}

const JOB_STATE: Record<ErasureJobDoc['state'], consent.ErasureJobState> = {
  PENDING: consent.ErasureJobState.ERASURE_JOB_STATE_PENDING,
  RUNNING: consent.ErasureJobState.ERASURE_JOB_STATE_RUNNING,
  SUCCEEDED: consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED,
};

/** The stored code name of a target's last failure as a google.rpc.Status (no details are stored). */
function lastErrorStatus(codeName: string): rpc.Status {
  const code = (grpcStatus as unknown as Record<string, number | undefined>)[codeName] ?? grpcStatus.UNKNOWN;
  return rpcStatus(code, `last DeleteUserData call failed: ${codeName}`);
}

function targetProto(target: ErasureTargetDoc): consent.ErasureTarget {
  return {
    service: target.service,
    state: target.state === 'CONFIRMED' ? consent.ErasureTargetState.ERASURE_TARGET_STATE_CONFIRMED : consent.ErasureTargetState.ERASURE_TARGET_STATE_PENDING,
    attempts: target.attempts,
    lastErrorCode: target.last_error_code,
    lastError: target.last_error_code ? lastErrorStatus(target.last_error_code) : undefined,
    confirmTime: target.confirm_time,
    deletedCount: String(target.deleted_count),
  };
}

export function erasureJobProto(job: ErasureJobDoc): consent.ErasureJob {
  return {
    jobId: job._id,
    userId: job.user_id,
    scope: scopeProto(job.scope),
    state: JOB_STATE[job.state],
    targets: Object.values(job.targets).map(targetProto),
    createTime: job.create_time,
    completeTime: job.complete_time,
  };
}

/** The proto enum value of a sensitive class: the enum names the classes `SENSITIVE_CLASS_<name>`. */
const sensitiveClassProto = (name: SensitiveClass): common.SensitiveClass => common.SensitiveClass[`SENSITIVE_CLASS_${name}`];

export function topicEntryProto(entry: TopicEntryView): consent.TopicEntry {
  return {
    id: entry.id,
    name: entry.name,
    tierPath: [...entry.tierPath],
    parentId: entry.parentId ?? '',
    hasChildren: entry.hasChildren,
    sensitive: entry.sensitiveClass !== undefined,
    sensitiveClass: entry.sensitiveClass ? sensitiveClassProto(entry.sensitiveClass) : common.SensitiveClass.SENSITIVE_CLASS_UNSPECIFIED,
    neverUsedForAds: entry.neverUsedForAds,
    adsBlockable: entry.adsBlockable,
    feedControllable: entry.feedControllable,
  };
}

// Data-subject requests (data-subject-requests/workflow.ts).
const S = consent.DataSubjectRequestState;
const STATES: Record<RequestState, consent.DataSubjectRequestState> = {
  RECEIVED: S.DATA_SUBJECT_REQUEST_STATE_RECEIVED,
  VERIFIED: S.DATA_SUBJECT_REQUEST_STATE_VERIFIED,
  IN_PROGRESS: S.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS,
  COMPLETED: S.DATA_SUBJECT_REQUEST_STATE_COMPLETED,
  REJECTED: S.DATA_SUBJECT_REQUEST_STATE_REJECTED,
};
const KINDS: Record<RequestKind, consent.DataSubjectRequestKind> = {
  ERASURE: consent.DataSubjectRequestKind.DATA_SUBJECT_REQUEST_KIND_ERASURE,
  EXPORT: consent.DataSubjectRequestKind.DATA_SUBJECT_REQUEST_KIND_EXPORT,
};
const REASONS: Record<RejectionReasonName, consent.RejectionReason> = {
  IDENTITY_NOT_VERIFIED: consent.RejectionReason.REJECTION_REASON_IDENTITY_NOT_VERIFIED,
  DUPLICATE: consent.RejectionReason.REJECTION_REASON_DUPLICATE,
  MANIFESTLY_UNFOUNDED: consent.RejectionReason.REJECTION_REASON_MANIFESTLY_UNFOUNDED,
  WITHDRAWN: consent.RejectionReason.REJECTION_REASON_WITHDRAWN,
};

const nameOf = <N extends string, V>(table: Record<N, V>, value: V): N | undefined => (Object.keys(table) as N[]).find((name) => table[name] === value);

export const requestStateName = (value: consent.DataSubjectRequestState): RequestState | undefined => nameOf(STATES, value);
export const requestKindName = (value: consent.DataSubjectRequestKind): RequestKind | undefined => nameOf(KINDS, value);
export const rejectionReasonName = (value: consent.RejectionReason): RejectionReasonName | undefined => nameOf(REASONS, value);

function duration(ms: number): { seconds: string; nanos: number } {
  const whole = Math.max(0, Math.floor(ms / 1000));
  return { seconds: String(whole), nanos: Math.max(0, Math.round(ms - whole * 1000)) * 1_000_000 };
}

export function requestProto(doc: RequestDoc, now: Date): consent.DataSubjectRequest {
  return {
    requestId: doc._id,
    userId: doc.user_id,
    kind: KINDS[doc.kind],
    scope: doc.scope ? scopeProto(doc.scope) : 0,
    state: STATES[doc.state],
    region: doc.region,
    deadlineRule: doc.deadline_rule,
    receiveTime: doc.receive_time,
    dueTime: doc.due_time,
    overdue: isOverdue(doc, now),
    verification: doc.verification
      ? {
          method: doc.verification.method === 'USER_ASSERTION' ? consent.VerificationMethod.VERIFICATION_METHOD_USER_ASSERTION : consent.VerificationMethod.VERIFICATION_METHOD_OPERATOR,
          actor: doc.verification.actor,
          verifyTime: doc.verification.verify_time,
        }
      : undefined,
    rejection: doc.rejection ? { reason: REASONS[doc.rejection.reason], actor: doc.rejection.actor, rejectTime: doc.rejection.reject_time } : undefined,
    erasureJobId: doc.erasure_job_id ?? '',
    closeTime: doc.close_time,
    transitions: doc.transitions.map((t) => ({ state: STATES[t.state], transitionTime: t.time, actor: t.actor })),
    receivedBy: doc.received_by,
    age: duration((doc.close_time ?? now).getTime() - doc.receive_time.getTime()),
  };
}
