import { createHash, randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { IndexPlan } from '@signalpath/mongo';
import { common } from '@signalpath/proto';

/**
 * Erasure markers (docs/erasure.md): a service that erases a user's data records, in its own
 * database, that it did so and with which cut-off. Every write of user data checks them first,
 * so nothing about an event before the cut-off, or recorded before it, is written again for the
 * user in the scope — not by a delivery already in flight, a retry, a recovery or a second
 * process. Markers are kept for good: an interaction about an old event may arrive at any time.
 */

export const ERASURE_MARKERS = 'erasure_markers';

export const ERASURE_MARKER_INDEXES: IndexPlan = {
  [ERASURE_MARKERS]: [{ key: { user_key: 1 }, name: 'user_key' }],
};

/** `ai_chat_ads` / `ai_chat_content`: only that purpose's use of AI-chat data. */
export type ErasureScopeName = 'ai_chat' | 'ai_chat_ads' | 'ai_chat_content' | 'all';

const SCOPE_OF: Record<ErasureScopeName, common.ErasureScope> = {
  ai_chat: common.ErasureScope.ERASURE_SCOPE_AI_CHAT,
  ai_chat_ads: common.ErasureScope.ERASURE_SCOPE_AI_CHAT_ADS,
  ai_chat_content: common.ErasureScope.ERASURE_SCOPE_AI_CHAT_CONTENT,
  all: common.ErasureScope.ERASURE_SCOPE_ALL,
};

export interface ErasureMarkerDoc {
  /** `<user key>:<scope>:<job id>`: one marker per job and scope, so a retried call finds it. */
  _id: string;
  /**
   * A hash of the user id (erasureUserKey), not the id itself: the marker must recognise the
   * user's data, but the database files should not keep the id in the clear after an erasure.
   */
  user_key: string;
  scope: ErasureScopeName;
  /** The ConsentService job; empty when Delete was called without one. */
  job_id: string;
  /** Data about events before this, or recorded before this, is erased and refused. */
  cutoff: Date;
  /** When this service first recorded the marker (wall clock: the fence is timed from it). */
  create_time: Date;
}

/**
 * The key markers are stored under. An unkeyed hash: it does not hide a user id someone already
 * has (nothing that must recognise the user's data could), it keeps the id itself out of the
 * files, and it does not depend on a secret that might be rotated.
 */
export function erasureUserKey(userId: string): string {
  return createHash('sha256').update('signalpath/erasure-marker/v1\u0000').update(userId, 'utf8').digest('base64url');
}

/** Call with a validated (specified) scope. */
export function erasureScopeName(scope: common.ErasureScope): ErasureScopeName {
  if (scope === common.ErasureScope.ERASURE_SCOPE_ALL) return 'all';
  if (scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT_ADS) return 'ai_chat_ads';
  if (scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT_CONTENT) return 'ai_chat_content';
  return 'ai_chat';
}

/** For a purpose-scoped erasure: the purpose whose use of AI-chat data goes. */
export function erasedPurpose(scope: ErasureScopeName): 'ads' | 'content' | undefined {
  return scope === 'ai_chat_ads' ? 'ads' : scope === 'ai_chat_content' ? 'content' : undefined;
}

/** A piece of user data about to be written (or written), as far as erasure is concerned. */
export interface ErasureSubject {
  userId: string;
  /** Derived from an AI-assistant conversation (an ERASURE_SCOPE_AI_CHAT erasure covers it). */
  aiChat: boolean;
  /** When the interaction or activity happened. */
  eventTime: Date;
  /** When SignalService recorded it; unknown → covered by any erasure in scope (fail closed). */
  recordTime?: Date;
  /**
   * The purposes the data serves. A purpose-scoped erasure covers only data serving its purpose;
   * unknown → covered (fail closed).
   */
  purposes?: { ads: boolean; content: boolean };
}

/**
 * Whether the erasure `marker` (of the subject's user) covers the subject: in scope, and about
 * an event at or before the cut-off or recorded at or before it (the same millisecond counts as
 * before: an erasure errs on the side of erasing).
 */
export function markerCovers(marker: Pick<ErasureMarkerDoc, 'scope' | 'cutoff'>, subject: ErasureSubject): boolean {
  if (marker.scope !== 'all' && !subject.aiChat) return false;
  const purpose = erasedPurpose(marker.scope);
  if (purpose && subject.purposes && !subject.purposes[purpose]) return false;
  if (!subject.recordTime || Number.isNaN(subject.recordTime.getTime()) || Number.isNaN(subject.eventTime.getTime())) return true;
  return subject.eventTime <= marker.cutoff || subject.recordTime <= marker.cutoff;
}

/** The API's view of a marker (UserDataService.Export). */
export function erasureRecordOf(marker: ErasureMarkerDoc): common.ErasureRecord {
  return {
    erasureJobId: marker.job_id,
    scope: SCOPE_OF[marker.scope],
    cutoffTime: marker.cutoff,
    createTime: marker.create_time,
  };
}

/** The `erasure_markers` collection of one service's database. */
export class ErasureMarkers {
  readonly collection: Collection<ErasureMarkerDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ErasureMarkerDoc>(ERASURE_MARKERS);
  }

  /**
   * Records an erasure, once per job and scope (a unique insert: a retried call or a second
   * process finds the first one's marker), and returns the stored marker.
   */
  async record(input: { userId: string; scope: ErasureScopeName; jobId: string; cutoff: Date }): Promise<ErasureMarkerDoc> {
    const userKey = erasureUserKey(input.userId);
    const doc: ErasureMarkerDoc = {
      _id: `${userKey}:${input.scope}:${input.jobId || randomUUID()}`,
      user_key: userKey,
      scope: input.scope,
      job_id: input.jobId,
      cutoff: input.cutoff,
      // Wall-clock time, not a service's business clock: the fence is a real duration.
      create_time: new Date(),
    };
    try {
      await this.collection.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await this.collection.findOne({ _id: doc._id });
    if (!existing) throw new Error('erasure marker vanished');
    return existing;
  }

  /** The markers of each of these users (users without any are absent from the map). */
  async forUsers(userIds: Iterable<string>): Promise<Map<string, ErasureMarkerDoc[]>> {
    const usersByKey = new Map<string, string[]>();
    for (const userId of new Set(userIds)) {
      const key = erasureUserKey(userId);
      const users = usersByKey.get(key);
      if (users) users.push(userId);
      else usersByKey.set(key, [userId]);
    }
    const found = new Map<string, ErasureMarkerDoc[]>();
    if (usersByKey.size === 0) return found;
    const keys = [...usersByKey.keys()];
    const markers = await this.collection.find(keys.length === 1 ? { user_key: keys[0] } : { user_key: { $in: keys } }).toArray();
    for (const marker of markers) {
      for (const userId of usersByKey.get(marker.user_key) ?? []) {
        const list = found.get(userId);
        if (list) list.push(marker);
        else found.set(userId, [marker]);
      }
    }
    return found;
  }

  /** A user's markers, oldest first. */
  listForUser(userId: string): Promise<ErasureMarkerDoc[]> {
    return this.collection.find({ user_key: erasureUserKey(userId) }).sort({ create_time: 1 }).toArray();
  }
}
