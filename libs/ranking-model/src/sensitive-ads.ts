import { isNeverForAds, sensitiveClassOfTopic, type SensitiveClass } from '@signalpath/sensitive-topics';
import type { ItemKind } from './types';

/**
 * How an item is treated because of its topics (issue 16 §3, privacy invariant 3):
 * - STANDARD: ranked as usual.
 * - UNPERSONALIZED_SENSITIVE: an ad about a topic of a sensitive class (or a proxy of one). It may
 *   be shown, but never because of, nor explained by, an interest: it ranks on its base score and
 *   the user's own ad controls only (blocks, "see fewer"), whatever the profile holds.
 * - NEVER_RESTRICTED: an ad about a restricted brand-safety topic without a class (e.g. Obscenity
 *   and Profanity): never shown (FILTER_REASON_SENSITIVE_TOPIC).
 * Posts, reels and groups are STANDARD: their profile has no sensitive interest to use.
 */
export type ItemTopicPolicy = { policy: 'STANDARD' } | { policy: 'UNPERSONALIZED_SENSITIVE'; sensitiveClass: SensitiveClass } | { policy: 'NEVER_RESTRICTED' };

const STANDARD: ItemTopicPolicy = Object.freeze({ policy: 'STANDARD' });
const NEVER_RESTRICTED: ItemTopicPolicy = Object.freeze({ policy: 'NEVER_RESTRICTED' });

export function itemTopicPolicy(kind: ItemKind, topicIds: readonly string[]): ItemTopicPolicy {
  if (kind !== 'AD') return STANDARD;
  let sensitiveClass: SensitiveClass | undefined;
  for (const topicId of topicIds) {
    const cls = sensitiveClassOfTopic(topicId);
    // A restricted topic outweighs everything: such an ad is never shown.
    if (!cls && isNeverForAds(topicId)) return NEVER_RESTRICTED;
    sensitiveClass ??= cls;
  }
  return sensitiveClass ? { policy: 'UNPERSONALIZED_SENSITIVE', sensitiveClass } : STANDARD;
}
