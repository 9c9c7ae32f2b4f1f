import { PeriodicTask } from '@signalpath/service-host';
import type { Logger } from '@signalpath/telemetry';
import type { SettingsCache } from './settings-cache';
import type { SettingsStore } from '../store/settings-store';

/**
 * Each poll re-reads this much history before the previous poll started: it covers the time
 * between a writer stamping change_time and its insert landing, and clock skew between replicas.
 */
export const FEED_OVERLAP_MS = 5_000;

/**
 * Tells the settings cache about changes made through any ConsentService replica, by polling the
 * settings history (every change appends exactly one entry). Polls every half of the cache's
 * staleness bound, so a healthy feed keeps the cache usable and a stalled one (database down)
 * turns it off by itself.
 */
export class SettingsChangeFeed {
  private task?: PeriodicTask;
  /** The earliest change_time the next poll must read. */
  private cursor = 0;
  /** When the last successful poll started (ms since epoch); -Infinity before the first. */
  lastSyncAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: SettingsStore,
    private readonly cache: SettingsCache,
    /** The cache's staleness bound; the feed polls twice per bound. */
    private readonly maxStalenessMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get intervalMs(): number {
    return Math.max(10, Math.floor(this.maxStalenessMs / 2));
  }

  start(): void {
    if (!this.cache.enabled || this.task) return;
    this.cursor = this.now() - FEED_OVERLAP_MS;
    // poll() reports its own failures, so the task never sees one.
    this.task = new PeriodicTask(() => this.poll(), { intervalMs: this.intervalMs, firstDelayMs: 0, onError: () => undefined });
    this.task.start();
  }

  async close(): Promise<void> {
    await this.task?.stop();
    this.task = undefined;
  }

  /** One sync: announce every change since the cursor, then mark the cache synced. */
  async poll(): Promise<void> {
    const startedAt = this.now();
    try {
      const changes = await this.store.changesSince(new Date(this.cursor));
      for (const change of changes) this.cache.noteChange(change.user_id, change.version);
      this.cache.markSynced(startedAt);
      this.lastSyncAt = startedAt;
      this.cache.prune();
      this.cursor = startedAt - FEED_OVERLAP_MS;
    } catch (error) {
      this.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'settings change feed poll failed; cache bypassed until it recovers');
    }
  }
}
