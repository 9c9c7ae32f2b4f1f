import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { ErasureGuard, ErasureScopeName } from '@signalpath/erasure';
import { InvalidArgumentError, maxItems, optionalEnum, optionalId, optionalTime, requireEnum, requireId, ResourceExhaustedError, UnavailableError, type Handlers } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { assertedUserOf, callerOf } from '@signalpath/service-auth';

import { newEntry, PURPOSE_KEYS, stripCutEvidence, withoutSensitive, type CorrectionEntry, type CorrectionsStore } from '../store/corrections-store';
import { isEmptyProfile, type ProfileStore } from '../store/profile-store';
import type { SignalApplier } from '../apply/signal-applier';
import { signalSubject } from './apply-signals';
import { ALL_SURFACES } from '../store/user-data';
import { purposeKey, toApiCorrection } from '../mapping';
import { requireTopicId, validateSignal } from '../validation';

/** Topics one "not interested" mark may carry (an item has a handful). */
export const MAX_ITEM_TOPICS = 100;
/**
 * Active "not interested" marks per user. Every profile read and every ApplySignals write reads
 * the corrections document, so it must stay small; 500 is far above what a person marks and
 * keeps the document (with its 1,000-entry history) well under a megabyte. Beyond it a new mark
 * is refused rather than an old one dropped: dropping would silently show again an item the
 * person hid and stop lowering its topics, a correction undone without their say.
 */
export const MAX_ACTIVE_MARKS = 500;
/** ErrorInfo.reason of a mark refused by MAX_ACTIVE_MARKS. */
export const NOT_INTERESTED_LIMIT = 'NOT_INTERESTED_LIMIT';
/** Recorded as the actor when service auth is off and nobody is named. */
const ANONYMOUS_ACTOR = 'anonymous';

export interface CorrectionDeps {
  corrections: CorrectionsStore;
  profiles: ProfileStore;
  /** Takes a deleted signal out of its profile document (RemoveSignal). */
  applier: SignalApplier;
  /** Erasure markers: a correction an erasure covers is never kept (docs/erasure.md). */
  guard: ErasureGuard;
  /** Erases a user's data in a scope (the undo of a late write an erasure now covers). */
  eraseUser(userId: string, scope: ErasureScopeName): Promise<unknown>;
  now: () => Date;
}

/** Who acts: the verified caller (or, for RankingService's calls, the caller it acted for). */
function actorOf(call: ServerUnaryCall<unknown, unknown>, acting?: { caller: string | undefined; userAsserted: boolean }): { actor: string; user_asserted: boolean } {
  if (acting?.caller) return { actor: acting.caller, user_asserted: acting.userAsserted };
  return { actor: callerOf(call.metadata) ?? ANONYMOUS_ACTOR, user_asserted: assertedUserOf(call.metadata) !== undefined };
}

/**
 * Writes a correction through the erasure guard: a correction made at or before an erasure's
 * cut-off is refused (UNAVAILABLE: the user's data is being erased), and one that finished late
 * while an erasure was recorded is undone by erasing again, so a correction can never bring back
 * a corrections document or profile an erasure removed.
 */
async function guarded<T>(deps: CorrectionDeps, userId: string, time: Date, write: () => Promise<T>): Promise<T> {
  const outcome = await deps.guard.write(
    [userId],
    (id) => ({ userId: id, aiChat: false, eventTime: time, recordTime: time }),
    () => write(),
    async (covered) => {
      for (const { item, scope } of covered) await deps.eraseUser(item, scope);
    },
  );
  if (outcome.kept.length === 0) throw new UnavailableError("the user's data is being erased; correction not recorded");
  return outcome.result as T;
}

/** Strips the evidence the user's cuts cover from every surface document (never creates one). */
async function stripProfiles(deps: CorrectionDeps, userId: string): Promise<void> {
  const corrections = await deps.corrections.get(userId);
  for (const surface of ALL_SURFACES) {
    await deps.profiles.withLock(userId, surface, () =>
      deps.profiles.modify(userId, surface, async (current) => {
        if (!current) return undefined;
        // Re-read inside the lock: a later removal's cut may have been recorded meanwhile.
        const kinds = stripCutEvidence(current, (await deps.corrections.get(userId)) ?? corrections);
        if (!kinds) return undefined;
        return isEmptyProfile(kinds, current) ? 'delete' : { ...current, kinds, update_time: deps.now() };
      }),
    );
  }
}

