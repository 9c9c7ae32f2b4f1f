import { metrics, type BatchObservableCallback, type Counter, type Histogram, type Meter } from '@opentelemetry/api';

/** The outbox backlog is read from the database at most this often, however often it is scraped. */
export const BACKLOG_READ_INTERVAL_MS = 5_000;
import { common, signal } from '@signalpath/proto';

/**
 * SignalService's domain metrics (README, "Metrics"). Labels are enum names, record kinds and
 * language codes: never a user id, an interaction id, a topic or anything derived from text.
 * Created when the service is built, after the meter provider (instrumentation.ts) is registered.
 */
export class SignalMeters {
  private readonly outcomes: Counter;
  private readonly suppressions: Counter;
  private readonly deliveryLag: Histogram;
  private readonly delivered: Counter;
  private readonly deliveryFailures: Counter;

  constructor(readonly meter: Meter = metrics.getMeter('@signalpath/signal-service')) {
    this.outcomes = meter.createCounter('signalpath.ingest.outcomes', {
      description: 'Interactions and activities ingested, by outcome: status, skip reason (or "none"), record kind; failed items by gRPC code',
    });
    this.suppressions = meter.createCounter('signalpath.ingest.suppressions', {
      description: 'Sensitive classes suppressed in ingested items, by class and detected language',
    });
    this.deliveryLag = meter.createHistogram('signalpath.outbox.delivery.lag', {
      unit: 's',
      description: 'Time from an outbox entry being queued to its delivery to ProfileService',
      advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] },
    });
    this.delivered = meter.createCounter('signalpath.outbox.delivered', { description: 'Signals delivered to ProfileService' });
    this.deliveryFailures = meter.createCounter('signalpath.outbox.delivery.failures', { description: 'Delivery rounds that failed (entries stay pending and are retried)' });
    // Present from the start at 0, so a rate over it exists before the first failure.
    this.deliveryFailures.add(0);
  }

  /** One item's outcome; `code` (a google.rpc code name) for an item that failed. */
  outcome(kind: string, result: { status: signal.IngestStatus; skipReason: signal.SkipReason } | { code: string }): void {
    if ('code' in result) {
      this.outcomes.add(1, { kind, status: 'FAILED', skip_reason: 'none', code: result.code });
      return;
    }
    const skipReason = result.skipReason === signal.SkipReason.SKIP_REASON_UNSPECIFIED ? 'none' : signal.SkipReason[result.skipReason];
    this.outcomes.add(1, { kind, status: signal.IngestStatus[result.status], skip_reason: skipReason, code: 'OK' });
  }

  suppression(sensitiveClass: common.SensitiveClass, language: string): void {
    this.suppressions.add(1, { sensitive_class: common.SensitiveClass[sensitiveClass], language });
  }

  /** Entries delivered now, each queued at `queuedAt`, carrying `signals` signals in all. */
  deliveredEntries(queuedAt: Date[], signals: number, now: number): void {
    for (const at of queuedAt) this.deliveryLag.record(Math.max(0, now - at.getTime()) / 1000);
    this.delivered.add(signals);
  }

  deliveryFailed(): void {
    this.deliveryFailures.add(1);
  }

  /**
   * Outbox backlog gauges, read with `read` (SignalStore.outboxStatus) when metrics are collected,
   * at most every BACKLOG_READ_INTERVAL_MS. The backlog is the database's, so every replica
   * reports the same value: aggregate with max, not sum. Returns the unregistration.
   */
  observeBacklog(read: () => Promise<{ pendingSignals: number; oldestPendingAt?: Date }>, now: () => Date): () => void {
    const pending = this.meter.createObservableGauge('signalpath.outbox.pending_signals', { description: 'Signals not yet delivered to ProfileService' });
    const age = this.meter.createObservableGauge('signalpath.outbox.oldest_pending_age', { unit: 's', description: 'Age of the oldest undelivered signal (0 when none)' });
    let last: { readAt: number; pendingSignals: number; oldestPendingAt?: Date } | undefined;
    let reading: Promise<void> | undefined;
    const callback: BatchObservableCallback = async (result) => {
      if (!last || Date.now() - last.readAt >= BACKLOG_READ_INTERVAL_MS) {
        reading ??= read()
          .then((status) => void (last = { readAt: Date.now(), ...status }))
          .finally(() => (reading = undefined));
        await reading;
      }
      if (!last) return;
      result.observe(pending, last.pendingSignals);
      result.observe(age, last.oldestPendingAt ? Math.max(0, now().getTime() - last.oldestPendingAt.getTime()) / 1000 : 0);
    };
    this.meter.addBatchObservableCallback(callback, [pending, age]);
    return () => this.meter.removeBatchObservableCallback(callback, [pending, age]);
  }
}
