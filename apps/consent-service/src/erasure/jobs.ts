import { randomUUID } from 'node:crypto';
import type { ErasureStarter } from '../settings/settings-writer';
import { activeJobKey, pendingTarget, type ErasureJobDoc, type ScopeName } from '../store/documents';
import type { ErasureStore } from '../store/erasure-store';

/** A configured target as a job records it: its name and the gRPC service hosting it. */
export interface TargetRef {
  key: string;
  service: string;
}

/** Creates erasure jobs (at most one unfinished per user and scope) and wakes the worker. */
export class ErasureJobs implements ErasureStarter {
  private wake: () => void = () => undefined;

  constructor(
    private readonly store: ErasureStore,
    /** Every service that must confirm (CONSENT_USER_DATA_TARGETS). */
    private readonly targets: readonly TargetRef[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called for every job this process creates, so it starts without waiting for the next poll. */
  onCreated(wake: () => void): void {
    this.wake = wake;
  }

  async start(userId: string, scope: ScopeName, actor: string): Promise<ErasureJobDoc> {
    const now = this.now();
    const job: ErasureJobDoc = {
      _id: randomUUID(),
      user_id: userId,
      scope,
      state: 'PENDING',
      active_key: activeJobKey(userId, scope),
      requested_by: actor,
      create_time: now,
      targets: Object.fromEntries(this.targets.map((target) => [target.key, pendingTarget(target.service)])),
      rounds: 0,
      next_attempt_time: now,
      lease_owner: '',
      lease_until: new Date(0),
    };
    const result = await this.store.insertOrGetActive(job);
    if (result.created) this.wake();
    return result.job;
  }
}
