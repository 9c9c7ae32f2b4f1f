import type { common } from '@signalpath/proto';
import type { OutboxDoc, RecordDoc } from './documents';

/** The outbox entry that delivers an accepted record's signals. */
export function outboxEntryFor(record: RecordDoc, now: Date): OutboxDoc {
  return {
    _id: record._id,
    userId: record.userId,
    surface: record.surface as common.Surface,
    sourceKind: record.sourceKind as common.SourceKind,
    modality: record.modality as common.Modality,
    eventTime: record.eventTime as Date,
    signals: record.signals,
    createdAt: now,
    availableAt: now,
    attempts: 0,
  };
}
