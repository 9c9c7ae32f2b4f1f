import { isNeverForAds } from '@signalpath/sensitive-topics';
import type { Interest, NotPersonalizedReason, ProfileView, Purpose } from './types';

/** What the ranker needs of the user's consent settings. */
export interface ConsentView {
  minor: boolean;
  nonPersonalizedFeed: boolean;
}

/** A profile read as ProfileService answered it. */
export type ProfileRead =
  | { personalized: true; interests: readonly Interest[] }
  | { personalized: false; reason: NotPersonalizedReason };

/** A dependency that could not be reached in time (or failed): rank without the profile. */
export const UNAVAILABLE = 'unavailable' as const;
export type Unavailable = typeof UNAVAILABLE;

/**
 * Decides whether a purpose is ranked with the profile. The profile is used only when fresh
 * consent settings and the profile read both allow it: consent unreachable → DEGRADED (never
 * personalized on stale consent); a minor never gets personalized ads; the user's
 * non-personalized feed covers content. For ads, interests in sensitive or restricted topics are
 * dropped here as well, whatever the profile says, so they can neither boost nor explain an ad.
 */
export function profileViewFor(purpose: Purpose, consent: ConsentView | Unavailable, profile: ProfileRead | Unavailable): ProfileView {
  if (consent === UNAVAILABLE) return { personalized: false, reason: 'DEGRADED' };
  if (purpose === 'ADS' && consent.minor) return { personalized: false, reason: 'MINOR' };
  if (purpose === 'CONTENT' && consent.nonPersonalizedFeed) return { personalized: false, reason: 'USER_CHOICE' };
  if (profile === UNAVAILABLE) return { personalized: false, reason: 'DEGRADED' };
  if (!profile.personalized) return { personalized: false, reason: profile.reason };
  const interests = purpose === 'ADS' ? profile.interests.filter((interest) => !isNeverForAds(interest.topicId)) : profile.interests;
  return { personalized: true, interests };
}

/** Without a profile read: the reason settings alone give, if any (used to skip needless reads). */
export function settingsRuleOut(purpose: Purpose, consent: ConsentView): NotPersonalizedReason | undefined {
  if (purpose === 'ADS' && consent.minor) return 'MINOR';
  if (purpose === 'CONTENT' && consent.nonPersonalizedFeed) return 'USER_CHOICE';
  return undefined;
}

/** When several purposes were not personalized, the reason to report: the most telling first. */
const REASON_PRIORITY: readonly NotPersonalizedReason[] = ['DEGRADED', 'USER_CHOICE', 'MINOR', 'OPTED_OUT'];

export function pickNotPersonalizedReason(reasons: Iterable<NotPersonalizedReason>): NotPersonalizedReason | undefined {
  const present = new Set(reasons);
  return REASON_PRIORITY.find((reason) => present.has(reason));
}
