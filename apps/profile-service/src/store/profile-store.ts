import type { Collection, Db } from 'mongodb';
import type { StoredInterest, TopicScores } from '@signalpath/interest-profile';

import { PROFILES } from './collections';
import { KeyedMutex } from './keyed-mutex';
import { VersionedWrites } from './versioned-writes';

/** A decayed score as stored: its value at `at`. */
interface StoredScore {
  score: number;
  at: Date;
}

/** One topic's scores for one source kind on one source surface. */
export interface StoredTopic {
  total: StoredScore;
  last_time: Date;
  ads?: StoredScore;
  ads_last_time?: Date;
  content?: StoredScore;
  content_last_time?: Date;
}

/**
 * An operation (one call's group of signals for this document) written here whose applied
 * record may not exist yet. It tells a later call whether a crashed operation's write happened.
 */
export interface InFlightMarker {
  op: string;
  /** Wall-clock time of the write (lease arithmetic, not the business clock). */
  since: Date;
}

/**
 * A signal the user deleted (SignalService.DeleteSignal): its contribution is out of `kinds`
 * (when `applied`), and no delivery adds it afterwards. Kept for the ledger retention, the window
 * within which SignalService may redeliver a signal.
 */
export interface RemovedSignal {
  signal_id: string;
  /** Business-clock time of the removal. */
  time: Date;
  /** Whether it had been added here (and was subtracted). */
  applied: boolean;
}

/**
 * The stored profile of one user on one source surface: O(topics), never O(signals).
 * `kinds` maps source kind → topic id → scores, so an AI-chat erasure drops one key.
 */
export interface ProfileDocument {
  /** `${surface}:${user_id}`. */
  _id: string;
  user_id: string;
  surface: number;
  /** Optimistic-concurrency version, +1 per write. */
  version: number;
  update_time: Date;
  kinds: Record<string, Record<string, StoredTopic>>;
  in_flight: InFlightMarker[];
  /** Deleted signals of this document; checked by every write inside its compare-and-set. */
  removed_signals?: RemovedSignal[];
}

/** A document left with no scores, no write in flight and no removed signal to refuse may go. */
export function isEmptyProfile(kinds: ProfileDocument['kinds'], current: Pick<ProfileDocument, 'in_flight' | 'removed_signals'>): boolean {
  return Object.keys(kinds).length === 0 && current.in_flight.length === 0 && (current.removed_signals?.length ?? 0) === 0;
}

export function profileId(userId: string, surface: number): string {
  // The surface is a number, so the first ':' separates it from any user id unambiguously.
  return `${surface}:${userId}`;
}

export interface ProfileStoreOptions {
  /** Lease of a profile write token (VersionedWrites; PROFILE_APPLY_LEASE). */
  writeLeaseMs: number;
}

/**
 * Profile documents, written by several ProfileService processes at once: every write is a
 * whole-document compare-and-set on `version` by the holder of the version's write token
 * (VersionedWrites: what makes it hold on FerretDB as on MongoDB), made while holding this
 * process's lock for the document.
 */
export class ProfileStore {
  private readonly collection: Collection<ProfileDocument>;
  private readonly writes: VersionedWrites<ProfileDocument>;
  private readonly locks = new KeyedMutex();

  constructor(db: Db, options: ProfileStoreOptions) {
    this.collection = db.collection<ProfileDocument>(PROFILES);
    this.writes = new VersionedWrites(db, this.collection, { writeLeaseMs: options.writeLeaseMs, what: 'profile' });
  }

  /** Runs `work` holding this process's lock for the user's document on `surface`. */
  withLock<T>(userId: string, surface: number, work: () => Promise<T>): Promise<T> {
    return this.locks.run(profileId(userId, surface), work);
  }

  /** The whole document, or undefined. */
  async get(userId: string, surface: number): Promise<ProfileDocument | undefined> {
    return (await this.collection.findOne({ _id: profileId(userId, surface) })) ?? undefined;
  }

  /** The user's documents for `surfaces` that exist, read by primary key (in-flight markers omitted). */
  async read(userId: string, surfaces: Iterable<number>): Promise<ProfileDocument[]> {
    const found = await Promise.all(
      [...surfaces].map((surface) => this.collection.findOne({ _id: profileId(userId, surface) }, { projection: { in_flight: 0 } })),
    );
    return found.filter((document): document is ProfileDocument => document !== null);
  }

  /**
   * Read-modify-write, retried on conflict (another process). `change` gets the current document
   * (undefined if none) and returns the next one, 'delete', or undefined for no change; it may
   * run more than once. Returns what was decided last.
   */
  modify(
    userId: string,
    surface: number,
    change: (current: ProfileDocument | undefined) => Promise<ProfileDocument | 'delete' | undefined> | ProfileDocument | 'delete' | undefined,
  ): Promise<ProfileDocument | 'delete' | undefined> {
    return this.writes.modify(profileId(userId, surface), userId, async (current) => {
      const next = await change(current);
      return next === undefined || next === 'delete' ? next : { ...next, user_id: userId, surface };
    });
  }
}

function toScore(stored: StoredScore): { score: number; atMs: number } {
  return { score: stored.score, atMs: stored.at.getTime() };
}

function fromScore(score: { score: number; atMs: number }): StoredScore {
  return { score: score.score, at: new Date(score.atMs) };
}

export function toTopicScores(stored: StoredTopic): TopicScores {
  return {
    total: toScore(stored.total),
    lastTimeMs: stored.last_time.getTime(),
    ...(stored.ads && stored.ads_last_time ? { ads: toScore(stored.ads), adsLastTimeMs: stored.ads_last_time.getTime() } : {}),
    ...(stored.content && stored.content_last_time ? { content: toScore(stored.content), contentLastTimeMs: stored.content_last_time.getTime() } : {}),
  };
}

export function fromTopicScores(scores: TopicScores): StoredTopic {
  return {
    total: fromScore(scores.total),
    last_time: new Date(scores.lastTimeMs),
    ...(scores.ads && scores.adsLastTimeMs !== undefined ? { ads: fromScore(scores.ads), ads_last_time: new Date(scores.adsLastTimeMs) } : {}),
    ...(scores.content && scores.contentLastTimeMs !== undefined ? { content: fromScore(scores.content), content_last_time: new Date(scores.contentLastTimeMs) } : {}),
  };
}

/** The stored entries of a document, in the domain's terms. */
export function storedInterestsOf(document: ProfileDocument): StoredInterest[] {
  const entries: StoredInterest[] = [];
  for (const [kind, topics] of Object.entries(document.kinds ?? {})) {
    for (const [topicId, stored] of Object.entries(topics)) {
      entries.push({ surface: document.surface, sourceKind: Number(kind), topicId, scores: toTopicScores(stored) });
    }
  }
  return entries;
}
