import type { Logger } from '@signalpath/telemetry';

import type { LedgerStore } from './ledger-store';

/**
 * Enforces ledger retention in the service itself (FerretDB v1 has no TTL indexes): every
 * `intervalMs`, entries and tombstones created more than `retentionMs` ago are removed.
 */
export class LedgerRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly options: { retentionMs: number; intervalMs: number; now: () => Date; logger: Pick<Logger, 'info' | 'warn'> },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
    void this.sweep();
  }

  /** One pass; concurrent calls share the pass in progress. */
  sweep(): Promise<void> {
    this.running ??= (async () => {
      try {
        const cutoff = new Date(this.options.now().getTime() - this.options.retentionMs);
        const removed = await this.ledger.deleteCreatedBefore(cutoff);
        if (removed > 0) this.options.logger.info({ removed }, 'expired ledger entries removed');
      } catch (error) {
        this.options.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'ledger retention pass failed; will retry');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
