import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@signalpath/grpc-kit';
import type { Logger } from '@signalpath/telemetry';
import type { ErasureConfig } from '../config';
import { pendingTarget, type ErasureJobDoc, type ErasureTargetDoc } from '../store/documents';
import type { ErasureStore } from '../store/erasure-store';
import { erasureWorkerMeters } from '../telemetry/meters';
import type { UserDataTargetClient } from './targets';

/** One service that must erase a user's data (erasure/targets.ts); resolves with the number deleted. */
export type ErasureTargetClient = Pick<UserDataTargetClient, 'key' | 'service' | 'deleteUserData'>;

/** The outcome recorded for a job target no configured client answers for (fail closed: never confirmed). */
export const NOT_CONFIGURED = 'NOT_CONFIGURED';

/** ConsentService's own part of an ERASURE_SCOPE_ALL job. */
export interface LocalEraser {
  eraseAll(userId: string, jobId: string): Promise<void>;
}

/** Exponential backoff with jitter: half fixed, half random, so retries of many jobs spread out. */
export function backoffMs(round: number, config: Pick<ErasureConfig, 'backoffInitialMs' | 'backoffMaxMs'>, random = Math.random): number {
  const base = Math.min(config.backoffMaxMs, config.backoffInitialMs * 2 ** Math.max(0, round - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

function errorCode(error: unknown): string {
  return isGrpcServiceError(error) ? (status[error.code] ?? 'UNKNOWN') : 'UNKNOWN';
}

/**
 * Runs erasure jobs until every target confirms. State lives in `erasure_jobs`, so a restart loses
 * nothing: a job is leased by one worker at a time (a lease of a crashed worker expires and the
 * job is claimed again), each round calls the targets that have not confirmed yet, and a failed
 * round is retried after an exponential backoff. DeleteUserData is idempotent, so repeating a call
 * after a crash or a lost lease is harmless.
 */
export class ErasureWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private wakeAgain = false;

  constructor(
    private readonly store: ErasureStore,
    private readonly targets: ErasureTargetClient[],
    private readonly local: LocalEraser,
    /** Other periodic upkeep run on each poll (rolling forward unfinished settings changes). */
    private readonly upkeep: () => Promise<unknown>,
    private readonly config: ErasureConfig,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Created with the worker, after the service's meter provider is registered. */
  private readonly meters = erasureWorkerMeters();

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for due jobs now (a job was just created). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.wakeAgain = true;
    else this.schedule(0);
  }

  /** Stops polling and waits for the round in progress. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain()
      .catch((error: unknown) => this.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'erasure poll failed'))
      .finally(() => {
        this.running = undefined;
        const again = this.wakeAgain;
        this.wakeAgain = false;
        if (!this.stopped) this.schedule(again ? 0 : this.config.pollIntervalMs);
      });
  }

  private async drain(): Promise<void> {
    await this.upkeep().catch((error: unknown) => this.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'settings upkeep failed'));
    while (!this.stopped) {
      const job = await this.store.claimDue(this.owner, this.now(), this.config.leaseMs);
      if (!job) return;
      await this.process(job);
    }
  }

  /**
   * One round of one leased job: call every target that has not confirmed (in parallel), then
   * record all outcomes in a single update. One update per round matters on FerretDB v1, where
   * concurrent updates of one document can overwrite each other.
   */
  async process(job: ErasureJobDoc): Promise<void> {
    const log = { job_id: job._id, scope: job.scope, round: job.rounds + 1 };
    if (job.state === 'PENDING') await this.store.updateLeased(job._id, this.owner, { $set: { state: 'RUNNING' } });
    const set: Record<string, unknown> = {};
    const inc: Record<string, number> = {};
    let ok = true;
    if (job.scope === 'ALL' && !job.local_erase_time) {
      try {
        await this.local.eraseAll(job.user_id, job._id);
        set.local_erase_time = this.now();
      } catch (error) {
        ok = false;
        this.logger.warn({ ...log, error_name: error instanceof Error ? error.name : 'unknown' }, 'erasure of consent data failed; will retry');
      }
    }
    // The job's targets, plus any configured since it was created (a service added to
    // CONSENT_USER_DATA_TARGETS joins unfinished jobs). A job target no longer configured is
    // never confirmed by omission: it fails until it is configured again.
    const added = this.targets.filter((target) => !Object.hasOwn(job.targets, target.key));
    const entries: [string, ErasureTargetDoc, boolean][] = [
      ...Object.entries(job.targets).map(([key, doc]): [string, ErasureTargetDoc, boolean] => [key, doc, false]),
      ...added.map((target): [string, ErasureTargetDoc, boolean] => [target.key, pendingTarget(target.service), true]),
    ];
    const pending = entries.filter(([, doc]) => doc.state !== 'CONFIRMED');
    const outcomes = await Promise.all(
      pending.map(async ([key, doc, isNew]) => {
        const client = this.targets.find((target) => target.key === key);
        if (!client) return { key, doc, isNew, errorCode: NOT_CONFIGURED };
        try {
          return { key, doc, isNew, deletedCount: await client.deleteUserData(job.user_id, job.scope, job._id, job.create_time) };
        } catch (error) {
          return { key, doc, isNew, errorCode: errorCode(error) };
        }
      }),
    );
    for (const outcome of outcomes) {
      const prefix = `targets.${outcome.key}`;
      this.meters.targetCalls.add(1, { target: outcome.key, outcome: outcome.errorCode ?? 'OK' });
      const change: Partial<ErasureTargetDoc> =
        outcome.errorCode === undefined ? { state: 'CONFIRMED', confirm_time: this.now(), deleted_count: outcome.deletedCount } : { last_error_code: outcome.errorCode };
      if (outcome.isNew) {
        // A target new to the job is written whole (a field and its sub-field cannot both be set in one update).
        set[prefix] = { ...outcome.doc, ...change, attempts: outcome.doc.attempts + 1 };
      } else {
        inc[`${prefix}.attempts`] = 1;
        for (const [field, value] of Object.entries(change)) set[`${prefix}.${field}`] = value;
      }
      if (outcome.errorCode === undefined) {
        this.logger.info({ ...log, target: outcome.key, deleted_count: outcome.deletedCount }, 'erasure target confirmed');
      } else {
        ok = false;
        this.logger.warn({ ...log, target: outcome.key, code: outcome.errorCode }, 'erasure target failed; will retry');
      }
    }
    const now = this.now();
    if (ok) {
      Object.assign(set, { state: 'SUCCEEDED', complete_time: now, active_key: `done|${job._id}` });
      this.meters.jobsSucceeded.add(1);
      this.logger.info(log, 'erasure job succeeded');
    } else {
      set.next_attempt_time = new Date(now.getTime() + backoffMs(job.rounds + 1, this.config));
      inc.rounds = 1;
    }
    // Release the lease in the same update.
    Object.assign(set, { lease_owner: '', lease_until: now });
    const update = Object.keys(inc).length > 0 ? { $set: set, $inc: inc } : { $set: set };
    await this.store.updateLeased(job._id, this.owner, update);
  }
}
