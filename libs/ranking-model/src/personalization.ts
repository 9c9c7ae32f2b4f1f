import { settingsRuleOut, type NotPersonalizedReason, type SettingsFacts } from '@signalpath/domain';
import { isNeverForAds } from '@signalpath/sensitive-topics';
import type { Interest, ProfileView, Purpose } from './types';

/** What the ranker needs of the user's consent settings: the domain's settings facts. */
export type ConsentView = SettingsFacts;

/** A profile read as ProfileService answered it. */
export type ProfileRead =
  | { personalized: true; interests: readonly Interest[]; aiChatNotUsed?: NotPersonalizedReason }
  | { personalized: false; reason: NotPersonalizedReason };

/** A dependency that could not be reached in time (or failed): rank without the profile. */
export const UNAVAILABLE = 'unavailable' as const;
export type Unavailable = typeof UNAVAILABLE;

/**
 * Decides whether a purpose is ranked with the profile. The profile is used only when fresh
 * consent settings and the profile read both allow it: consent unreachable → DEGRADED (never
 * personalized on stale consent); the domain's settings rules (minor / unknown age or region for
 * ads, the non-personalized feed for content) are applied here too, whatever the profile says.
 * For ads, interests in sensitive or restricted topics are dropped here as well, so they can
 * neither boost nor explain an ad.
 */
export function profileViewFor(purpose: Purpose, consent: ConsentView | Unavailable, profile: ProfileRead | Unavailable): ProfileView {
  if (consent === UNAVAILABLE) return { personalized: false, reason: 'DEGRADED' };
  const ruledOut = settingsRuleOut(purpose, consent);
  if (ruledOut) return { personalized: false, reason: ruledOut };
  if (profile === UNAVAILABLE) return { personalized: false, reason: 'DEGRADED' };
  if (!profile.personalized) return { personalized: false, reason: profile.reason };
  const interests = purpose === 'ADS' ? profile.interests.filter((interest) => !isNeverForAds(interest.topicId)) : profile.interests;
  return { personalized: true, interests, ...(profile.aiChatNotUsed ? { aiChatNotUsed: profile.aiChatNotUsed } : {}) };
}
