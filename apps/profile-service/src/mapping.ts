import type { EligibilityOutcome, NotPersonalizedReason, Purpose, SettingsFacts, SourceClass } from '@signalpath/domain';
import { common, consent, profile } from '@signalpath/proto';

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
