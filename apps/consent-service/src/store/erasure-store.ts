import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { Collection, Db, UpdateFilter } from 'mongodb';
import { activeJobKey, COLLECTIONS, type ErasureJobDoc, type ScopeName } from './documents';

/** `erasure_jobs`: creation (one unfinished job per user and scope), leases, per-target progress. */
export class ErasureStore {
  private readonly jobs: Collection<ErasureJobDoc>;

  constructor(db: Db) {
    this.jobs = db.collection<ErasureJobDoc>(COLLECTIONS.jobs);
  }

  /** Inserts the job, or returns the unfinished job of the same user and scope if there is one. */
  async insertOrGetActive(job: ErasureJobDoc): Promise<{ job: ErasureJobDoc; created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.jobs.insertOne(job);
        return { job, created: true };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const active = await this.jobs.findOne({ active_key: job.active_key });
      if (active) return { job: active, created: false };
      // It finished between our insert and read: the next insert starts a new job.
    }
    throw new Error('could not create an erasure job');
  }

  findActive(userId: string, scope: ScopeName): Promise<ErasureJobDoc | null> {
    return this.jobs.findOne({ active_key: activeJobKey(userId, scope) });
  }

  get(jobId: string): Promise<ErasureJobDoc | null> {
    return this.jobs.findOne({ _id: jobId });
  }

  listForUser(userId: string): Promise<ErasureJobDoc[]> {
    return this.jobs.find({ user_id: userId }).sort({ create_time: 1 }).toArray();
  }

  /**
   * Leases one due, unfinished job whose lease is free or expired (a crashed worker's job is taken
   * over when its lease runs out). On MongoDB the findOneAndUpdate is atomic, so one worker holds
   * a job at a time; on FerretDB v1 it is not, and correctness rests on DeleteUserData being
   * idempotent (a doubly-claimed job only repeats calls).
   */
  claimDue(owner: string, now: Date, leaseMs: number): Promise<ErasureJobDoc | null> {
    return this.jobs.findOneAndUpdate(
      { state: { $in: ['PENDING', 'RUNNING'] }, next_attempt_time: { $lte: now }, lease_until: { $lte: now } },
      { $set: { lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs) } },
      { sort: { next_attempt_time: 1 }, returnDocument: 'after' },
    );
  }

  /** Unfinished jobs by state and the oldest one's creation time (metrics). */
  async unfinishedSummary(): Promise<{ byState: Record<'PENDING' | 'RUNNING', number>; oldestCreateTime?: Date }> {
    const jobs = await this.jobs.find({ state: { $in: ['PENDING', 'RUNNING'] } }, { projection: { state: 1, create_time: 1 } }).toArray();
    const byState = { PENDING: 0, RUNNING: 0 };
    let oldestCreateTime: Date | undefined;
    for (const job of jobs) {
      byState[job.state as 'PENDING' | 'RUNNING']++;
      if (!oldestCreateTime || job.create_time < oldestCreateTime) oldestCreateTime = job.create_time;
    }
    return { byState, oldestCreateTime };
  }

  /** Applies an update only while `owner` holds the lease; false when the lease was lost. */
  async updateLeased(jobId: string, owner: string, update: UpdateFilter<ErasureJobDoc>): Promise<boolean> {
    const result = await this.jobs.updateOne({ _id: jobId, lease_owner: owner }, update);
    return result.matchedCount === 1;
  }
}
