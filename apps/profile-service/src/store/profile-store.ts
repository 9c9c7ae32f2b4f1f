import type { Collection, Db } from 'mongodb';
import { UnavailableError } from '@signalpath/grpc-kit';
import type { StoredInterest, TopicScores } from '@signalpath/interest-profile';

import { PROFILES, PROFILE_WRITE_TOKENS } from './collections';
import { KeyedMutex } from './keyed-mutex';

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
}

export function profileId(userId: string, surface: number): string {
  // The surface is a number, so the first ':' separates it from any user id unambiguously.
  return `${surface}:${userId}`;
}

const MAX_WRITE_ATTEMPTS = 10;
const RETRY_INITIAL_MS = 10;
const RETRY_MAX_MS = 200;
/** Versions skipped past tokens whose writer died, at most, in one attempt. */
const MAX_STALE_SKIPS = 5;

/**
 * The right to write version `version` of profile document `doc`: whoever inserts it (a unique
 * `_id`) is the only writer of that version, in any process.
 */
interface WriteToken {
  _id: string;
  doc: string;
  user_id: string;
  version: number;
  /** Wall-clock time of the claim (lease arithmetic). */
  at: Date;
}

export interface ProfileStoreOptions {
  /**
   * After this long, a write token whose version never reached the document belongs to a writer
   * that died, and later writers skip past it; a writer that held its token for half of it gives
   * up instead of writing (PROFILE_APPLY_LEASE).
   */
  writeLeaseMs: number;
}

/**
 * Profile documents, written by several ProfileService processes at once. Every write is a
 * whole-document compare-and-set on `version`, by the holder of the write token for the new
 * version, made while holding this process's lock for the document.
 *
 * The token is what makes the CAS hold on both databases: on MongoDB the CAS alone is atomic, but
 * FerretDB v1 (local runs, CI) evaluates update filters and writes without isolation between
 * processes (two concurrent CAS updates of the same version can both "succeed"; measured: several
 * winners in most rounds, and a kill -9 test with two processes lost updates). A unique-key insert
 * is atomic on both, so writers first insert `<doc>@<version + 1>`; the one that inserts it
 * writes, the others re-read and retry; the token is deleted once its version is written. A token whose writer died (older than the lease, the
 * document still below it) is skipped. Residual risk, as for the apply lease: a writer stalled
 * for more than half a lease between its check and its write while another takes over.
 */
export class ProfileStore {
  private readonly collection: Collection<ProfileDocument>;
  private readonly tokens: Collection<WriteToken>;
  private readonly locks = new KeyedMutex();

  constructor(
    db: Db,
    private readonly options: ProfileStoreOptions,
  ) {
    this.collection = db.collection<ProfileDocument>(PROFILES);
    this.tokens = db.collection<WriteToken>(PROFILE_WRITE_TOKENS);
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
   * Read-modify-write with compare-and-set, retried on conflict (another process on MongoDB).
   * `change` gets the current document (undefined if none) and returns the next one, 'delete',
   * or undefined for no change; it may run more than once. Returns what was decided last.
   */
  async modify(
    userId: string,
    surface: number,
    change: (current: ProfileDocument | undefined) => Promise<ProfileDocument | 'delete' | undefined> | ProfileDocument | 'delete' | undefined,
  ): Promise<ProfileDocument | 'delete' | undefined> {
    const _id = profileId(userId, surface);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** attempt) * (0.5 + Math.random())));
      const current = (await this.collection.findOne({ _id })) ?? undefined;
      const next = await change(current);
      if (next === undefined) return undefined;
      // Creating needs no token: the insert of the document's own _id is atomic.
      const token = current ? await this.claimVersion(_id, userId, current.version) : undefined;
      if (current && !token) continue;
      // A token not used must not stay: later writers would wait a whole lease for it.
      const release = () => (token ? this.tokens.deleteOne({ _id: token._id }).then(() => undefined) : Promise.resolve());
      if (token && Date.now() - token.at.getTime() > this.options.writeLeaseMs / 2) {
        await release();
        continue;
      }
      if (next === 'delete') {
        if (!current) return undefined;
        const result = await this.collection.deleteOne({ _id, version: current.version });
        if (result.deletedCount === 1) {
          await this.tokens.deleteMany({ doc: _id });
          return next;
        }
        await release();
        continue;
      }
      const document: ProfileDocument = { ...next, _id, user_id: userId, surface, version: token?.version ?? 1 };
      if (!current) {
        const inserted = await this.collection.insertOne(document).then(
          () => true,
          (error: unknown) => {
            if ((error as { code?: unknown }).code === 11000) return false;
            throw error;
          },
        );
        if (inserted) return document;
        continue;
      }
      const result = await this.collection.replaceOne({ _id, version: current.version }, document);
      if (result.matchedCount === 1) {
        // Spent once the version is written: from here the document's version turns away anyone
        // who read an older one. So the collection holds only writes in flight (and dead ones).
        await this.tokens.deleteMany({ doc: _id, version: { $lte: document.version } });
        return document;
      }
      await release();
    }
    throw new UnavailableError('profile is being changed concurrently; retry');
  }

  /**
   * Inserts the write token for the version after `version`, or — when that token's writer died
   * (older than the lease; the document is still at `version`, as the caller just read) — for the
   * next free one. Undefined when a live writer holds it: re-read and retry.
   */
  private async claimVersion(doc: string, userId: string, version: number): Promise<WriteToken | undefined> {
    for (let next = version + 1; next <= version + 1 + MAX_STALE_SKIPS; next++) {
      const token: WriteToken = { _id: `${doc}@${next}`, doc, user_id: userId, version: next, at: new Date() };
      const inserted = await this.tokens.insertOne(token).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: unknown }).code === 11000) return false;
          throw error;
        },
      );
      if (inserted) return token;
      const held = await this.tokens.findOne({ _id: token._id });
      // Gone (its version was just written) or live: the document moves on; re-read.
      if (!held || Date.now() - held.at.getTime() < this.options.writeLeaseMs) return undefined;
    }
    return undefined;
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
