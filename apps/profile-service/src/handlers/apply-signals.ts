import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { ErasureGuard, ErasureScopeName, ErasureSubject } from '@signalpath/erasure';
import { deadlineMsOf, EARLIEST_EVENT_TIME, InvalidArgumentError, maxItems, nonEmpty, optionalEnum, optionalTime, requireEnum, requireId, requireTime } from '@signalpath/grpc-kit';
import { common, type profile } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';

import type { ApplicableSignal, SignalApplier } from '../store/signal-applier';

export const MAX_SIGNALS_PER_BATCH = 1000;
/** Longest a call waits for another call that owns some of its signals, without a deadline. */
const DEFAULT_WAIT_MS = 5_000;
/** Kept free before the caller's deadline to answer UNAVAILABLE in time. */
const DEADLINE_MARGIN_MS = 100;

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

/** One signal held to the rules above; `path` prefixes the field names in errors. */
export function validateSignal(signal: profile.ProfileSignal, path: string, now: Date): ApplicableSignal {
  const field = (name: string) => `${path}.${name}`;
  // In field order, so the first problem reported is the first in the message.
  const signalId = requireId(signal.signalId, field('signal_id'));
  const userId = requireId(signal.userId, field('user_id'));
  const surface = requireEnum(signal.surface, common.Surface, field('surface'));
  const topicId = requireId(signal.topicId, field('topic_id'));
  if (!getTaxonomy().has(topicId)) throw new InvalidArgumentError(field('topic_id'), 'is not an IAB Content Taxonomy 3.1 id');
  if (!(signal.weight > 0 && signal.weight <= MAX_SIGNAL_WEIGHT)) throw new InvalidArgumentError(field('weight'), `must be in (0, ${MAX_SIGNAL_WEIGHT}]`);
  const sourceKind = requireEnum(signal.sourceKind, common.SourceKind, field('source_kind'));
  optionalEnum(signal.modality, common.Modality, field('modality'));
  const eventTime = requireTime(signal.eventTime, field('event_time'), { notBefore: EARLIEST_EVENT_TIME, now });
  return { signalId, userId, surface, topicId, weight: signal.weight, sourceKind, eventTime, adsEligible: signal.adsEligible, contentEligible: signal.contentEligible };
}

/** What erasure knows of a signal (docs/erasure.md). */
export function signalSubject(signal: ApplicableSignal, recordTime: Date | undefined): ErasureSubject {
  return {
    userId: signal.userId,
    aiChat: signal.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT,
    eventTime: signal.eventTime,
    recordTime,
    purposes: { ads: signal.adsEligible, content: signal.contentEligible },
  };
}

/** When to stop waiting for other owners: just before the caller's deadline, if any. */
function waitDeadline(call: ServerUnaryCall<unknown, unknown>): number {
  const ms = deadlineMsOf(call);
  return Number.isFinite(ms) ? ms - DEADLINE_MARGIN_MS : Date.now() + DEFAULT_WAIT_MS;
}

export interface ApplySignalsDeps {
  applier: SignalApplier;
  /** Erasure markers: a signal an erasure covers is never applied (docs/erasure.md). */
  guard: ErasureGuard;
  /** Erases a user's data in a scope (the undo of a late write an erasure now covers). */
  eraseUser(userId: string, scope: ErasureScopeName): Promise<unknown>;
  /** The business clock: event times are held to policy bounds relative to it. */
  now: () => Date;
}


export function applySignalsHandler(deps: ApplySignalsDeps) {
  return async (request: profile.ApplySignalsRequest, call: ServerUnaryCall<profile.ApplySignalsRequest, profile.ApplySignalsResponse>): Promise<profile.ApplySignalsResponse> => {
    const now = deps.now();
    // SignalService's record time of each signal (unset for senders that predate it; the guard then fails closed).
    const signals = validateSignals(request, now).map((signal, index) => ({ signal, recordTime: optionalTime(request.signals[index].recordTime, `signals[${index}].record_time`, { now }) }));
    const subject = ({ signal, recordTime }: (typeof signals)[number]): ErasureSubject => signalSubject(signal, recordTime);
    const outcome = await deps.guard.write(
      signals,
      subject,
      (kept) => deps.applier.apply(kept.map((k) => k.signal), waitDeadline(call)),
      async (covered) => {
        // An erasure recorded while this call ran covers some of what it wrote: erase again, in
        // the widest scope that covers each user (profile scores cannot be un-added one by one).
        const scopes = new Map<string, ErasureScopeName>();
        for (const { item, scope } of covered) if (scopes.get(item.signal.userId) !== 'all') scopes.set(item.signal.userId, scope);
        for (const [userId, scope] of scopes) await deps.eraseUser(userId, scope);
      },
    );
    // Dropped or undone signals count as not applied: SignalService treats them as delivered.
    const applied = Math.max(0, (outcome.result?.applied ?? 0) - outcome.undone.length);
    return { appliedCount: applied, duplicateCount: request.signals.length - applied };
  };
}