export function removeInterestHandler(deps: CorrectionDeps) {
  return async (request: profile.RemoveInterestRequest, call: ServerUnaryCall<profile.RemoveInterestRequest, profile.RemoveInterestResponse>): Promise<profile.RemoveInterestResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const topicId = requireTopicId(request.topicId, 'topic_id');
    const purpose = optionalEnum(request.purpose, common.Purpose, 'purpose');
    const purposes = purpose === undefined ? [...PURPOSE_KEYS] : [purposeKey(purpose)];
    const time = deps.now();
    const entry = await guarded(deps, userId, time, async () => {
      // The cut first, then the strip: an ApplySignals racing this either sees the cut or writes
      // before the strip, which then removes what it wrote (store/signal-applier.ts).
      const recorded = await deps.corrections.modify(userId, (current) => ({
        removed: [...(current?.removed ?? []).filter((cut) => !(cut.topic_id === topicId && purposes.includes(cut.purpose))), ...purposes.map((p) => ({ topic_id: topicId, purpose: p, time }))],
        not_interested: current?.not_interested ?? [],
        entry: newEntry({ kind: 'remove_interest', time, purposes, topic_id: topicId, ...actorOf(call) }),
      }));
      await stripProfiles(deps, userId);
      return recorded as CorrectionEntry;
    });
    return { correction: toApiCorrection(entry) };
  };
}

export function listCorrectionsHandler(deps: Pick<CorrectionDeps, 'corrections'>) {
  return async (request: profile.ListCorrectionsRequest): Promise<profile.ListCorrectionsResponse> => {
    const userId = requireId(request.userId, 'user_id');
    return { corrections: await listCorrections(deps.corrections, userId) };
  };
}

/** The user's history, newest first. */
export async function listCorrections(corrections: CorrectionsStore, userId: string): Promise<profile.Correction[]> {
  const document = await corrections.get(userId);
  return [...(document?.history ?? [])].reverse().map(toApiCorrection);
}

export function markItemNotInterestedHandler(deps: CorrectionDeps) {
  return async (
    request: profile.MarkItemNotInterestedRequest,
    call: ServerUnaryCall<profile.MarkItemNotInterestedRequest, profile.MarkItemNotInterestedResponse>,
  ): Promise<profile.MarkItemNotInterestedResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const itemId = requireId(request.itemId, 'item_id');
    maxItems(request.topicIds, 'topic_ids', MAX_ITEM_TOPICS);
    // A sensitive topic is never kept in the user's corrections (data minimization, invariant 3):
    // no profile may hold it for ads, so lowering it would change nothing, and storing it would
    // record that the person saw an ad about, say, a health condition. The mark still hides the item.
    const topicIds = withoutSensitive([...new Set(request.topicIds.map((id, i) => requireTopicId(id, `topic_ids[${i}]`)))]);
    const purpose = purposeKey(requireEnum(request.purpose, common.Purpose, 'purpose'));
    const actingCaller = optionalId(request.actingCaller, 'acting_caller');
    const time = deps.now();
    const entry = await guarded(deps, userId, time, async () =>
      deps.corrections.modify(userId, (current) => {
        // Marking again replaces the earlier mark: one mark per item.
        const others = (current?.not_interested ?? []).filter((mark) => mark.item_id !== itemId);
        if (others.length >= MAX_ACTIVE_MARKS) {
          throw new ResourceExhaustedError(`at most ${MAX_ACTIVE_MARKS} items may be marked "not interested"; undo some first`, NOT_INTERESTED_LIMIT, { limit: String(MAX_ACTIVE_MARKS) });
        }
        return {
          removed: current?.removed ?? [],
          not_interested: [...others, { item_id: itemId, topic_ids: topicIds, purpose, time }],
          entry: newEntry({ kind: 'not_interested', time, purposes: [purpose], item_id: itemId, topic_ids: topicIds, ...actorOf(call, { caller: actingCaller, userAsserted: request.userAsserted }) }),
        };
      }),
    );
    return { correction: toApiCorrection(entry as CorrectionEntry) };
  };
}

