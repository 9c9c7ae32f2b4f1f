import type { Collection, Db, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { ERASURE_MARKER_INDEXES, type ErasureSubject } from '@signalpath/erasure';
import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { IndexPlan } from '@signalpath/mongo';
import { common, signal } from '@signalpath/proto';
import type { ClaimDoc, DeliveredDoc, E2eSkipDoc, LegacyE2eSkipCounterDoc, OutboxDoc, RecordDoc, SignalDeletionDoc, StoredSignal, WriterDoc } from './documents';

export const COLLECTIONS = {
  records: 'records',
  outbox: 'outbox',
  claims: 'outbox_claims',
  delivered: 'outbox_delivered',
  writers: 'outbox_writers',
  e2eSkips: 'e2e_skips',
  deletions: 'signal_deletions',
} as const;

/** Indexes for MongoDB (FerretDB v1 accepts them; it scans anyway, which is why the outbox is kept small). */
export const SIGNAL_INDEXES: IndexPlan = {
  [COLLECTIONS.records]: [
    { key: { userId: 1, eventTime: -1, _id: -1 }, name: 'user_newest_event' },
    { key: { writer: 1, recordedAt: 1 }, name: 'writer_recorded_at' },
    { key: { eventTime: 1 }, name: 'event_time' },
    { key: { recordedAt: 1 }, name: 'recorded_at' },
  ],
  [COLLECTIONS.outbox]: [
    { key: { availableAt: 1 }, name: 'available_at' },
    { key: { createdAt: 1 }, name: 'created_at' },
    { key: { userId: 1 }, name: 'user' },
  ],
  [COLLECTIONS.claims]: [
    { key: { entryId: 1 }, name: 'entry' },
    { key: { leaseUntil: 1 }, name: 'lease_until' },
    { key: { userId: 1 }, name: 'user' },
  ],
  [COLLECTIONS.delivered]: [
    { key: { deliveredAt: 1 }, name: 'delivered_at' },
    { key: { userId: 1 }, name: 'user' },
  ],
  [COLLECTIONS.e2eSkips]: [{ key: { userId: 1 }, name: 'user' }],
  [COLLECTIONS.deletions]: [{ key: { userId: 1 }, name: 'user' }],
  ...ERASURE_MARKER_INDEXES,
};

/** An outbox entry as erasure sees it: its user, whether it came from an AI chat, its times, its purposes. */
export function entrySubject(entry: Pick<OutboxDoc, 'userId' | 'sourceKind' | 'eventTime' | 'recordedAt' | 'signals'>): ErasureSubject {
  return {
    userId: entry.userId,
    aiChat: entry.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT,
    eventTime: entry.eventTime,
    recordTime: entry.recordedAt,
    purposes: { ads: entry.signals.some((s) => s.adsEligible), content: entry.signals.some((s) => s.contentEligible) },
  };
}

/** Signals without one purpose's eligibility (those left serving nothing dropped); undefined if none changed. */
function withoutPurpose(signals: readonly StoredSignal[], purpose: 'ads' | 'content'): StoredSignal[] | undefined {
  const flag = purpose === 'ads' ? 'adsEligible' : 'contentEligible';
  if (!signals.some((s) => s[flag])) return undefined;
  return signals.map((s) => ({ ...s, [flag]: false })).filter((s) => s.adsEligible || s.contentEligible);
}

/** The AI-chat part of a user's documents, per collection (ERASURE_SCOPE_AI_CHAT). */
const AI_CHAT = common.SourceKind.SOURCE_KIND_AI_CHAT;

/** Indexes (into the array given) of the documents an unordered insert rejected as duplicates. */
function insertDuplicates(error: unknown): Set<number> | undefined {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as Array<{ index: number; code?: number }>;
  if (list.length === 0 || list.some((entry) => entry.code !== 11000)) return undefined;
  return new Set(list.map((entry) => entry.index));
}

/**
 * This service's collections. Writes that must survive a crash are inserts keyed by
 * deterministic ids, so repeating them after a crash is harmless.
 */
export class SignalStore {
  readonly records: Collection<RecordDoc>;
  readonly outbox: Collection<OutboxDoc>;
  readonly claims: Collection<ClaimDoc>;
  readonly delivered: Collection<DeliveredDoc>;
  readonly e2eSkips: Collection<E2eSkipDoc>;
  readonly writers: Collection<WriterDoc>;
  readonly deletions: Collection<SignalDeletionDoc>;

  constructor(db: Db) {
    this.deletions = db.collection<SignalDeletionDoc>(COLLECTIONS.deletions);
    this.records = db.collection<RecordDoc>(COLLECTIONS.records);
    this.outbox = db.collection<OutboxDoc>(COLLECTIONS.outbox);
    this.claims = db.collection<ClaimDoc>(COLLECTIONS.claims);
    this.delivered = db.collection<DeliveredDoc>(COLLECTIONS.delivered);
    this.e2eSkips = db.collection<E2eSkipDoc>(COLLECTIONS.e2eSkips);
    this.writers = db.collection<WriterDoc>(COLLECTIONS.writers);
  }

  /**
   * Inserts documents, unordered; returns the indexes of those whose `_id` already existed.
   * Any other failure is thrown (the caller's request fails as a whole and is retried).
   */
  private async insertAllowingDuplicates<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<Set<number>> {
    if (docs.length === 0) return new Set();
    try {
      if (docs.length === 1) await collection.insertOne(docs[0] as OptionalUnlessRequiredId<T>);
      else await collection.insertMany(docs as unknown as OptionalUnlessRequiredId<T>[], { ordered: false });
      return new Set();
    } catch (error) {
      if (docs.length === 1 && isDuplicateKeyError(error)) return new Set([0]);
      const duplicates = insertDuplicates(error);
      if (duplicates) return duplicates;
      throw error;
    }
  }

  /** Inserts records; the returned indexes name the ones already recorded (a retry or a reused id). */
  insertRecords(docs: RecordDoc[]): Promise<Set<number>> {
    return this.insertAllowingDuplicates(this.records, docs);
  }

  /** Removes records this service just wrote (an erasure recorded meanwhile covers them). */
  async deleteRecords(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.records.deleteMany({ _id: { $in: keys } });
  }

  /**
   * Interaction records written before interactions stopped keeping a text fingerprint: the
   * fingerprint goes (start-up pass; a no-op once done).
   */
  async dropInteractionFingerprints(): Promise<number> {
    return (await this.records.updateMany({ kind: 'interaction', fingerprint: { $exists: true } }, { $unset: { fingerprint: '' } })).modifiedCount;
  }

  async findRecords(keys: string[]): Promise<Map<string, RecordDoc>> {
    if (keys.length === 0) return new Map();
    const docs = keys.length === 1 ? [await this.records.findOne({ _id: keys[0] })].filter((doc): doc is RecordDoc => doc !== null) : await this.records.find({ _id: { $in: keys } }).toArray();
    return new Map(docs.map((doc) => [doc._id, doc]));
  }

  /** Queues entries for delivery; an entry already queued stays as it is. */
  async enqueue(entries: OutboxDoc[]): Promise<void> {
    await this.insertAllowingDuplicates(this.outbox, entries);
  }

  /** Removes outbox entries (and their claims) that must not be delivered: an erasure covers them. */
  async discardEntries(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.outbox.deleteMany({ _id: { $in: ids } });
    await this.claims.deleteMany({ entryId: { $in: ids } });
  }

  /** An OutboxWriter's heartbeat (only that writer updates its own document). */
  async beat(writerId: string, beatAt: Date, flushedThrough: Date): Promise<void> {
    const write = () => this.writers.updateOne({ _id: writerId }, { $set: { beatAt, flushedThrough } }, { upsert: true });
    try {
      await write();
    } catch (error) {
      // The writer's first two upserts raced (FerretDB v1 inserts both): the document exists now.
      if (!isDuplicateKeyError(error)) throw error;
      await write();
    }
  }

  async retireWriter(writerId: string): Promise<void> {
    await this.writers.deleteOne({ _id: writerId });
  }

  /** Writers whose heartbeat stopped before `before` (other than `self`). */
  staleWriters(before: Date, self: string): Promise<WriterDoc[]> {
    return this.writers.find({ beatAt: { $lt: before }, _id: { $ne: self } }).toArray();
  }

  /** Accepted records a writer inserted since `from`: those whose outbox entries may be missing. */
  recordsOfWriterSince(writerId: string, from: Date): Promise<RecordDoc[]> {
    return this.records.find({ writer: writerId, recordedAt: { $gte: from }, status: signal.IngestStatus.INGEST_STATUS_ACCEPTED }).toArray();
  }

  /** Inserts claims; the returned indexes name those another deliverer made first. */
  insertClaims(claims: ClaimDoc[]): Promise<Set<number>> {
    return this.insertAllowingDuplicates(this.claims, claims);
  }

  /** Records deliveries; entries already logged (a re-send after a crash) are left as they are. */
  async logDelivered(docs: DeliveredDoc[]): Promise<void> {
    await this.insertAllowingDuplicates(this.delivered, docs);
  }

  async deleteDelivered(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.delivered.deleteMany({ _id: { $in: ids } });
  }

  /**
   * The delivery backlog: pending signals, the oldest pending one's time, delivered entries
   * retained. Pending is what is queued in the outbox plus what a writer had not queued yet when
   * it last wrote its heartbeat: the accepted records it inserted since its flushedThrough whose
   * entry is neither queued nor delivered. Those are in a live writer's memory, or were lost with
   * a killed process until OutboxRecovery re-queues them; either way they are not delivered.
   */
  async outboxStatus(): Promise<{ pendingSignals: number; oldestPendingAt?: Date; deliveredEntries: number }> {
    const [pending, delivered, writers] = await Promise.all([
      this.outbox.find({}, { projection: { createdAt: 1, signals: 1 } }).toArray(),
      this.delivered.countDocuments({}),
      this.writers.find({}).toArray(),
    ]);
    let pendingSignals = 0;
    let oldest: Date | undefined;
    const count = (signals: number, at: Date) => {
      pendingSignals += signals;
      if (!oldest || at < oldest) oldest = at;
    };
    const queued = new Set<string>();
    for (const entry of pending) {
      queued.add(entry._id);
      count(entry.signals.length, entry.createdAt);
    }
    const unqueued = (
      await Promise.all(
        writers.map((writer) =>
          this.records
            .find({ writer: writer._id, recordedAt: { $gte: writer.flushedThrough }, status: signal.IngestStatus.INGEST_STATUS_ACCEPTED }, { projection: { recordedAt: 1, signals: 1 } })
            .toArray(),
        ),
      )
    )
      .flat()
      .filter((record) => !queued.has(record._id));
    if (unqueued.length > 0) {
      const done = new Set((await this.delivered.find({ _id: { $in: unqueued.map((r) => r._id) } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
      for (const record of unqueued) if (!done.has(record._id)) count(record.signals.length, record.recordedAt);
    }
    return { pendingSignals, oldestPendingAt: oldest, deliveredEntries: delivered };
  }

  /**
   * Retention: removes records whose events (or, for skipped ones, whose recording) are older than
   * the cutoff, outbox entries of such events (never delivered late), delivery log entries, and
   * deletion records of such events.
   */
  async purgeOlderThan(cutoff: Date): Promise<{ records: number; outbox: number; delivered: number; deletions: number }> {
    const outbox = await this.outbox.deleteMany({ eventTime: { $lt: cutoff } });
    const records = await this.records.deleteMany({ $or: [{ eventTime: { $lt: cutoff } }, { recordedAt: { $lt: cutoff } }] });
    const delivered = await this.delivered.deleteMany({ deliveredAt: { $lt: cutoff } });
    // A deletion record outlives its signal only as long as the signal would have lived.
    const deletions = await this.deletions.deleteMany({ eventTime: { $lt: cutoff } });
    return { records: records.deletedCount, outbox: outbox.deletedCount, delivered: delivered.deletedCount, deletions: deletions.deletedCount };
  }

  /** Claims whose lease ended long ago (their entry was delivered, deleted or re-claimed). */
  async purgeStaleClaims(before: Date): Promise<number> {
    return (await this.claims.deleteMany({ leaseUntil: { $lt: before } })).deletedCount;
  }

  /** Counts end-to-end-encrypted interactions: one unique insert each, so a replay counts once. */
  async countE2eSkips(docs: E2eSkipDoc[]): Promise<void> {
    await this.insertAllowingDuplicates(this.e2eSkips, docs);
  }

  async deleteE2eSkips(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.e2eSkips.deleteMany({ _id: { $in: ids } });
  }

  /** A user's end-to-end-encrypted interactions counted (one document each, plus a legacy counter). */
  async e2eSkipCount(userId: string): Promise<number> {
    const docs = await this.e2eSkips.find({ $or: [{ userId }, { _id: userId }] }).toArray();
    return docs.reduce((sum, doc) => sum + (doc.userId === userId ? 1 : ((doc as unknown as LegacyE2eSkipCounterDoc).count ?? 0)), 0);
  }

  /** Everything held under a user's id, for ExportUserData. */
  async userHoldings(userId: string): Promise<{ records: RecordDoc[]; pending: OutboxDoc[]; claims: ClaimDoc[]; delivered: DeliveredDoc[] }> {
    const [records, pending, claims, delivered] = await Promise.all([
      this.records.find({ userId }).sort({ recordedAt: -1, _id: -1 }).toArray(),
      this.outbox.find({ userId }).sort({ createdAt: 1 }).toArray(),
      this.claims.find({ userId }).toArray(),
      this.delivered.find({ userId }).sort({ deliveredAt: -1 }).toArray(),
    ]);
    return { records, pending, claims, delivered };
  }

  /** A page of a user's accepted records, newest event first, after the cursor (or from it, when inclusive). */
  async userRecordsPage(userId: string, after: { eventTime: Date; key: string; inclusive: boolean } | undefined, limit: number): Promise<RecordDoc[]> {
    // A record whose every signal the user deleted stays (it is the ingest's idempotency key) but lists nothing.
    const filter: Filter<RecordDoc> = { userId, status: signal.IngestStatus.INGEST_STATUS_ACCEPTED, signals: { $ne: [] } };
    if (after) {
      const sameTime = after.inclusive ? { $lte: after.key } : { $lt: after.key };
      filter.$or = [{ eventTime: { $lt: after.eventTime } }, { eventTime: after.eventTime, _id: sameTime }];
    }
    return this.records.find(filter).sort({ eventTime: -1, _id: -1 }).limit(limit).toArray();
  }

  /**
   * Deletes a user's data: everything, or only what came from AI chats (interactions, and the
   * end-to-end-encrypted ones counted). Returns documents deleted. One pass of an erasure: the
   * erasure marker keeps guarded writes from bringing any of it back (docs/erasure.md).
   *
   * eraseAiChatPurpose: only one purpose's use of AI-chat data — AI-chat signals (stored and
   * pending delivery) stop being eligible for it; a signal eligible for nothing else goes, with its
   * record or entry when nothing is left. Returns documents changed or deleted.
   */
  async eraseAiChatPurpose(userId: string, purpose: 'ads' | 'content'): Promise<number> {
    let count = 0;
    // The outbox first, as in deleteUser: a pending delivery must not carry the erased use on.
    for (const entry of await this.outbox.find({ userId, sourceKind: AI_CHAT }).toArray()) {
      const signals = withoutPurpose(entry.signals, purpose);
      if (!signals) continue;
      if (signals.length > 0) await this.outbox.updateOne({ _id: entry._id }, { $set: { signals } });
      else {
        await this.outbox.deleteOne({ _id: entry._id });
        await this.claims.deleteMany({ entryId: entry._id });
      }
      count++;
    }
    for (const record of await this.records.find({ userId, kind: 'interaction', status: signal.IngestStatus.INGEST_STATUS_ACCEPTED }).toArray()) {
      const signals = withoutPurpose(record.signals, purpose);
      if (!signals) continue;
      if (signals.length > 0) await this.records.updateOne({ _id: record._id }, { $set: { signals } });
      else await this.records.deleteOne({ _id: record._id });
      count++;
    }
    return count;
  }

  /**
   * Deletes a user's data (see above); `aiChatOnly` limits it to AI-chat data. For one purpose's
   * use of AI-chat data only, see eraseAiChatPurpose.
   */
  async deleteUser(userId: string, aiChatOnly: boolean): Promise<number> {
    const recordFilter: Filter<RecordDoc> = aiChatOnly ? { userId, kind: 'interaction' } : { userId };
    const bySource = aiChatOnly ? { userId, sourceKind: AI_CHAT } : { userId };
    // The outbox first: once a record is gone its signals must not be delivered any more.
    const outbox = await this.outbox.deleteMany(bySource);
    const claims = await this.claims.deleteMany(bySource);
    const records = await this.records.deleteMany(recordFilter);
    const delivered = await this.delivered.deleteMany(bySource);
    const counters = await this.e2eSkips.deleteMany({ $or: [{ userId }, { _id: userId }] });
    const deletions = await this.deletions.deleteMany(bySource);
    return outbox.deletedCount + claims.deletedCount + records.deletedCount + delivered.deletedCount + counters.deletedCount + deletions.deletedCount;
  }

  /** The user's accepted record holding the signal, if any. */
  findSignalRecord(userId: string, signalId: string): Promise<RecordDoc | null> {
    return this.records.findOne({ userId, status: signal.IngestStatus.INGEST_STATUS_ACCEPTED, 'signals.signalId': signalId });
  }

  findDeletion(signalId: string): Promise<SignalDeletionDoc | null> {
    return this.deletions.findOne({ _id: signalId });
  }

  /** Records a deletion; a concurrent or earlier one of the same signal wins and is returned. */
  async recordDeletion(doc: SignalDeletionDoc): Promise<SignalDeletionDoc> {
    const duplicates = await this.insertAllowingDuplicates(this.deletions, [doc]);
    return duplicates.size === 0 ? doc : ((await this.findDeletion(doc._id)) ?? doc);
  }

  async deleteDeletions(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.deletions.deleteMany({ _id: { $in: ids } });
  }

  /**
   * Takes a deleted signal out of its record and of its pending outbox entry (an entry left with
   * nothing goes, with its claims). A deliverer may hold the entry and send the signal anyway:
   * ProfileService refuses it once the deletion reached it, which is why that comes first.
   */
  async dropSignal(recordKey: string, signalId: string): Promise<void> {
    const record = await this.records.findOne({ _id: recordKey });
    if (record?.signals.some((s) => s.signalId === signalId)) {
      await this.records.updateOne({ _id: recordKey }, { $set: { signals: record.signals.filter((s) => s.signalId !== signalId) } });
    }
    const entry = await this.outbox.findOne({ _id: recordKey });
    if (entry?.signals.some((s) => s.signalId === signalId)) {
      const signals = entry.signals.filter((s) => s.signalId !== signalId);
      if (signals.length > 0) await this.outbox.updateOne({ _id: recordKey }, { $set: { signals } });
      else await this.discardEntries([recordKey]);
    }
  }

  async markDeletionDone(signalId: string): Promise<void> {
    await this.deletions.updateOne({ _id: signalId }, { $set: { done: true } });
  }
}
