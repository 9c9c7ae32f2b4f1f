import type { SensitiveClass } from '@signalpath/domain';
import { common, consent, signal } from '@signalpath/proto';

/**
 * SignalService's own policy on top of extraction: consent per purpose, the last line of defence
 * for sensitive topics, and traditional-activity topics. Pure functions, no I/O.
 */

/** The proto enum value of a sensitive class: the enum names the classes `SENSITIVE_CLASS_<name>`. */
const classToEnum = (name: SensitiveClass): common.SensitiveClass => common.SensitiveClass[`SENSITIVE_CLASS_${name}`];

/** Distinct classes as proto enums, in enum order (the response lists each at most once). */
export function toSensitiveClassEnums(classes: Iterable<SensitiveClass>): common.SensitiveClass[] {
  const values = new Set<common.SensitiveClass>();
  for (const name of classes) {
    const value = classToEnum(name);
    if (value !== undefined) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/** One purpose's answer from ConsentService. */
export interface PurposeDecision {
  allowed: boolean;
  reason: consent.EligibilityReason;
}

const REASON_TO_SKIP: Partial<Record<consent.EligibilityReason, signal.SkipReason>> = {
  [consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT]: signal.SkipReason.SKIP_REASON_OPTED_OUT,
  [consent.EligibilityReason.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE]: signal.SkipReason.SKIP_REASON_BEFORE_EFFECTIVE_DATE,
  [consent.EligibilityReason.ELIGIBILITY_REASON_REGION_EXCLUDED]: signal.SkipReason.SKIP_REASON_REGION_EXCLUDED,
  [consent.EligibilityReason.ELIGIBILITY_REASON_MINOR]: signal.SkipReason.SKIP_REASON_MINOR,
  [consent.EligibilityReason.ELIGIBILITY_REASON_AGE_UNKNOWN]: signal.SkipReason.SKIP_REASON_AGE_UNKNOWN,
  [consent.EligibilityReason.ELIGIBILITY_REASON_REGION_UNKNOWN]: signal.SkipReason.SKIP_REASON_REGION_UNKNOWN,
  [consent.EligibilityReason.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED]: signal.SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED,
};

/**
 * The skip reason when neither purpose is allowed: the ads reason, as the API documents. A
 * refusal with a reason this version does not know is still a refusal (fail closed), reported as
 * OPTED_OUT.
 */
export function skipReasonForRefusal(ads: PurposeDecision, content: PurposeDecision): signal.SkipReason {
  return REASON_TO_SKIP[ads.reason] ?? REASON_TO_SKIP[content.reason] ?? signal.SkipReason.SKIP_REASON_OPTED_OUT;
}

/** A topic signal before it is stored: what extraction (or an activity) yields after policy. */
export interface CandidateSignal {
  topicId: string;
  weight: number;
  adsEligible: boolean;
  contentEligible: boolean;
}

/**
 * Applies consent to candidate signals: a signal may serve a purpose only if the policy and the
 * user's consent both allow it; one that serves no purpose is not stored. A topic the policy
 * never allows for ads (sensitive, restricted or unknown) is never ads-eligible, whatever the
 * extractor said (defence in depth for invariant 3).
 */
export function applyConsent(
  candidates: readonly CandidateSignal[],
  allowed: { ads: boolean; content: boolean },
  isNeverForAds: (topicId: string) => boolean,
): CandidateSignal[] {
  const byTopic = new Map<string, CandidateSignal>();
  for (const candidate of candidates) {
    if (!Number.isFinite(candidate.weight) || candidate.weight <= 0) continue;
    const adsEligible = candidate.adsEligible && allowed.ads && !isNeverForAds(candidate.topicId);
    const contentEligible = candidate.contentEligible && allowed.content;
    if (!adsEligible && !contentEligible) continue;
    const weight = Math.min(1, candidate.weight);
    const previous = byTopic.get(candidate.topicId);
    // One signal per topic and record: the signal id is derived from them.
    if (!previous || previous.weight < weight) byTopic.set(candidate.topicId, { topicId: candidate.topicId, weight, adsEligible, contentEligible });
  }
  return [...byTopic.values()];
}

/**
 * How strongly a traditional activity says "interested": joining a group is a bigger commitment
 * than following an account, which is more than a like.
 */
export const ACTIVITY_WEIGHT: Partial<Record<common.SourceKind, number>> = {
  [common.SourceKind.SOURCE_KIND_GROUP_JOIN]: 0.8,
  [common.SourceKind.SOURCE_KIND_FOLLOW]: 0.6,
  [common.SourceKind.SOURCE_KIND_PAGE_LIKE]: 0.5,
};

export interface TopicPolicy {
  sensitiveClassOfTopic(topicId: string): SensitiveClass | undefined;
  /** Nodes never emitted as signals at all (brand-safety categories). */
  isRestrictedTopic(topicId: string): boolean;
  /** Sensitive, restricted or unknown: never for ads. */
  isNeverForAds(topicId: string): boolean;
}

/**
 * The signals of a page like, follow or group join: one per distinct topic. Topics of a sensitive
 * class are suppressed as for interactions: dropped, or kept for content only when the policy
 * flag allows it; restricted nodes are dropped.
 */
export function activityCandidates(
  topicIds: readonly string[],
  sourceKind: common.SourceKind,
  policy: TopicPolicy,
  options: { allowSensitiveContent: boolean },
): { candidates: CandidateSignal[]; suppressed: SensitiveClass[] } {
  const weight = ACTIVITY_WEIGHT[sourceKind];
  if (weight === undefined) throw new Error(`no activity weight for source kind ${sourceKind}`);
  const candidates: CandidateSignal[] = [];
  const suppressed = new Set<SensitiveClass>();
  for (const topicId of new Set(topicIds)) {
    if (policy.isRestrictedTopic(topicId)) continue;
    const sensitiveClass = policy.sensitiveClassOfTopic(topicId);
    if (sensitiveClass !== undefined) {
      suppressed.add(sensitiveClass);
      if (options.allowSensitiveContent) candidates.push({ topicId, weight, adsEligible: false, contentEligible: true });
      continue;
    }
    candidates.push({ topicId, weight, adsEligible: true, contentEligible: true });
  }
  return { candidates, suppressed: [...suppressed] };
}
