import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS, linkClaimId, type LinkClaimDoc, type SurfaceName } from './documents';

/**
 * `linked_accounts`: the registry that makes an account on a surface belong to at most one user,
 * enforced by a unique key, so two users racing for the same account cannot both win.
 */
export class LinksStore {
  private readonly claims: Collection<LinkClaimDoc>;

  constructor(db: Db) {
    this.claims = db.collection<LinkClaimDoc>(COLLECTIONS.links);
  }

  /** Claims the account for the user; returns the claim that holds it (ours, new or old, or another user's). */
  async claim(surface: SurfaceName, accountId: string, userId: string, now: Date, attempt = 0): Promise<LinkClaimDoc> {
    const doc: LinkClaimDoc = { _id: linkClaimId(surface, accountId), surface, account_id: accountId, user_id: userId, link_time: now };
    try {
      await this.claims.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const holder = await this.claims.findOne({ _id: doc._id });
    // Released between our insert and read: try once more, then report whoever holds it.
    if (holder) return holder;
    if (attempt >= 3) throw new Error('link claim kept changing hands');
    return this.claim(surface, accountId, userId, now, attempt + 1);
  }

  /** Releases the claim if (and only if) it is held by this user with this link time, if given. */
  async release(surface: SurfaceName, accountId: string, userId: string, linkTime?: Date): Promise<void> {
    const filter: Record<string, unknown> = { _id: linkClaimId(surface, accountId), user_id: userId };
    if (linkTime) filter.link_time = linkTime;
    await this.claims.deleteOne(filter);
  }

  async deleteAllForUser(userId: string): Promise<number> {
    const result = await this.claims.deleteMany({ user_id: userId });
    return result.deletedCount;
  }
}
