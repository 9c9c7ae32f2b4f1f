import type { EligibilityOutcome, NotPersonalizedReason, Purpose, SettingsFacts, SourceClass } from '@signalpath/domain';
import type { RankedInterest } from '@signalpath/interest-profile';
import { common, consent, profile } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';
import { withoutSensitive, type CorrectionEntry, type PurposeKey } from './store/corrections-store';

/** Proto enums ↔ the domain vocabulary, for this service: the only place they are mapped. */

export const purposeName = (value: common.Purpose): Purpose => (value === common.Purpose.PURPOSE_ADS ? 'ADS' : 'CONTENT');

const REASON_TO_PROTO: Record<NotPersonalizedReason, profile.NotPersonalizedReason> = {
  OPTED_OUT: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT,
  MINOR: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_MINOR,
  NON_PERSONALIZED_FEED: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NON_PERSONALIZED_FEED,
  NOT_ELIGIBLE: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE,
  REGION_UNKNOWN: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN,
  REGION_EXCLUDED: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED,
  AGE_UNKNOWN: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN,
  // ProfileService never degrades a read (it fails with UNAVAILABLE); kept total for the type.
  DEGRADED: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE,
};
export const reasonProto = (reason: NotPersonalizedReason): profile.NotPersonalizedReason => REASON_TO_PROTO[reason];

const ELIGIBILITY_REASON: Partial<Record<consent.EligibilityReason, NotPersonalizedReason>> = {
  [consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT]: 'OPTED_OUT',
  [consent.EligibilityReason.ELIGIBILITY_REASON_MINOR]: 'MINOR',
  [consent.EligibilityReason.ELIGIBILITY_REASON_AGE_UNKNOWN]: 'AGE_UNKNOWN',
  [consent.EligibilityReason.ELIGIBILITY_REASON_REGION_UNKNOWN]: 'REGION_UNKNOWN',
  [consent.EligibilityReason.ELIGIBILITY_REASON_REGION_EXCLUDED]: 'REGION_EXCLUDED',
};

/** ConsentService's answer as a domain outcome; an unknown refusal stays a refusal (NOT_ELIGIBLE). */
export function eligibilityOutcome(allowed: boolean, reason: consent.EligibilityReason): EligibilityOutcome {
  if (allowed && reason === consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED) return { allowed: true };
  return { allowed: false, reason: ELIGIBILITY_REASON[reason] ?? 'NOT_ELIGIBLE' };
}

/** What the personalization decision needs of the settings. Anything but ADULT is not adult. */
export function settingsFacts(settings: consent.Settings): SettingsFacts {
  const ageBand = settings.ageBand === consent.AgeBand.AGE_BAND_ADULT ? 'ADULT' : settings.ageBand === consent.AgeBand.AGE_BAND_MINOR ? 'MINOR' : 'UNKNOWN';
  return { ageBand, regionKnown: settings.region !== '', nonPersonalizedFeed: settings.feedControls?.nonPersonalizedFeed ?? false };
}

const AI_CHAT = common.SourceKind.SOURCE_KIND_AI_CHAT;
const ACTIVITY_KINDS = [common.SourceKind.SOURCE_KIND_PAGE_LIKE, common.SourceKind.SOURCE_KIND_FOLLOW, common.SourceKind.SOURCE_KIND_GROUP_JOIN];

/** The stored source kinds (proto numbers) a decision's source classes cover. */
export function sourceKindsOf(sources: ReadonlySet<SourceClass>): Set<number> {
  return new Set([...(sources.has('AI_CHAT') ? [AI_CHAT] : []), ...(sources.has('ACTIVITY') ? ACTIVITY_KINDS : [])]);
}

const PURPOSE_PROTO: Record<PurposeKey, common.Purpose> = { ads: common.Purpose.PURPOSE_ADS, content: common.Purpose.PURPOSE_CONTENT };
export const purposeKey = (purpose: common.Purpose): PurposeKey => (purpose === common.Purpose.PURPOSE_ADS ? 'ads' : 'content');

const KIND_PROTO: Record<CorrectionEntry['kind'], profile.CorrectionKind> = {
  remove_interest: profile.CorrectionKind.CORRECTION_KIND_REMOVE_INTEREST,
  not_interested: profile.CorrectionKind.CORRECTION_KIND_NOT_INTERESTED,
  undo_not_interested: profile.CorrectionKind.CORRECTION_KIND_UNDO_NOT_INTERESTED,
  delete_signal: profile.CorrectionKind.CORRECTION_KIND_DELETE_SIGNAL,
};

function topicOf(topicId: string): common.Topic {
  const node = getTaxonomy().get(topicId);
  return { id: topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' };
}

export function toApiCorrection(entry: CorrectionEntry): profile.Correction {
  return {
    correctionId: entry.id,
    kind: KIND_PROTO[entry.kind],
    createTime: entry.time,
    purposes: entry.purposes.map((purpose) => PURPOSE_PROTO[purpose]),
    topic: entry.topic_id ? topicOf(entry.topic_id) : undefined,
    itemId: entry.item_id ?? '',
    // Marks stored before sensitive ids were left out may still hold one: never answered.
    itemTopics: withoutSensitive(entry.topic_ids ?? []).map(topicOf),
    actor: entry.actor,
    userAsserted: entry.user_asserted,
    signalId: entry.signal_id ?? '',
  };
}

/** A ranked interest in API form, with the topic's taxonomy name and tier-1 name. */
export function toApiInterest(interest: RankedInterest): profile.Interest {
  const node = getTaxonomy().get(interest.topicId);
  return {
    topic: { id: interest.topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' },
    score: interest.score,
    sources: interest.sources.map(
      (source): common.InterestSource => ({ surface: source.surface, sourceKind: source.sourceKind, lastTime: new Date(source.lastTimeMs) }),
    ),
  };
}
