import type { Logger } from '@signalpath/telemetry';
import type { SignalStore } from '../store/signal-store';

/** Claims are bookkeeping of the deliverer; an hour past its lease a claim means nothing. */
const STALE_CLAIM_MS = 60 * 60_000;

/**
 * Enforces the retention window on a schedule, since the store has no TTL indexes (FerretDB).
 * The clock is injected so tests can move time.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { store: SignalStore; retentionMs: number; intervalMs: number; now: () => Date; logger: Logger },
  ) {}

  start(): void {
    if (this.timer) return;
    // First sweep soon after start (a restarted service catches up), then on the interval.
    this.timer = setTimeout(() => this.tick(), Math.min(this.deps.intervalMs, 1_000));
    this.timer.unref();
  }

  private tick(): void {
    this.inFlight = this.sweep()
      .catch((error: unknown) => this.deps.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'retention sweep failed; will retry'))
      .finally(() => {
        this.inFlight = undefined;
        if (!this.timer) return;
        this.timer = setTimeout(() => this.tick(), this.deps.intervalMs);
        this.timer.unref();
      });
  }

  /** Deletes everything older than the window; returns how much went. */
  async sweep(): Promise<{ records: number; outbox: number; delivered: number }> {
    const now = this.deps.now().getTime();
    const purged = await this.deps.store.purgeOlderThan(new Date(now - this.deps.retentionMs));
    await this.deps.store.purgeStaleClaims(new Date(now - STALE_CLAIM_MS));
    if (purged.records + purged.outbox + purged.delivered > 0) this.deps.logger.info(purged, 'retention sweep purged expired data');
    return purged;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
