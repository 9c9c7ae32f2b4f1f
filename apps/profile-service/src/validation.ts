import { EARLIEST_EVENT_TIME, InvalidArgumentError, maxItems, nonEmpty, optionalEnum, requireEnum, requireId, requireTime } from '@signalpath/grpc-kit';
import { common, type profile } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';

import type { ApplicableSignal } from './apply/signal-applier';

export const MAX_SIGNALS_PER_BATCH = 1000;
/** A signal's strength: SignalService caps every weight at 1, so anything above is not a signal it sent. */
export const MAX_SIGNAL_WEIGHT = 1;

/**
 * Validates a whole batch first: one bad signal rejects the batch and nothing is applied. The
 * caller is trusted (only SignalService may call), but its input is still held to the documented
 * ranges: a weight of 1e308 would overflow every score it is added to, and an event time outside
 * policy bounds (before any policy's earliest effective date, or in the future) is not data any
 * policy allows.
 */
export function validateSignals(request: profile.ApplySignalsRequest, now: Date): ApplicableSignal[] {
  nonEmpty(request.signals, 'signals');
  maxItems(request.signals, 'signals', MAX_SIGNALS_PER_BATCH);
  return request.signals.map((signal, index) => validateSignal(signal, `signals[${index}]`, now));
}

/** One signal held to the rules above (ApplySignals, RemoveSignal); `path` prefixes the field names. */
export function validateSignal(signal: profile.ProfileSignal, path: string, now: Date): ApplicableSignal {
  const field = (name: string) => `${path}.${name}`;
  // In field order, so the first problem reported is the first in the message.
  const signalId = requireId(signal.signalId, field('signal_id'));
  const userId = requireId(signal.userId, field('user_id'));
  const surface = requireEnum(signal.surface, common.Surface, field('surface'));
  const topicId = requireTopicId(signal.topicId, field('topic_id'));
  if (!(signal.weight > 0 && signal.weight <= MAX_SIGNAL_WEIGHT)) throw new InvalidArgumentError(field('weight'), `must be in (0, ${MAX_SIGNAL_WEIGHT}]`);
  const sourceKind = requireEnum(signal.sourceKind, common.SourceKind, field('source_kind'));
  optionalEnum(signal.modality, common.Modality, field('modality'));
  const eventTime = requireTime(signal.eventTime, field('event_time'), { notBefore: EARLIEST_EVENT_TIME, now });
  return { signalId, userId, surface, topicId, weight: signal.weight, sourceKind, eventTime, adsEligible: signal.adsEligible, contentEligible: signal.contentEligible };
}

/** A topic id of the IAB Content Taxonomy 3.1 (ApplySignals, RemoveInterest, ExplainInterest, item topics). */
export function requireTopicId(value: string, field: string): string {
  const topicId = requireId(value, field);
  if (!getTaxonomy().has(topicId)) throw new InvalidArgumentError(field, 'is not an IAB Content Taxonomy 3.1 id');
  return topicId;
}
