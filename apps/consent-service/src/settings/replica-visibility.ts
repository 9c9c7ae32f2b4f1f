import type { ServerUnaryCall } from '@grpc/grpc-js';
import { effectiveSettings, type ConsentPolicy } from '@signalpath/consent-policy';
import { deadlineMsOf } from '@signalpath/grpc-kit';
import { subjectOf } from '../mapping';
import type { SettingsDoc } from '../store/documents';

/** Kept free before the caller's deadline to answer in time. */
const ANSWER_MARGIN_MS = 50;

const added = (before: readonly string[], after: readonly string[]) => after.some((id) => !before.includes(id));

/**
 * Does going from `before` to `after` stop some use of the user's data? An effective AI-chat or
 * cross-app-sharing permission turned off (by a choice, a region or an age band), the user now a
 * minor, an account unlinked or replaced, a topic or advertiser blocked, "see fewer" or "show
 * less" added, the non-personalized feed turned on, an erasure. Loosening changes — an opt-in, a
 * link, a first region — may show up on another replica a moment later without harm.
 */
export function restrictsUse(policy: ConsentPolicy, before: SettingsDoc, after: SettingsDoc): boolean {
  const [was, is] = [effectiveSettings(policy, subjectOf(before)), effectiveSettings(policy, subjectOf(after))];
  return (
    (was.aiChatAdsEnabled && !is.aiChatAdsEnabled) ||
    (was.aiChatContentEnabled && !is.aiChatContentEnabled) ||
    (was.crossAppSharingEnabled && !is.crossAppSharingEnabled) ||
    (before.age_band !== 'MINOR' && after.age_band === 'MINOR') ||
    Object.entries(before.linked_accounts).some(([surface, entry]) => after.linked_accounts[surface as keyof SettingsDoc['linked_accounts']]?.account_id !== entry?.account_id) ||
    added(before.ad_preferences.blocked_topic_ids, after.ad_preferences.blocked_topic_ids) ||
    added(before.ad_preferences.blocked_advertiser_ids, after.ad_preferences.blocked_advertiser_ids) ||
    added(before.ad_preferences.see_fewer_topic_ids, after.ad_preferences.see_fewer_topic_ids) ||
    added(before.feed_controls.show_less_topic_ids, after.feed_controls.show_less_topic_ids) ||
    (!before.feed_controls.non_personalized_feed && after.feed_controls.non_personalized_feed) ||
    Boolean(after.erased) !== Boolean(before.erased)
  );
}

/**
 * Commit wait, so a user's "no" holds on the very next read through any ConsentService replica
 * (invariant 5: an unlink takes effect at once). Another replica answers from its settings cache
 * only while its change feed's last sync started at most `stalenessBoundMs` ago (SettingsCache);
 * so once that long has passed since the commit, every replica's answer includes the change. A
 * change that restricts a use answers only then — never later than the caller's deadline allows
 * (the change is committed either way). Replicas must share CONSENT_SETTINGS_CACHE_MAX_STALENESS.
 */
export async function answerWhenEveryReplicaHasIt(
  policy: ConsentPolicy,
  before: SettingsDoc,
  after: SettingsDoc,
  committedAt: number,
  stalenessBoundMs: number,
  call: ServerUnaryCall<unknown, unknown>,
): Promise<void> {
  if (stalenessBoundMs <= 0 || !restrictsUse(policy, before, after)) return;
  const until = Math.min(committedAt + stalenessBoundMs, deadlineMsOf(call) - ANSWER_MARGIN_MS);
  const waitMs = until - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
