import { NOT_PERSONALIZED_REASONS, type AgeBand, type NotPersonalizedReason, type SettingsFacts } from '@signalpath/domain';
import { consent, profile, ranking } from '@signalpath/proto';

/**
 * Proto enums ↔ the domain's personalization vocabulary for this service. (The catalog enums are
 * mapped in items.ts.)
 */

const REASON_TO_PROTO: Record<NotPersonalizedReason, ranking.NotPersonalizedReason> = {
  DEGRADED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_DEGRADED,
  NON_PERSONALIZED_FEED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_USER_CHOICE,
  MINOR: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_MINOR,
  AGE_UNKNOWN: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN,
  REGION_UNKNOWN: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN,
  REGION_EXCLUDED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED,
  OPTED_OUT: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT,
  NOT_ELIGIBLE: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE,
};

export const reasonProto = (reason: NotPersonalizedReason | undefined): ranking.NotPersonalizedReason =>
  reason ? REASON_TO_PROTO[reason] : ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;

/** Keyed by a number from ProfileService's answer: a Map, so nothing but these is ever found. */
const PROFILE_REASON: ReadonlyMap<number, NotPersonalizedReason> = new Map<number, NotPersonalizedReason>([
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT, 'OPTED_OUT'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_MINOR, 'MINOR'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NON_PERSONALIZED_FEED, 'NON_PERSONALIZED_FEED'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE, 'NOT_ELIGIBLE'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN, 'REGION_UNKNOWN'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED, 'REGION_EXCLUDED'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN, 'AGE_UNKNOWN'],
]);

/** ProfileService's reason; a refusal with a reason this version does not know stays a refusal. */
export const profileReason = (value: profile.NotPersonalizedReason): NotPersonalizedReason => PROFILE_REASON.get(value) ?? 'NOT_ELIGIBLE';
/** ProfileService's "AI-chat data left out" reason, if any. */
export const profileAiChatReason = (value: profile.NotPersonalizedReason): NotPersonalizedReason | undefined => PROFILE_REASON.get(value);

export function settingsFacts(settings: consent.Settings): SettingsFacts {
  const ageBand: AgeBand = settings.ageBand === consent.AgeBand.AGE_BAND_ADULT ? 'ADULT' : settings.ageBand === consent.AgeBand.AGE_BAND_MINOR ? 'MINOR' : 'UNKNOWN';
  return { ageBand, regionKnown: settings.region !== '', nonPersonalizedFeed: settings.feedControls?.nonPersonalizedFeed === true };
}

// Every domain reason has a ranking value (checked at load, so a new reason cannot be forgotten).
for (const reason of NOT_PERSONALIZED_REASONS) if (REASON_TO_PROTO[reason] === undefined) throw new Error(`no ranking reason for ${reason}`);
