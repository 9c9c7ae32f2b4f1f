import { PeriodicTask } from '@signalpath/service-host';
import type { Logger } from '@signalpath/telemetry';
import type { SignalStore } from '../store/signal-store';

/** Claims are bookkeeping of the deliverer; an hour past its lease a claim means nothing. */
const STALE_CLAIM_MS = 60 * 60_000;

/**
 * Enforces the retention window on a schedule, since the store has no TTL indexes (FerretDB).
 * The clock is injected so tests can move time.
 */
export class RetentionSweeper {
  private readonly task: PeriodicTask;

  constructor(
    private readonly deps: { store: SignalStore; retentionMs: number; intervalMs: number; now: () => Date; logger: Logger },
  ) {
    // First sweep soon after start (a restarted service catches up), then on the interval.
    this.task = new PeriodicTask(() => this.sweep(), {
      intervalMs: this.deps.intervalMs,
      firstDelayMs: Math.min(this.deps.intervalMs, 1_000),
      onError: (error) => this.deps.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'retention sweep failed; will retry'),
    });
  }

  start(): void {
    this.task.start();
  }

  /** Deletes everything older than the window; returns how much went. */
  async sweep(): Promise<{ records: number; outbox: number; delivered: number; deletions: number }> {
    const now = this.deps.now().getTime();
    const purged = await this.deps.store.purgeOlderThan(new Date(now - this.deps.retentionMs));
    await this.deps.store.purgeStaleClaims(new Date(now - STALE_CLAIM_MS));
    if (purged.records + purged.outbox + purged.delivered + purged.deletions > 0) this.deps.logger.info(purged, 'retention sweep purged expired data');
    return purged;
  }

  close(): Promise<void> {
    return this.task.stop();
  }
}