export function undoItemNotInterestedHandler(deps: CorrectionDeps) {
  return async (
    request: profile.UndoItemNotInterestedRequest,
    call: ServerUnaryCall<profile.UndoItemNotInterestedRequest, profile.UndoItemNotInterestedResponse>,
  ): Promise<profile.UndoItemNotInterestedResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const itemId = requireId(request.itemId, 'item_id');
    const actingCaller = optionalId(request.actingCaller, 'acting_caller');
    const time = deps.now();
    const entry = await guarded(deps, userId, time, async () =>
      deps.corrections.modify(userId, (current) => {
        const mark = current?.not_interested.find((m) => m.item_id === itemId);
        if (!current || !mark) return undefined;
        return {
          removed: current.removed,
          not_interested: current.not_interested.filter((m) => m.item_id !== itemId),
          entry: newEntry({ kind: 'undo_not_interested', time, purposes: [mark.purpose], item_id: itemId, topic_ids: mark.topic_ids, ...actorOf(call, { caller: actingCaller, userAsserted: request.userAsserted }) }),
        };
      }),
    );
    return entry ? { undone: true, correction: toApiCorrection(entry) } : { undone: false, correction: undefined };
  };
}

/**
 * RemoveSignal (SignalService.DeleteSignal): the signal's contribution leaves its profile
 * document and no delivery adds it back (SignalApplier.remove), then one history entry is
 * recorded. Both steps are idempotent, so SignalService retries until this answers OK. Through the
 * erasure guard like every correction: refused while an erasure covers the moment, and when an
 * erasure covers the signal itself its scores are gone already, so nothing is subtracted (that
 * would take from evidence recorded after the erasure).
 */
export function removeSignalHandler(deps: CorrectionDeps) {
  return async (request: profile.RemoveSignalRequest, call: ServerUnaryCall<profile.RemoveSignalRequest, profile.RemoveSignalResponse>): Promise<profile.RemoveSignalResponse> => {
    if (!request.signal) throw new InvalidArgumentError('signal', 'is required');
    const time = deps.now();
    const signal = validateSignal(request.signal, 'signal', time);
    const recordTime = optionalTime(request.signal.recordTime, 'signal.record_time', { now: time });
    const actingCaller = optionalId(request.actingCaller, 'acting_caller');
    const userId = signal.userId;
    const purposes = PURPOSE_KEYS.filter((purpose) => (purpose === 'ads' ? signal.adsEligible : signal.contentEligible));
    const { outcome, entry } = await guarded(deps, userId, time, async () => {
      const covered = (await deps.guard.check([userId])).covers(signalSubject(signal, recordTime));
      const removed = await deps.applier.remove(signal, { recordTime, subtract: !covered });
      const recorded = await deps.corrections.modify(userId, (current) => {
        if (current?.history.some((e) => e.kind === 'delete_signal' && e.signal_id === signal.signalId)) return undefined;
        return {
          removed: current?.removed ?? [],
          not_interested: current?.not_interested ?? [],
          entry: newEntry({ kind: 'delete_signal', time, purposes, topic_id: signal.topicId, signal_id: signal.signalId, ...actorOf(call, { caller: actingCaller, userAsserted: request.userAsserted }) }),
        };
      });
      const existing = recorded ?? (await deps.corrections.get(userId))?.history.find((e) => e.kind === 'delete_signal' && e.signal_id === signal.signalId);
      return { outcome: removed, entry: existing };
    });
    return { wasApplied: outcome.wasApplied, correction: entry ? toApiCorrection(entry) : undefined };
  };
}

/** RemoveInterest, ListCorrections, MarkItemNotInterested, UndoItemNotInterested and RemoveSignal. */
export function correctionHandlers(deps: CorrectionDeps) {
  return {
    removeInterest: removeInterestHandler(deps),
    listCorrections: listCorrectionsHandler(deps),
    markItemNotInterested: markItemNotInterestedHandler(deps),
    undoItemNotInterested: undoItemNotInterestedHandler(deps),
    removeSignal: removeSignalHandler(deps),
  } satisfies Handlers<profile.ProfileServiceServer>;
}
