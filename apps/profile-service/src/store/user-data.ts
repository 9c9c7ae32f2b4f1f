import { erasedPurpose, type ErasureScopeName } from '@signalpath/erasure';
import { common } from '@signalpath/proto';

import type { CorrectionsStore } from './corrections-store';
import type { LedgerStore } from './ledger-store';
import { isEmptyProfile, type ProfileDocument, type ProfileStore, type StoredTopic } from './profile-store';

export const ALL_SURFACES: readonly common.Surface[] = [
  common.Surface.SURFACE_FACEBOOK,
  common.Surface.SURFACE_INSTAGRAM,
  common.Surface.SURFACE_MESSENGER,
  common.Surface.SURFACE_WHATSAPP,
];

const AI_CHAT_KIND = String(common.SourceKind.SOURCE_KIND_AI_CHAT);

/**
 * The AI-chat branch without one purpose's scores: each topic loses that purpose's score (the total
 * keeps counting for the export), and a topic that then serves no purpose goes.
 */
function withoutPurpose(topics: Record<string, StoredTopic>, purpose: 'ads' | 'content'): Record<string, StoredTopic> | undefined {
  let changed = false;
  const next: Record<string, StoredTopic> = {};
  for (const [topicId, stored] of Object.entries(topics)) {
    if (stored[purpose] === undefined) {
      next[topicId] = stored;
      continue;
    }
    changed = true;
    const rest: StoredTopic = { ...stored };
    delete rest[purpose];
    delete rest[purpose === 'ads' ? 'ads_last_time' : 'content_last_time'];
    if (rest.ads !== undefined || rest.content !== undefined) next[topicId] = rest;
  }
  return changed ? next : undefined;
}

/**
 * Erases a user's profile data: everything; only what AI-chat signals contributed (the AI_CHAT
 * source-kind branch of each surface document, which holds exactly that), plus the matching
 * ledger claims; or only one purpose's use of it (`ai_chat_ads` / `ai_chat_content`: that
 * purpose's scores in the AI_CHAT branch; the claims stay, so a redelivery is still a duplicate).
 * `all` also erases the user's corrections (removed interests, "not interested" marks and their
 * history); AI-chat scopes keep them: they are the person's own choices, not AI-chat data.
 * Idempotent; returns how many documents this call deleted or changed, so a repeat returns 0.
 */
export async function eraseUserData(profiles: ProfileStore, ledger: LedgerStore, corrections: CorrectionsStore, userId: string, scope: ErasureScopeName): Promise<number> {
  const purpose = erasedPurpose(scope);
  let count = 0;
  for (const surface of ALL_SURFACES) {
    const outcome = await profiles.withLock(userId, surface, () =>
      profiles.modify(userId, surface, (current): ProfileDocument | 'delete' | undefined => {
        if (!current) return undefined;
        if (scope === 'all') return 'delete';
        if (!current.kinds?.[AI_CHAT_KIND]) return undefined;
        const kinds = { ...current.kinds };
        if (purpose) {
          const kept = withoutPurpose(kinds[AI_CHAT_KIND], purpose);
          if (!kept) return undefined;
          if (Object.keys(kept).length > 0) kinds[AI_CHAT_KIND] = kept;
          else delete kinds[AI_CHAT_KIND];
        } else delete kinds[AI_CHAT_KIND];
        return isEmptyProfile(kinds, current) ? 'delete' : { ...current, kinds };
      }),
    );
    if (outcome !== undefined) count++;
  }
  if (scope === 'all') count += await corrections.erase(userId);
  if (!purpose) count += await ledger.eraseUser(userId, scope === 'ai_chat' ? common.SourceKind.SOURCE_KIND_AI_CHAT : undefined);
  return count;
}
