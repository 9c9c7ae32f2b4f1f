import { randomUUID } from 'node:crypto';
import type { ErasureGuard } from '@signalpath/erasure';
import type { Logger } from '@signalpath/telemetry';

import type { OutboxDoc } from '../store/documents';
import { entrySubject, type SignalStore } from '../store/signal-store';

export interface OutboxWriterOptions {
  /** How often this writer proves it is alive (and how far its outbox writes got). */
  heartbeatMs: number;
  /**
   * How long entries gather before one insert writes them all: the store takes one write at a
   * time, so one batched write per window costs the requests far less than a write each.
   */
  flushDelayMs: number;
}

/**
 * Writes outbox entries just after the request that produced them, in batches, so an ingest
 * costs one durable write (its record) instead of two.
 *
 * The record is the durable commitment: it holds the signals and names this writer. A writer
 * keeps a heartbeat document with `flushedThrough`, a time before which every record it inserted
 * has its outbox entry stored. If the process dies with entries still in memory, its heartbeat
 * goes stale and `OutboxRecovery` (in any instance, or this one after a restart) re-queues the
 * outbox entries of that writer's records from `flushedThrough` on. Re-queueing is idempotent:
 * an entry still queued is a duplicate key; one already delivered is re-sent and ProfileService
 * ignores it (signal ids are deterministic).
 */
export class OutboxWriter {
  readonly writerId = randomUUID();
  private readonly inFlight = new Map<number, number>();
  private nextTicket = 0;
  private buffer: Array<{ entry: OutboxDoc; ticket?: number }> = [];
  private flushScheduled = false;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private registered: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      store: SignalStore;
      /** Entries an erasure covers are never queued (checked at each flush). */
      guard: ErasureGuard;
      now: () => Date;
      logger: Logger;
      options: OutboxWriterOptions;
      /** Entries became durable: wake the deliverer. */
      onFlushed: () => void;
    },
  ) {}

  start(): void {
    if (this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => {
      this.heartbeat().catch((error: unknown) => this.deps.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'outbox writer heartbeat failed'));
    }, this.deps.options.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /**
   * Call before inserting records whose entries this writer will queue; stamp them with the
   * returned `recordedAt`. Until the ticket is released, a crash is recoverable from the records:
   * the heartbeat exists, and flushedThrough stays at or before `recordedAt` (both come from the
   * same clock, read in the same tick as the registration).
   */
  async begin(): Promise<{ ticket: number; recordedAt: Date }> {
    this.registered ??= this.heartbeat().catch((error: unknown) => {
      this.registered = undefined;
      throw error;
    });
    await this.registered;
    const ticket = this.nextTicket++;
    const recordedAt = this.deps.now();
    this.inFlight.set(ticket, recordedAt.getTime());
    return { ticket, recordedAt };
  }

  /** The records of this ticket were not stored: nothing to recover for it. */
  abandon(ticket: number): void {
    this.inFlight.delete(ticket);
  }

  /** Queues entries; the ticket (if any) is released once they are stored. */
  add(entries: OutboxDoc[], ticket?: number): void {
    if (entries.length === 0) {
      if (ticket !== undefined) this.inFlight.delete(ticket);
      return;
    }
    entries.forEach((entry, i) => this.buffer.push({ entry, ticket: i === entries.length - 1 ? ticket : undefined }));
    this.scheduleFlush(this.deps.options.flushDelayMs);
  }

  /** Entries not yet stored, plus requests between their record insert and queueing. */
  get pending(): number {
    return this.buffer.length + this.inFlight.size + (this.flushing ? 1 : 0);
  }

  /** Every record this writer inserted before this time has its outbox entry stored. */
  flushedThrough(): Date {
    let oldest = this.deps.now().getTime();
    for (const at of this.inFlight.values()) oldest = Math.min(oldest, at);
    return new Date(oldest);
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    const run = () => {
      this.retryTimer = undefined;
      this.flushScheduled = false;
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
        if (this.buffer.length > 0) this.scheduleFlush(this.failures > 0 ? this.backoffMs() : this.deps.options.flushDelayMs);
      });
    };
    if (delayMs === 0) setImmediate(run);
    else this.retryTimer = setTimeout(run, delayMs);
  }

  private backoffMs(): number {
    return Math.min(5_000, 20 * 2 ** Math.min(this.failures, 10));
  }

  private async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    try {
      const { store, guard } = this.deps;
      await guard.write(
        batch.map((item) => item.entry),
        entrySubject,
        (entries) => store.enqueue(entries),
        (covered) => store.discardEntries(covered.map((c) => c.item._id)),
      );
      this.failures = 0;
      for (const item of batch) if (item.ticket !== undefined) this.inFlight.delete(item.ticket);
      this.deps.onFlushed();
    } catch (error) {
      this.failures++;
      // Keep them, in order, ahead of anything queued meanwhile; the heartbeat keeps flushedThrough back.
      this.buffer = [...batch, ...this.buffer];
      this.deps.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown', entries: batch.length, failures: this.failures }, 'outbox write failed; retrying');
    }
  }

  async heartbeat(): Promise<void> {
    await this.deps.store.beat(this.writerId, this.deps.now(), this.flushedThrough());
  }

  /**
   * Stores what is still buffered (a few attempts), then retires the heartbeat. If entries could
   * not be stored, the heartbeat stays and goes stale: recovery re-queues them.
   */
  async close(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.closed = true;
    await this.flushing;
    for (let attempt = 0; attempt < 3 && this.buffer.length > 0; attempt++) await this.flush();
    if (this.buffer.length > 0 || this.inFlight.size > 0) {
      this.deps.logger.warn({ entries: this.buffer.length }, 'closing with outbox entries unwritten; another instance will recover them');
      return;
    }
    if (this.registered) await this.deps.store.retireWriter(this.writerId).catch(() => undefined);
  }
}
