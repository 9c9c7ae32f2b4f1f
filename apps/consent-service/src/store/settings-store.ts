import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS, historyId, type HistoryDoc, type SettingsDoc } from './documents';

/** The `settings` and `settings_history` collections. */
export class SettingsStore {
  private readonly settings: Collection<SettingsDoc>;
  private readonly history: Collection<HistoryDoc>;

  constructor(db: Db) {
    this.settings = db.collection<SettingsDoc>(COLLECTIONS.settings);
    this.history = db.collection<HistoryDoc>(COLLECTIONS.history);
  }

  /** One `_id` lookup; null for a user who never wrote anything. */
  read(userId: string): Promise<SettingsDoc | null> {
    return this.settings.findOne({ _id: userId });
  }

  async readMany(userIds: readonly string[]): Promise<SettingsDoc[]> {
    if (userIds.length === 1) {
      const doc = await this.read(userIds[0]);
      return doc ? [doc] : [];
    }
    return this.settings.find({ _id: { $in: [...userIds] } }).toArray();
  }

  /**
   * Claims the entry's version for its user by inserting it. False when another writer already
   * holds that version: exactly one of concurrent writers from the same version wins.
   */
  async claimVersion(entry: HistoryDoc): Promise<boolean> {
    try {
      await this.history.insertOne(entry);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Writes a settings snapshot unless the stored settings are already at its version or newer. */
  async writeSnapshot(snapshot: SettingsDoc): Promise<void> {
    try {
      await this.settings.replaceOne({ _id: snapshot._id, version: { $lt: snapshot.version } }, snapshot, { upsert: true });
    } catch (error) {
      // The upsert found no older document because a newer one exists: nothing to do.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async markApplied(userId: string, version: number): Promise<void> {
    await this.history.updateOne({ _id: historyId(userId, version) }, { $set: { applied: true }, $unset: { snapshot: '' } });
  }

  historyEntry(userId: string, version: number): Promise<HistoryDoc | null> {
    return this.history.findOne({ _id: historyId(userId, version) });
  }

  /** A page of history, newest first, strictly below `beforeVersion` when given. */
  listHistory(userId: string, limit: number, beforeVersion?: number): Promise<HistoryDoc[]> {
    const filter = beforeVersion === undefined ? { user_id: userId } : { user_id: userId, version: { $lt: beforeVersion } };
    return this.history.find(filter, { projection: { snapshot: 0 } }).sort({ version: -1 }).limit(limit).toArray();
  }

  /** Which user reached which version since `since` (the change feed of the settings cache). */
  changesSince(since: Date): Promise<Pick<HistoryDoc, 'user_id' | 'version'>[]> {
    return this.history.find({ change_time: { $gte: since } }, { projection: { _id: 0, user_id: 1, version: 1 } }).toArray();
  }

  /** Claimed changes not applied yet whose writer had `graceMs` to finish (crash recovery). */
  unapplied(olderThan: Date, limit: number): Promise<HistoryDoc[]> {
    return this.history.find({ applied: false, change_time: { $lt: olderThan } }).sort({ change_time: 1 }).limit(limit).toArray();
  }

  /**
   * Erasure: replaces a history entry's field changes (and its consent record, when given), or
   * deletes the entry when none remain.
   */
  async trimHistoryEntry(entry: HistoryDoc, keep: HistoryDoc['field_changes'], consentRecord?: HistoryDoc['consent_record']): Promise<void> {
    if (keep.length === 0) await this.history.deleteOne({ _id: entry._id });
    else await this.history.updateOne({ _id: entry._id }, { $set: { field_changes: keep, ...(consentRecord ? { consent_record: consentRecord } : {}) } });
  }
}
