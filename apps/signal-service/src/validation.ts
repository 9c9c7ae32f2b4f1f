import { InvalidArgumentError, maxItems, nonEmpty, optionalEnum, optionalId, optionalTime, requireEnum, requireId, requireTime } from '@signalpath/grpc-kit';
import { common, type signal } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';

/** Interaction text limit: 32 KiB of UTF-8. */
export const MAX_TEXT_BYTES = 32 * 1024;
/** How far in the future an event time may be (clock skew between callers and us): grpc-kit's one bound. */
export { MAX_FUTURE_SKEW_MS } from '@signalpath/grpc-kit';
export const MAX_BATCH_ITEMS = 500;
export const MAX_ACTIVITY_TOPICS = 100;

export interface ValidInteraction {
  interactionId: string;
  userId: string;
  surface: common.Surface;
  modality: common.Modality;
  endToEndEncrypted: boolean;
  text: string;
  eventTime: Date;
}

export interface ValidActivity {
  activityId: string;
  userId: string;
  surface: common.Surface;
  sourceKind: common.SourceKind;
  topicIds: string[];
  eventTime: Date;
}

/** Errors name the field with its path, e.g. `interaction.text`; the message never quotes the value. */
export function requireText(text: string | undefined, field: string): string {
  const value = text ?? '';
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (value.length * 3 > MAX_TEXT_BYTES && Buffer.byteLength(value, 'utf8') > MAX_TEXT_BYTES) {
    throw new InvalidArgumentError(field, `must be at most ${MAX_TEXT_BYTES} bytes of UTF-8`);
  }
  return value;
}

/**
 * A valid Timestamp, at most the clock skew ahead of now. An old event is not refused: it is
 * decided by ConsentService (before the effective date → SKIPPED) like any other.
 */
export function requireEventTime(value: Date | undefined, field: string, now: Date): Date {
  return requireTime(value, field, { now });
}

/** Validates an interaction for ingestion; `field` is its path in the request, e.g. `interactions[3]`. */
export function validateInteraction(interaction: signal.Interaction | undefined, field: string, now: Date): ValidInteraction {
  if (!interaction) throw new InvalidArgumentError(field, 'must be set');
  return {
    interactionId: requireId(interaction.interactionId, `${field}.interaction_id`),
    userId: requireId(interaction.userId, `${field}.user_id`),
    surface: requireEnum(interaction.surface, common.Surface, `${field}.surface`),
    modality: requireEnum(interaction.modality, common.Modality, `${field}.modality`),
    endToEndEncrypted: interaction.endToEndEncrypted,
    text: requireText(interaction.text, `${field}.text`),
    eventTime: requireEventTime(interaction.eventTime, `${field}.event_time`, now),
  };
}

/** PreviewSignals needs only text; the rest is checked only when set, by the same rules as ingestion. */
export function validatePreview(interaction: signal.Interaction | undefined, now: Date): Partial<ValidInteraction> & { text: string; endToEndEncrypted: boolean } {
  if (!interaction) throw new InvalidArgumentError('interaction', 'must be set');
  return {
    interactionId: optionalId(interaction.interactionId, 'interaction.interaction_id'),
    userId: optionalId(interaction.userId, 'interaction.user_id'),
    surface: optionalEnum(interaction.surface, common.Surface, 'interaction.surface'),
    modality: optionalEnum(interaction.modality, common.Modality, 'interaction.modality'),
    endToEndEncrypted: interaction.endToEndEncrypted,
    text: requireText(interaction.text, 'interaction.text'),
    eventTime: optionalTime(interaction.eventTime, 'interaction.event_time', { now }),
  };
}

export function validateActivity(request: signal.RecordActivityRequest, now: Date): ValidActivity {
  const activityId = requireId(request.activityId, 'activity_id');
  const userId = requireId(request.userId, 'user_id');
  const surface = requireEnum(request.surface, common.Surface, 'surface');
  const sourceKind = requireEnum(request.sourceKind, common.SourceKind, 'source_kind');
  if (sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT) throw new InvalidArgumentError('source_kind', 'must not be SOURCE_KIND_AI_CHAT (use IngestInteraction)');
  nonEmpty(request.topicIds, 'topic_ids');
  maxItems(request.topicIds, 'topic_ids', MAX_ACTIVITY_TOPICS);
  const taxonomy = getTaxonomy();
  request.topicIds.forEach((topicId, index) => {
    if (!taxonomy.has(topicId)) throw new InvalidArgumentError(`topic_ids[${index}]`, 'is not an IAB Content Taxonomy 3.1 id');
  });
  const eventTime = requireEventTime(request.eventTime, 'event_time', now);
  return { activityId, userId, surface, sourceKind, topicIds: [...request.topicIds], eventTime };
}
