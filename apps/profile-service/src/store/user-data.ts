import { common } from '@signalpath/proto';

import type { LedgerStore } from './ledger-store';
import type { ProfileDocument, ProfileStore } from './profile-store';

export const ALL_SURFACES: readonly common.Surface[] = [
  common.Surface.SURFACE_FACEBOOK,
  common.Surface.SURFACE_INSTAGRAM,
  common.Surface.SURFACE_MESSENGER,
  common.Surface.SURFACE_WHATSAPP,
];

const AI_CHAT_KIND = String(common.SourceKind.SOURCE_KIND_AI_CHAT);

/**
 * Erases a user's profile data: everything, or only what AI-chat signals contributed (the
 * AI_CHAT source-kind branch of each surface document, which holds exactly that), plus the
 * matching ledger claims. Idempotent; returns how many documents this
 * call deleted or changed, so a repeat returns 0.
 */
export async function eraseUserData(profiles: ProfileStore, ledger: LedgerStore, userId: string, scope: 'ai_chat' | 'all'): Promise<number> {
  let count = 0;
  for (const surface of ALL_SURFACES) {
    const outcome = await profiles.withLock(userId, surface, () =>
      profiles.modify(userId, surface, (current): ProfileDocument | 'delete' | undefined => {
        if (!current) return undefined;
        if (scope === 'all') return 'delete';
        if (!current.kinds?.[AI_CHAT_KIND]) return undefined;
        const kinds = { ...current.kinds };
        delete kinds[AI_CHAT_KIND];
        return Object.keys(kinds).length === 0 && current.in_flight.length === 0 ? 'delete' : { ...current, kinds };
      }),
    );
    if (outcome !== undefined) count++;
  }
  count += await ledger.eraseUser(userId, scope === 'ai_chat' ? common.SourceKind.SOURCE_KIND_AI_CHAT : undefined);
  return count;
}
