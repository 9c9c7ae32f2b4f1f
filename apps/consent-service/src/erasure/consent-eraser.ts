import { SETTINGS_LEAF_PATHS } from '@signalpath/consent-policy';
import { fieldValues } from '../mapping';
import type { SettingsWriter } from '../settings/settings-writer';
import { defaultSettings, type FieldChangeDoc, type SettingsDoc } from '../store/documents';
import type { LinksStore } from '../store/links-store';
import type { SettingsStore } from '../store/settings-store';
import type { LocalEraser } from './worker';

/** The consent record kept after ERASURE_SCOPE_ALL: the user's AI-chat choices. */
const KEPT_PATHS = new Set(['ai_chat_ads', 'ai_chat_content']);
const HISTORY_PATHS = [...SETTINGS_LEAF_PATHS, 'linked_accounts'];

/** The actor recorded for changes an erasure job makes. */
export const erasureActor = (jobId: string) => `erasure-job:${jobId}`;

/**
 * ConsentService's own part of ERASURE_SCOPE_ALL: the settings become a tombstone that keeps only
 * the AI-chat consent choices and the erasure marker; links are released; the history keeps only
 * the consent record (changes of ai_chat_ads / ai_chat_content, including withdrawals) and the
 * tombstone's own entry, which lists the reset fields with an old value of null (erased values are
 * not kept). The erasure job itself stays. Idempotent: a retried round finds the work done.
 */
export class ConsentDataEraser implements LocalEraser {
  constructor(
    private readonly writer: SettingsWriter,
    private readonly settings: SettingsStore,
    private readonly links: LinksStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async eraseAll(userId: string, jobId: string): Promise<void> {
    const tombstoneVersion = await this.writeTombstone(userId, jobId);
    await this.links.deleteAllForUser(userId);
    await this.trimHistory(userId, tombstoneVersion);
  }

  private async writeTombstone(userId: string, jobId: string): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const before = await this.writer.load(userId);
      if (before.erased?.job_id === jobId) return before.version;
      const after: SettingsDoc = {
        ...defaultSettings(userId),
        ai_chat_ads: before.ai_chat_ads,
        ai_chat_content: before.ai_chat_content,
        erased: { job_id: jobId, erase_time: this.now() },
      };
      const result = await this.writer.commit(before, after, { actor: erasureActor(jobId), paths: [], fieldChanges: resetChanges(before, after) });
      if (result !== 'conflict') return result.version;
    }
    throw new Error('settings kept changing during erasure');
  }

  private async trimHistory(userId: string, tombstoneVersion: number): Promise<void> {
    let before: number | undefined;
    for (;;) {
      const page = await this.settings.listHistory(userId, 200, before);
      if (page.length === 0) return;
      for (const entry of page) {
        if (entry.version === tombstoneVersion || !entry.applied) continue;
        const keep = entry.field_changes.filter((change) => KEPT_PATHS.has(change.field_path));
        if (keep.length !== entry.field_changes.length) await this.settings.trimHistoryEntry(entry, keep);
      }
      before = page[page.length - 1].version;
    }
  }
}

function resetChanges(before: SettingsDoc, after: SettingsDoc): FieldChangeDoc[] {
  const old = fieldValues(before);
  const next = fieldValues(after);
  return HISTORY_PATHS.filter((path) => JSON.stringify(old[path]) !== JSON.stringify(next[path])).map((path) => ({
    field_path: path,
    old_value_json: 'null',
    new_value_json: JSON.stringify(next[path]),
  }));
}
