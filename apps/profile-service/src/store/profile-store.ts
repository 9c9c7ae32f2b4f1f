import type { Collection, Db } from 'mongodb';
import { UnavailableError } from '@signalpath/grpc-kit';
import type { StoredInterest, TopicScores } from '@signalpath/interest-profile';

import { PROFILES } from './collections';
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

/**
 * Profile documents. Every write is a whole-document compare-and-set on `version`, made while
 * holding this process's lock for the document:
 * - on MongoDB the CAS alone is atomic, so several ProfileService processes may share a database;
 * - FerretDB v1 (local runs, CI) evaluates update filters and writes without isolation (two
 *   concurrent CAS updates of the same version can both "succeed", concurrent $inc loses
 *   increments), so there the in-process lock is what serializes writers: run ONE ProfileService
 *   process per database on FerretDB.
 */
export class ProfileStore {
  private readonly collection: Collection<ProfileDocument>;
  private readonly locks = new KeyedMutex();

  constructor(db: Db) {
    this.collection = db.collection<ProfileDocument>(PROFILES);
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
      const current = (await this.collection.findOne({ _id })) ?? undefined;
      const next = await change(current);
      if (next === undefined) return undefined;
      if (next === 'delete') {
        if (!current) return undefined;
        const result = await this.collection.deleteOne({ _id, version: current.version });
        if (result.deletedCount === 1) return next;
        continue;
      }
      const document: ProfileDocument = { ...next, _id, user_id: userId, surface, version: (current?.version ?? 0) + 1 };
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
      if (result.matchedCount === 1) return document;
    }
    throw new UnavailableError('profile is being changed concurrently; retry');
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
