import { PeriodicTask } from '@signalpath/service-host';
import type { Logger } from '@signalpath/telemetry';

import type { LedgerStore } from '../store/ledger-store';

/**
 * Enforces ledger retention in the service itself (FerretDB v1 has no TTL indexes): every
 * `intervalMs`, entries created more than `retentionMs` ago are removed.
 */
export class LedgerRetention {
  private running?: Promise<void>;
  private readonly task: PeriodicTask;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly options: { retentionMs: number; intervalMs: number; now: () => Date; logger: Pick<Logger, 'info' | 'warn'> },
  ) {
    // sweep() reports its own failures, so the task never sees one.
    this.task = new PeriodicTask(() => this.sweep(), { intervalMs: options.intervalMs, firstDelayMs: 0, onError: () => undefined });
  }

  start(): void {
    this.task.start();
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
    await this.task.stop();
    await this.running;
  }
}
