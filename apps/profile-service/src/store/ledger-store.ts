import type { Collection, Db } from 'mongodb';

import { APPLIED_OPS, SIGNAL_CLAIMS } from './collections';

const DUPLICATE_KEY = 11000;
/**
 * The op of an erasure tombstone (a claim that kept only the signal id), written before erasure
 * markers existed: still read as applied; no longer written (markers refuse a redelivery, and
 * an erased signal's id should not stay in the files).
 */
const ERASED_OP = 'erased';

/** A signal id claimed by one operation (one call's write to one profile document). */
export interface SignalClaimDocument {
  /** The signal id: the idempotency key, unique by construction. */
  _id: string;
  /** The operation that owns the signal; it is applied once that operation is applied. */
  op: string;
  user_id?: string;
  surface?: number;
  source_kind?: number;
  /** Wall-clock time of the claim (the owner's lease starts here). */
  claim_time: Date;
  /** Business-clock time of the first claim (retention). */
  create_time: Date;
}

/** Written right after the profile write that applied an operation's signals. */
export interface AppliedOpDocument {
  _id: string;
  user_id: string;
  create_time: Date;
}

/**
 * The indexes of the documents an unordered insertMany rejected as duplicates; rethrows any other
 * failure (the caller retries the whole batch).
 */
function duplicateIndexesOf(error: unknown): number[] {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as Array<{ index: number; code?: number }>;
  if (list.length === 0 || !list.every((writeError) => writeError.code === DUPLICATE_KEY)) throw error;
  return list.map((writeError) => writeError.index);
}

export type SignalStatus = { state: 'absent' } | { state: 'applied' } | { state: 'pending'; op: string; claimTime: Date };

export interface SignalClaim {
  signalId: string;
  op: string;
  userId: string;
  surface: number;
  sourceKind: number;
}

/**
 * The applied-signal ledger. Its hot path only inserts and reads by _id: a signal's state is
 * "pending" from its claim until its operation's applied record exists, so applying a batch costs
 * one insertMany of claims plus one insert per profile document, never an update per signal.
 */
export class LedgerStore {
  private readonly claims: Collection<SignalClaimDocument>;
  private readonly ops: Collection<AppliedOpDocument>;

  constructor(db: Db) {
    this.claims = db.collection<SignalClaimDocument>(SIGNAL_CLAIMS);
    this.ops = db.collection<AppliedOpDocument>(APPLIED_OPS);
  }

  /**
   * Inserts one claim per signal. A unique-key insert is atomic on MongoDB and FerretDB alike, so
   * of concurrent claims of one signal id exactly one succeeds. Returns the ids claimed by this
   * call and those that were already claimed.
   */
  async claim(claims: readonly SignalClaim[], claimTime: Date, createTime: Date): Promise<{ claimed: Set<string>; existing: string[] }> {
    if (claims.length === 0) return { claimed: new Set(), existing: [] };
    let duplicateIndexes = new Set<number>();
    try {
      await this.claims.insertMany(
        claims.map((claim) => ({
          _id: claim.signalId,
          op: claim.op,
          user_id: claim.userId,
          surface: claim.surface,
          source_kind: claim.sourceKind,
          claim_time: claimTime,
          create_time: createTime,
        })),
        { ordered: false },
      );
    } catch (error) {
      duplicateIndexes = new Set(duplicateIndexesOf(error));
    }
    const claimed = new Set<string>();
    const existing: string[] = [];
    claims.forEach((claim, index) => {
      if (duplicateIndexes.has(index)) existing.push(claim.signalId);
      else claimed.add(claim.signalId);
    });
    return { claimed, existing };
  }

  /** Each signal's state, from its claim and its operation's applied record (reads by _id). */
  async statuses(ids: readonly string[]): Promise<Map<string, SignalStatus>> {
    const claims = await Promise.all(ids.map((id) => this.claims.findOne({ _id: id }, { projection: { op: 1, claim_time: 1 } })));
    const ops = [...new Set(claims.flatMap((claim) => (claim && claim.op !== ERASED_OP ? [claim.op] : [])))];
    const appliedOps = new Set((await Promise.all(ops.map(async (op) => ((await this.isOpApplied(op)) ? op : undefined)))).filter((op) => op !== undefined));
    return new Map(
      ids.map((id, index): [string, SignalStatus] => {
        const claim = claims[index];
        if (!claim) return [id, { state: 'absent' }];
        if (claim.op === ERASED_OP || appliedOps.has(claim.op)) return [id, { state: 'applied' }];
        return [id, { state: 'pending', op: claim.op, claimTime: claim.claim_time }];
      }),
    );
  }

  async isOpApplied(op: string): Promise<boolean> {
    return (await this.ops.findOne({ _id: op }, { projection: { _id: 1 } })) !== null;
  }

  /** Records that `op`'s profile write happened. Idempotent. */
  async markOpApplied(op: string, userId: string, createTime: Date): Promise<void> {
    await this.ops.insertOne({ _id: op, user_id: userId, create_time: createTime }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
    });
  }

  /**
   * Moves a claim from an operation whose lease expired to a new one. Rare (crash recovery), so
   * an update is fine here; the caller holds the profile document's lock.
   */
  async takeOver(signalId: string, previousOp: string, op: string, claimTime: Date): Promise<boolean> {
    const result = await this.claims.updateOne({ _id: signalId, op: previousOp }, { $set: { op, claim_time: claimTime } });
    return result.modifiedCount === 1;
  }

  /**
   * Erases a user's claims (only AI-chat ones when `sourceKind` is given); a full erasure also
   * deletes the user's applied-operation records (an AI-chat one keeps them: an operation may
   * also have applied other kinds' signals, and holds no topic or source). A late redelivery of
   * an erased signal is refused by the erasure markers (docs/erasure.md), so no tombstone keeps
   * its id. Returns how many of the user's documents were deleted; a repeat finds none.
   */
  async eraseUser(userId: string, sourceKind: number | undefined): Promise<number> {
    const filter = sourceKind === undefined ? { user_id: userId } : { user_id: userId, source_kind: sourceKind };
    const claims = await this.claims.deleteMany(filter);
    const ops = sourceKind === undefined ? await this.ops.deleteMany({ user_id: userId }) : { deletedCount: 0 };
    return claims.deletedCount + ops.deletedCount;
  }

  /**
   * Everything the ledger holds under a user's id (ExportUserData): the user's claims with whether
   * their operation is recorded applied, and the user's applied-operation records. (Tombstones
   * from before erasure markers hold no user id.)
   */
  async userEntries(userId: string): Promise<{ claims: Array<SignalClaimDocument & { applied: boolean }>; ops: AppliedOpDocument[] }> {
    const [claims, ops] = await Promise.all([this.claims.find({ user_id: userId }).sort({ create_time: 1 }).toArray(), this.ops.find({ user_id: userId }).sort({ create_time: 1 }).toArray()]);
    const appliedOps = new Set(ops.map((op) => op._id));
    const unknown = [...new Set(claims.map((claim) => claim.op).filter((op) => !appliedOps.has(op)))];
    for (const op of unknown) if (await this.isOpApplied(op)) appliedOps.add(op);
    return { claims: claims.map((claim) => ({ ...claim, applied: appliedOps.has(claim.op) })), ops };
  }

  /** Retention: removes claims and applied-operation records created before `cutoff`. */
  async deleteCreatedBefore(cutoff: Date): Promise<number> {
    const claims = await this.claims.deleteMany({ create_time: { $lt: cutoff } });
    const ops = await this.ops.deleteMany({ create_time: { $lt: cutoff } });
    return claims.deletedCount + ops.deletedCount;
  }
}
