import type { ErasureGuard } from '@signalpath/erasure';
import { PeriodicTask } from '@signalpath/service-host';
import type { Logger } from '@signalpath/telemetry';

import { outboxEntryFor } from '../store/outbox-entry';
import { entrySubject, type SignalStore } from '../store/signal-store';

/** Re-queue from a little before a dead writer's flushedThrough, in case its clock stepped back. */
const CLOCK_MARGIN_MS = 60_000;

/**
 * Finds OutboxWriters that stopped beating (their process died) and re-queues the outbox entries
 * of the records they inserted after their last `flushedThrough`, then retires their heartbeat.
 * Idempotent: a queued entry is a duplicate key, a delivered one is re-sent and ignored by
 * ProfileService. Runs in every instance; a restarted instance recovers its predecessor.
 */
export class OutboxRecovery {
  private readonly task: PeriodicTask;

  constructor(
    private readonly deps: {
      store: SignalStore;
      /** Entries an erasure covers are not re-queued. */
      guard: ErasureGuard;
      /** This instance's writer, never recovered by itself. */
      writerId: string;
      staleMs: number;
      intervalMs: number;
      now: () => Date;
      logger: Logger;
      onRecovered: () => void;
    },
  ) {
    this.task = new PeriodicTask(() => this.run(), {
      intervalMs: this.deps.intervalMs,
      firstDelayMs: Math.min(this.deps.intervalMs, 1_000),
      onError: (error) => this.deps.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'outbox recovery failed; will retry'),
    });
  }

  start(): void {
    this.task.start();
  }

  /** One pass; returns how many records' entries were re-queued. */
  async run(): Promise<number> {
    const { store } = this.deps;
    const now = this.deps.now();
    let requeued = 0;
    for (const writer of await store.staleWriters(new Date(now.getTime() - this.deps.staleMs), this.deps.writerId)) {
      const records = await store.recordsOfWriterSince(writer._id, new Date(writer.flushedThrough.getTime() - CLOCK_MARGIN_MS));
      await this.deps.guard.write(
        records.map((record) => outboxEntryFor(record, now)),
        entrySubject,
        (entries) => store.enqueue(entries),
        (covered) => store.discardEntries(covered.map((c) => c.item._id)),
      );
      await store.retireWriter(writer._id);
      requeued += records.length;
      this.deps.logger.warn({ writer: writer._id, records: records.length }, 'recovered the outbox entries of a writer that stopped');
    }
    if (requeued > 0) this.deps.onRecovered();
    return requeued;
  }

  close(): Promise<void> {
    return this.task.stop();
  }
}
