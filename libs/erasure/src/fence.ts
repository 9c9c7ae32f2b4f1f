import { performance } from 'node:perf_hooks';
import { UnavailableError } from '@signalpath/grpc-kit';

import type { ErasureMarkers, ErasureScopeName } from './markers';

/**
 * Instances of one service may disagree on wall-clock time by up to this much. A retried erasure
 * served by another instance times the fence from the marker's create_time; within one call the
 * fence is timed on this process's monotonic clock alone.
 */
export const INSTANCE_CLOCK_MARGIN_MS = 1_000;
/** Kept free before the caller's deadline to answer in time. */
const DEADLINE_MARGIN_MS = 200;

export interface FencedErasure {
  markers: ErasureMarkers;
  userId: string;
  scope: ErasureScopeName;
  jobId: string;
  /** The job's cut-off (ConsentService: the job's create time); unset → the service's now. */
  cutoff?: Date;
  /** The service's business clock (the default cut-off). */
  now: () => Date;
  /** How long after its marker an erasure waits before the final pass (≥ 2 × the guard's write bound). */
  fenceMs: number;
  /** The caller's deadline (ms since the epoch), if any. */
  deadlineMs?: number;
  /** Deletes everything of the user in the scope; returns how many documents went. Idempotent. */
  erase: () => Promise<number>;
}

/**
 * One UserDataService.Delete call: record the marker (from now on every guarded write refuses the data),
 * erase, wait until every write checked before the marker existed has finished or undone itself,
 * erase again, and only then confirm. If the caller's deadline comes first, the data already
 * erased stays erased and the call fails UNAVAILABLE: ConsentService's job retries, and the
 * retry finds the marker and the fence (mostly) behind it.
 */
export async function eraseFenced(input: FencedErasure): Promise<number> {
  const marker = await input.markers.record({ userId: input.userId, scope: input.scope, jobId: input.jobId, cutoff: input.cutoff ?? input.now() });
  const observedAt = performance.now();
  let deleted = await input.erase();
  const byOwnClock = input.fenceMs - (performance.now() - observedAt);
  const byMarkerAge = input.fenceMs + INSTANCE_CLOCK_MARGIN_MS - (Date.now() - marker.create_time.getTime());
  const waitMs = Math.max(0, Math.min(byOwnClock, byMarkerAge));
  if (waitMs > 0) {
    if (input.deadlineMs !== undefined && Date.now() + waitMs > input.deadlineMs - DEADLINE_MARGIN_MS) {
      throw new UnavailableError('erasure recorded; writes that were in flight are still finishing, retry');
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  deleted += await input.erase();
  return deleted;
}
