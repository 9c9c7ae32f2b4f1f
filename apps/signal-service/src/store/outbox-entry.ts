import { context, propagation } from '@opentelemetry/api';
import type { common } from '@signalpath/proto';
import type { OutboxDoc, RecordDoc } from './documents';

/**
 * The outbox entry that delivers an accepted record's signals. It carries the W3C trace context
 * of the request that produced it, so the delivery to ProfileService continues that trace.
 */
export function outboxEntryFor(record: RecordDoc, now: Date): OutboxDoc {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    _id: record._id,
    userId: record.userId,
    surface: record.surface as common.Surface,
    sourceKind: record.sourceKind as common.SourceKind,
    modality: record.modality as common.Modality,
    eventTime: record.eventTime as Date,
    signals: record.signals,
    recordedAt: record.recordedAt,
    createdAt: now,
    availableAt: now,
    attempts: 0,
  };
}
