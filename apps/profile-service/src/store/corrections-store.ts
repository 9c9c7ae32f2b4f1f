import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { sensitiveClassOfTopic } from '@signalpath/sensitive-topics';

import { CORRECTIONS } from './collections';
import { KeyedMutex } from './keyed-mutex';
import type { ProfileDocument, StoredTopic } from './profile-store';
import { VersionedWrites } from './versioned-writes';

export type PurposeKey = 'ads' | 'content';
export const PURPOSE_KEYS: readonly PurposeKey[] = ['ads', 'content'];

/** A removed interest: evidence about events at or before `time` never counts for it again. */
export interface RemovalCut {
  topic_id: string;
  purpose: PurposeKey;
  time: Date;
}

/** An item the user is not interested in, with the catalog topics it lowers. */
export interface NotInterestedMark {
  item_id: string;
  topic_ids: string[];
  purpose: PurposeKey;
  time: Date;
}

export type CorrectionKindName = 'remove_interest' | 'not_interested' | 'undo_not_interested' | 'delete_signal';

/** One history entry. */
export interface CorrectionEntry {
  id: string;
  kind: CorrectionKindName;
  time: Date;
  purposes: PurposeKey[];
  topic_id?: string;
  item_id?: string;
  topic_ids?: string[];
  /** delete_signal: the deleted signal. */
  signal_id?: string;
  actor: string;
  user_asserted: boolean;
}

/**
 * A user's corrections, one document per user (`_id` = user id), so every read and apply finds
 * them with one primary-key read (the only lookup FerretDB v1 serves without a scan), and the
 * state and its history entry change in one single-document write.
 */
export interface CorrectionsDocument {
  _id: string;
  user_id: string;
  version: number;
  update_time: Date;
  /** The latest cut per (topic, purpose). */
  removed: RemovalCut[];
  /** Active marks, one per item. */
  not_interested: NotInterestedMark[];
  /** Newest last; the latest MAX_HISTORY entries. */
  history: CorrectionEntry[];
}

/** History entries kept per user (a person's own actions: far below this in practice). */
export const MAX_HISTORY = 1000;

/** The cut of `topicId` for `purpose`, if the user removed it. */
export function cutOf(document: Pick<CorrectionsDocument, 'removed'> | undefined, topicId: string, purpose: PurposeKey): Date | undefined {
  return document?.removed.find((cut) => cut.topic_id === topicId && cut.purpose === purpose)?.time;
}

/**
 * A stored topic without the evidence a removal cut covers: a purpose score whose latest event is
 * at or before its cut holds only evidence from before the removal and goes. (Scores after a cut
 * are only ever built from later evidence: ApplySignals drops older evidence and strips first.)
 * Returns the topic unchanged, a reduced copy, or undefined when it serves no purpose any more.
 */
export function withoutCutEvidence(stored: StoredTopic, cuts: { ads?: Date; content?: Date }): StoredTopic | undefined {
  let next = stored;
  for (const purpose of PURPOSE_KEYS) {
    const cut = cuts[purpose];
    const lastTime = purpose === 'ads' ? stored.ads_last_time : stored.content_last_time;
    if (!cut || stored[purpose] === undefined || !lastTime || lastTime.getTime() > cut.getTime()) continue;
    if (next === stored) next = { ...stored };
    delete next[purpose];
    delete next[purpose === 'ads' ? 'ads_last_time' : 'content_last_time'];
  }
  if (next === stored) return stored;
  return next.ads !== undefined || next.content !== undefined ? next : undefined;
}

/** The profile document's kinds with every cut applied; undefined when nothing changed. */
export function stripCutEvidence(document: ProfileDocument, corrections: Pick<CorrectionsDocument, 'removed'> | undefined): ProfileDocument['kinds'] | undefined {
  if (!corrections || corrections.removed.length === 0) return undefined;
  let changed = false;
  const kinds: ProfileDocument['kinds'] = {};
  for (const [kind, topics] of Object.entries(document.kinds ?? {})) {
    const next: Record<string, StoredTopic> = {};
    for (const [topicId, stored] of Object.entries(topics)) {
      const kept = withoutCutEvidence(stored, { ads: cutOf(corrections, topicId, 'ads'), content: cutOf(corrections, topicId, 'content') });
      if (kept !== stored) changed = true;
      if (kept) next[topicId] = kept;
    }
    if (Object.keys(next).length > 0) kinds[kind] = next;
  }
  return changed ? kinds : undefined;
}

/** Topic ids without those of a sensitive class: a correction never keeps one (data minimization). */
export function withoutSensitive(topicIds: readonly string[]): string[] {
  return topicIds.filter((id) => sensitiveClassOfTopic(id) === undefined);
}

/** An entry or mark as it may be stored: marks written before the rule may still carry sensitive ids. */
function minimized<T extends { topic_ids?: string[] }>(value: T): T {
  return value.topic_ids && value.topic_ids.some((id) => sensitiveClassOfTopic(id) !== undefined) ? { ...value, topic_ids: withoutSensitive(value.topic_ids) } : value;
}

export function newEntry(fields: Omit<CorrectionEntry, 'id'>): CorrectionEntry {
  return { id: randomUUID(), ...fields };
}

/**
 * The `corrections` collection: versioned writes (VersionedWrites: a compare-and-set that holds
 * across processes on FerretDB as on MongoDB) under this process's lock per user.
 */
export class CorrectionsStore {
  readonly collection: Collection<CorrectionsDocument>;
  private readonly writes: VersionedWrites<CorrectionsDocument>;
  private readonly locks = new KeyedMutex();

  constructor(db: Db, options: { writeLeaseMs: number }) {
    this.collection = db.collection<CorrectionsDocument>(CORRECTIONS);
    this.writes = new VersionedWrites(db, this.collection, { writeLeaseMs: options.writeLeaseMs, what: 'corrections' });
  }

  /** Runs `work` holding this process's lock for the user's document. */
  withLock<T>(userId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(userId, work);
  }

  async get(userId: string): Promise<CorrectionsDocument | undefined> {
    return (await this.collection.findOne({ _id: userId })) ?? undefined;
  }

  /**
   * Read-modify-write of the user's document. `change` returns the next state and history entry,
   * or undefined for no change; it may run more than once.
   */
  async modify(
    userId: string,
    change: (current: CorrectionsDocument | undefined) => { removed: RemovalCut[]; not_interested: NotInterestedMark[]; entry: CorrectionEntry } | undefined,
  ): Promise<CorrectionEntry | undefined> {
    return this.locks.run(userId, async () => {
      let entry: CorrectionEntry | undefined;
      await this.writes.modify(userId, userId, (current) => {
        const next = change(current);
        entry = next?.entry;
        if (!next) return undefined;
        return {
          _id: userId,
          user_id: userId,
          version: current?.version ?? 0,
          update_time: next.entry.time,
          removed: next.removed,
          // Every write also drops sensitive ids an older version stored.
          not_interested: next.not_interested.map(minimized),
          history: [...(current?.history ?? []), next.entry].slice(-MAX_HISTORY).map(minimized),
        };
      });
      return entry;
    });
  }

  /** Erases the user's corrections (state and history); returns how many documents went. */
  async erase(userId: string): Promise<number> {
    return this.locks.run(userId, () => this.writes.deleteNow(userId));
  }
}
