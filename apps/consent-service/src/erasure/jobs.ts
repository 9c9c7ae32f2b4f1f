import { randomUUID } from 'node:crypto';
import { SERVICES } from '@signalpath/config';
import type { ErasureStarter } from '../settings/settings-writer';
import { activeJobKey, type ErasureJobDoc, type ErasureTargetDoc, type ScopeName, type TargetKey } from '../store/documents';
import type { ErasureStore } from '../store/erasure-store';

/** The services that hold derived data and must confirm every erasure. */
export const ERASURE_TARGETS: Record<TargetKey, string> = {
  signal: SERVICES.signal.grpcService,
  profile: SERVICES.profile.grpcService,
};

/** Creates erasure jobs (at most one unfinished per user and scope) and wakes the worker. */
export class ErasureJobs implements ErasureStarter {
  private wake: () => void = () => undefined;

  constructor(
    private readonly store: ErasureStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called for every job this process creates, so it starts without waiting for the next poll. */
  onCreated(wake: () => void): void {
    this.wake = wake;
  }

  async start(userId: string, scope: ScopeName, actor: string): Promise<ErasureJobDoc> {
    const now = this.now();
    const target = (service: string): ErasureTargetDoc => ({ service, state: 'PENDING', attempts: 0, last_error_code: '', deleted_count: 0 });
    const job: ErasureJobDoc = {
      _id: randomUUID(),
      user_id: userId,
      scope,
      state: 'PENDING',
      active_key: activeJobKey(userId, scope),
      requested_by: actor,
      create_time: now,
      targets: { signal: target(ERASURE_TARGETS.signal), profile: target(ERASURE_TARGETS.profile) },
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
