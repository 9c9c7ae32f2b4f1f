import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { ErasureGuard, ErasureScopeName, ErasureSubject } from '@signalpath/erasure';
import { deadlineMsOf, optionalTime, type Handlers } from '@signalpath/grpc-kit';
import { common, type profile } from '@signalpath/proto';

import type { ApplicableSignal, SignalApplier } from '../apply/signal-applier';
import { validateSignals } from '../validation';

/** Longest a call waits for another call that owns some of its signals, without a deadline. */
const DEFAULT_WAIT_MS = 5_000;
/** Kept free before the caller's deadline to answer UNAVAILABLE in time. */
const DEADLINE_MARGIN_MS = 100;

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

/** ApplySignals (SignalService's delivery). */
export function applySignalsHandlers(deps: ApplySignalsDeps) {
  return { applySignals: applySignalsHandler(deps) } satisfies Handlers<profile.ProfileServiceServer>;
}
