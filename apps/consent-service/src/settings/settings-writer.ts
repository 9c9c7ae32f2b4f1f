import { diffFields } from '@signalpath/consent-policy';
import type { Logger } from '@signalpath/telemetry';
import { fieldValues } from '../mapping';
import type { SettingsCache } from './settings-cache';
import { defaultSettings, historyId, type FieldChangeDoc, type HistoryDoc, type ScopeName, type SettingsDoc } from '../store/documents';
import type { SettingsStore } from '../store/settings-store';

/** Starts (or finds) the erasure a consent withdrawal requires. */
export interface ErasureStarter {
  start(userId: string, scope: ScopeName, actor: string): Promise<unknown>;
}

export interface ChangeRequest {
  actor: string;
  /** The call carried the person's own user assertion: they made this change through `actor`. */
  userAsserted?: boolean;
  /** The history paths to compare between before and after. */
  paths: readonly string[];
  /** The erasure this change requires (consent withdrawal). */
  erasureScope?: ScopeName;
  /** Recorded instead of the computed diff (erasure records no erased values). */
  fieldChanges?: FieldChangeDoc[];
}

/** A claimed change older than this whose writer never finished is rolled forward by others. */
export const ROLL_FORWARD_GRACE_MS = 2_000;

/**
 * The only way settings change. A change from version N is committed by inserting history entry
 * N+1 (with the new settings as its snapshot) — exactly one of concurrent writers from N gets that
 * key — then written to `settings`, the cache, and its side effects (the erasure a withdrawal
 * requires), and finally marked applied. A writer that dies in between leaves an unapplied entry
 * that the next writer's conflict or the periodic sweep rolls forward; every step is idempotent.
 */
export class SettingsWriter {
  constructor(
    private readonly store: SettingsStore,
    private readonly cache: SettingsCache,
    private readonly erasure: ErasureStarter,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The stored settings, read from the database (not the cache): the base of a change. */
  async load(userId: string): Promise<SettingsDoc> {
    return (await this.store.read(userId)) ?? defaultSettings(userId);
  }

  /**
   * Commits `after` as the version following `before`. Returns the stored settings, or 'conflict'
   * when another change from the same version won.
   */
  async commit(before: SettingsDoc, after: SettingsDoc, change: ChangeRequest): Promise<SettingsDoc | 'conflict'> {
    const now = this.now();
    const version = before.version + 1;
    const snapshot: SettingsDoc = { ...after, _id: before._id, version, update_time: now };
    const entry: HistoryDoc = {
      _id: historyId(before._id, version),
      user_id: before._id,
      version,
      change_time: now,
      actor: change.actor,
      ...(change.userAsserted ? { user_asserted: true } : {}),
      field_changes: change.fieldChanges ?? fieldChanges(change.paths, before, snapshot),
      applied: false,
      snapshot,
      ...(change.erasureScope ? { erasure_scope: change.erasureScope } : {}),
    };
    if (!(await this.store.claimVersion(entry))) {
      await this.rollForwardStale(before._id, version);
      return 'conflict';
    }
    try {
      await this.apply(entry);
    } catch (error) {
      // The change is claimed and will be rolled forward; until then do not serve a guess.
      this.cache.invalidate(before._id);
      throw error;
    }
    return snapshot;
  }

  private async apply(entry: HistoryDoc): Promise<void> {
    if (!entry.snapshot) return;
    await this.store.writeSnapshot(entry.snapshot);
    this.cache.put(entry.snapshot);
    if (entry.erasure_scope) await this.erasure.start(entry.user_id, entry.erasure_scope, entry.actor);
    await this.store.markApplied(entry.user_id, entry.version);
  }

  /** Finishes a claimed change whose writer apparently died (its grace period is over). */
  private async rollForwardStale(userId: string, version: number): Promise<void> {
    const entry = await this.store.historyEntry(userId, version);
    if (entry && !entry.applied && this.now().getTime() - entry.change_time.getTime() > ROLL_FORWARD_GRACE_MS) {
      this.logger.warn({ version }, 'rolling forward an unfinished settings change');
      await this.apply(entry);
    }
  }

  /** Rolls forward every stale unfinished change (run periodically by the background worker). */
  async sweep(limit = 50): Promise<number> {
    const stale = await this.store.unapplied(new Date(this.now().getTime() - ROLL_FORWARD_GRACE_MS), limit);
    for (const entry of stale) await this.apply(entry);
    if (stale.length > 0) this.logger.warn({ count: stale.length }, 'rolled forward unfinished settings changes');
    return stale.length;
  }
}

function fieldChanges(paths: readonly string[], before: SettingsDoc, after: SettingsDoc): FieldChangeDoc[] {
  return diffFields(paths, fieldValues(before), fieldValues(after)).map((diff) => ({
    field_path: diff.path,
    old_value_json: diff.oldJson,
    new_value_json: diff.newJson,
  }));
}
