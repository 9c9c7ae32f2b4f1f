import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@signalpath/grpc-kit';
import { addContribution, subtractContribution } from '@signalpath/interest-profile';

import { cutOf, stripCutEvidence, type CorrectionsDocument, type CorrectionsStore } from '../store/corrections-store';
import type { LedgerStore, SignalStatus } from '../store/ledger-store';
import { fromTopicScores, profileId, toTopicScores, type InFlightMarker, type ProfileDocument, type ProfileStore, type RemovedSignal } from '../store/profile-store';

/**
 * Exactly-once application of signals, without transactions.
 *
 * Primitives that hold on MongoDB and FerretDB v1 alike: a unique-key insert is atomic; a profile
 * document is changed by compare-and-set on its version under this process's lock for it (see
 * ProfileStore). FerretDB v1 updates are neither isolated nor cheap (each scans the collection),
 * so the ledger's hot path only inserts.
 *
 * A call groups its signals by profile document (user, source surface); each group is one
 * operation `op` = `<call id>/<n>`.
 * 1. Claim: insertMany one claim {_id: signal id, op, claim_time} per signal. Exactly one call
 *    can claim a signal id; every other delivery (retry, duplicate within or across batches,
 *    concurrent call) finds the claim.
 * 2. Apply, holding the document's lock: one CAS write adds the group's decayed scores and an
 *    in-flight marker {op}. The owner refuses to write once half its lease (default 30 s) has
 *    gone by, because after a lease another call may take over.
 * 3. Insert the applied record {_id: op}. From now on every signal of the group reads "applied".
 *    The marker is dropped by the next write to the document.
 *
 * Another delivery of a claimed signal: its op applied → duplicate; pending within the owner's
 * lease → wait for the owner (bounded by the call's deadline, then UNAVAILABLE so SignalService
 * retries); pending after the lease (the owner died) → under the document lock, if the document
 * carries the op's marker the write happened (record the op applied: duplicate), else move the
 * claim to a new op of this call (CAS) and apply it.
 *
 * Crash points: after 1 → claims without a write; the next delivery after the lease applies them.
 * After 2 → a marker without an applied record; the next delivery, or any later write to the
 * document once the lease is over, records the op applied without applying again. After 3 →
 * nothing to repair. Markers only live while an operation is in flight, so documents stay
 * O(topics). Residual risk: a writer stalled for more than half a lease between its check and its
 * write while another call takes over could apply a signal twice; keep the lease far above any
 * realistic stall.
 *
 * Retention (PROFILE_LEDGER_RETENTION, default 30 days, enforced by LedgerRetention): claims and
 * applied records are removed after it, so SignalService must stop redelivering a signal within
 * it (its outbox marks a batch delivered on the first success). Erasure deletes the user's claims;
 * a redelivery, or a delivery in flight during an erasure, is stopped by the erasure markers that
 * ApplySignals checks around this applier (handlers/apply-signals.ts, docs/erasure.md).
 */

export interface ApplicableSignal {
  signalId: string;
  userId: string;
  surface: number;
  topicId: string;
  weight: number;
  sourceKind: number;
  eventTime: Date;
  adsEligible: boolean;
  contentEligible: boolean;
}

export interface ApplyOutcome {
  applied: number;
  duplicates: number;
}

export interface SignalApplierOptions {
  halfLifeMs: number;
  leaseMs: number;
  /** The business clock: decay, event-time clamping and retention. Leases use wall-clock time. */
  now: () => Date;
  /**
   * PROFILE_LEDGER_RETENTION: how long a claim (and a removed signal's entry) is kept. A signal
   * recorded longer ago without a claim was applied before its claim expired.
   */
  ledgerRetentionMs: number;
}

export interface RemoveOutcome {
  /** Whether the signal had been added to the profile (and is now subtracted). */
  wasApplied: boolean;
  /** False when an earlier call removed it already (nothing changed now). */
  first: boolean;
}

/** Profile documents written in parallel per call. */
const GROUP_CONCURRENCY = 8;
const WAIT_INITIAL_MS = 10;
const WAIT_MAX_MS = 200;

function groupByDocument(signals: Iterable<ApplicableSignal>): ApplicableSignal[][] {
  const groups = new Map<string, ApplicableSignal[]>();
  for (const signal of signals) {
    const key = profileId(signal.userId, signal.surface);
    const group = groups.get(key);
    if (group) group.push(signal);
    else groups.set(key, [signal]);
  }
  return [...groups.values()];
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/**
 * The signal without the purposes a removal cut covers for its topic (its event at or before the
 * cut); undefined when a cut took every purpose it served.
 */
function withoutCutPurposes(signal: ApplicableSignal, corrections: CorrectionsDocument | undefined, nowMs: number): ApplicableSignal | undefined {
  if (!corrections || corrections.removed.length === 0) return signal;
  const eventMs = Math.min(signal.eventTime.getTime(), nowMs);
  const covered = (purpose: 'ads' | 'content') => {
    const cut = cutOf(corrections, signal.topicId, purpose);
    return cut !== undefined && eventMs <= cut.getTime();
  };
  const adsEligible = signal.adsEligible && !covered('ads');
  const contentEligible = signal.contentEligible && !covered('content');
  if (adsEligible === signal.adsEligible && contentEligible === signal.contentEligible) return signal;
  return adsEligible || contentEligible ? { ...signal, adsEligible, contentEligible } : undefined;
}

export class SignalApplier {
  constructor(
    private readonly ledger: LedgerStore,
    private readonly profiles: ProfileStore,
    private readonly corrections: CorrectionsStore,
    private readonly options: SignalApplierOptions,
  ) {}

  /**
   * Applies each signal at most once overall, and before returning makes sure each one is applied
   * (by this call or another). `deadlineMs` bounds the wait for other owners.
   */
  async apply(signals: readonly ApplicableSignal[], deadlineMs: number): Promise<ApplyOutcome> {
    const unique = new Map<string, ApplicableSignal>();
    for (const signal of signals) if (!unique.has(signal.signalId)) unique.set(signal.signalId, signal);
    const call = { id: randomUUID(), ops: 0 };
    let applied = 0;

    let claimed = await this.claimAndApply(call, [...unique.values()]);
    applied += claimed.applied;
    let pending = claimed.existing;
    let delay = WAIT_INITIAL_MS;
    while (pending.length > 0) {
      const statuses = await this.ledger.statuses(pending);
      const waiting: string[] = [];
      const unclaimed: ApplicableSignal[] = [];
      const expired = new Map<string, string>();
      for (const id of pending) {
        const status = statuses.get(id) as SignalStatus;
        if (status.state === 'applied') continue; // a duplicate
        if (status.state === 'absent') unclaimed.push(unique.get(id) as ApplicableSignal); // expired or erased meanwhile
        else if (Date.now() - status.claimTime.getTime() >= this.options.leaseMs) expired.set(id, status.op);
        else waiting.push(id);
      }
      if (expired.size > 0) {
        const outcome = await this.takeOverAndApply(call, [...expired.keys()].map((id) => unique.get(id) as ApplicableSignal), expired);
        applied += outcome.applied;
        waiting.push(...outcome.contended);
      }
      if (unclaimed.length > 0) {
        claimed = await this.claimAndApply(call, unclaimed);
        applied += claimed.applied;
        waiting.push(...claimed.existing);
      }
      pending = waiting;
      if (pending.length === 0) break;
      if (Date.now() + delay > deadlineMs) throw new UnavailableError(`${pending.length} signals are being applied by another call; retry`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, WAIT_MAX_MS);
    }
    return { applied, duplicates: signals.length - applied };
  }

  private nextOp(call: { id: string; ops: number }): string {
    return `${call.id}/${call.ops++}`;
  }

  /** Steps 1–3 for signals nobody has claimed yet. */
  private async claimAndApply(call: { id: string; ops: number }, signals: ApplicableSignal[]): Promise<{ applied: number; existing: string[] }> {
    const groups = groupByDocument(signals).map((group) => ({ op: this.nextOp(call), signals: group }));
    const claimTime = Date.now();
    const { claimed, existing } = await this.ledger.claim(
      groups.flatMap(({ op, signals: group }) => group.map((s) => ({ signalId: s.signalId, op, userId: s.userId, surface: s.surface, sourceKind: s.sourceKind }))),
      new Date(claimTime),
      this.options.now(),
    );
    let applied = 0;
    await forEachLimited(groups, GROUP_CONCURRENCY, async ({ op, signals: group }) => {
      const mine = group.filter((s) => claimed.has(s.signalId));
      if (mine.length === 0) return;
      const { userId, surface } = mine[0];
      applied += await this.profiles.withLock(userId, surface, () => this.write(op, mine, claimTime));
    });
    return { applied, existing };
  }

  /**
   * Recovery for signals whose owner's lease expired. Returns how many this call applied and the
   * ids another call took over first (to wait for).
   */
  private async takeOverAndApply(
    call: { id: string; ops: number },
    signals: ApplicableSignal[],
    previousOps: Map<string, string>,
  ): Promise<{ applied: number; contended: string[] }> {
    let applied = 0;
    const contended: string[] = [];
    await forEachLimited(groupByDocument(signals), GROUP_CONCURRENCY, async (group) => {
      const { userId, surface } = group[0];
      await this.profiles.withLock(userId, surface, async () => {
        const op = this.nextOp(call);
        const claimTime = Date.now();
        const document = await this.profiles.get(userId, surface);
        const mine: ApplicableSignal[] = [];
        for (const signal of group) {
          const previousOp = previousOps.get(signal.signalId) as string;
          if (await this.ledger.isOpApplied(previousOp)) continue;
          if (document?.in_flight.some((marker) => marker.op === previousOp)) {
            // The dead owner wrote the document: its signals count already.
            await this.ledger.markOpApplied(previousOp, userId, this.options.now());
            continue;
          }
          if (await this.ledger.takeOver(signal.signalId, previousOp, op, new Date(claimTime))) mine.push(signal);
          else contended.push(signal.signalId);
        }
        if (mine.length > 0) applied += await this.write(op, mine, claimTime);
      });
    });
    return { applied, contended };
  }

  /** Steps 2–3 for one operation; the caller holds the document's lock. */
  private async write(op: string, signals: ApplicableSignal[], claimTime: number): Promise<number> {
    const { userId, surface } = signals[0];
    if (Date.now() - claimTime > this.options.leaseMs / 2) throw new UnavailableError('applying took too long; retry');
    await this.profiles.modify(userId, surface, async (current) => ({
      // Read after the document (inside its lock and CAS): a removal records its cut before it
      // strips the documents, so either this write sees the cut or the strip sees this write.
      ...this.withSignals(current, userId, surface, signals, await this.corrections.get(userId)),
      in_flight: [...(await this.settleMarkers(userId, current?.in_flight ?? [])), { op, since: new Date() }],
    }));
    await this.ledger.markOpApplied(op, userId, this.options.now());
    return signals.length;
  }

  /**
   * Drops markers whose operation is recorded applied. A marker older than a lease without a
   * record belongs to an owner that died after writing: its signals count already, so the record
   * is written now. Younger markers belong to live owners and are kept.
   */
  private async settleMarkers(userId: string, markers: InFlightMarker[]): Promise<InFlightMarker[]> {
    const cutoff = Date.now() - this.options.leaseMs;
    const kept: InFlightMarker[] = [];
    for (const marker of markers) {
      if (await this.ledger.isOpApplied(marker.op)) continue;
      if (marker.since.getTime() < cutoff) await this.ledger.markOpApplied(marker.op, userId, this.options.now());
      else kept.push(marker);
    }
    return kept;
  }

  /**
   * The document with `signals` added to its decayed scores (event times clamped to now). Removed
   * interests (docs/consent.md, "Corrections"): evidence older than the cut is stripped first, and
   * a signal about an event at or before a cut does not count for that topic and purpose.
   */
  private withSignals(current: ProfileDocument | undefined, userId: string, surface: number, signals: ApplicableSignal[], corrections: CorrectionsDocument | undefined): ProfileDocument {
    const nowMs = this.options.now().getTime();
    const stripped = current ? stripCutEvidence(current, corrections) : undefined;
    const kinds: ProfileDocument['kinds'] = { ...(stripped ?? current?.kinds ?? {}) };
    const removedSignals = this.keptRemovals(current, nowMs);
    const removed = new Set(removedSignals.map((entry) => entry.signal_id));
    for (const raw of signals) {
      // Deleted by the user (read inside this compare-and-set): a delivery never adds it back.
      if (removed.has(raw.signalId)) continue;
      const signal = withoutCutPurposes(raw, corrections, nowMs);
      if (!signal) continue;
      const kindKey = String(signal.sourceKind);
      const topics = (kinds[kindKey] = { ...(kinds[kindKey] ?? {}) });
      const existing = topics[signal.topicId];
      topics[signal.topicId] = fromTopicScores(
        addContribution(
          existing ? toTopicScores(existing) : undefined,
          {
            weight: signal.weight,
            // A future event time (clock skew) would outweigh everything: count it as now.
            eventTimeMs: Math.min(signal.eventTime.getTime(), nowMs),
            adsEligible: signal.adsEligible,
            contentEligible: signal.contentEligible,
          },
          this.options.halfLifeMs,
        ),
      );
    }
    return nextDocument(userId, surface, current, nowMs, kinds, removedSignals);
  }

  /** The document's removed-signal entries still within the ledger retention. */
  private keptRemovals(current: ProfileDocument | undefined, nowMs: number): RemovedSignal[] {
    return (current?.removed_signals ?? []).filter((entry) => entry.time.getTime() > nowMs - this.options.ledgerRetentionMs);
  }

  /**
   * Takes a deleted signal out of its profile document, once (docs/consent.md, "Deleting one
   * signal"). Decided inside the document's compare-and-set, the same one every ApplySignals
   * write of the document goes through, which also reads the removal list: a delivery that
   * commits after this write skips the signal, and one that committed before it left its trace
   * (its in-flight marker in the document, or its applied record), so the signal is subtracted
   * exactly when it had been added. `subtract: false` (an erasure covers the signal: its scores
   * are gone already) only records the removal.
   */
  async remove(signal: ApplicableSignal, options: { recordTime: Date | undefined; subtract: boolean }): Promise<RemoveOutcome> {
    const { userId, surface } = signal;
    return this.profiles.withLock(userId, surface, async () => {
      let outcome: RemoveOutcome = { wasApplied: false, first: false };
      await this.profiles.modify(userId, surface, async (current) => {
        const earlier = current?.removed_signals?.find((entry) => entry.signal_id === signal.signalId);
        if (earlier) {
          outcome = { wasApplied: earlier.applied, first: false };
          return undefined;
        }
        const nowMs = this.options.now().getTime();
        const applied = await this.wasAdded(signal, current, options.recordTime, nowMs);
        outcome = { wasApplied: applied, first: true };
        const kinds = applied && options.subtract && current ? this.withoutSignal(current, signal, await this.corrections.get(userId), nowMs) : (current?.kinds ?? {});
        return nextDocument(userId, surface, current, nowMs, kinds, [...this.keptRemovals(current, nowMs), { signal_id: signal.signalId, time: new Date(nowMs), applied }]);
      });
      return outcome;
    });
  }

  /** Whether a committed write of `current` (read inside the compare-and-set) added the signal. */
  private async wasAdded(signal: ApplicableSignal, current: ProfileDocument | undefined, recordTime: Date | undefined, nowMs: number): Promise<boolean> {
    const status = (await this.ledger.statuses([signal.signalId])).get(signal.signalId) as SignalStatus;
    if (status.state === 'applied') return true;
    // Claimed: added once its owner's write is in the document (its marker is there until the
    // applied record exists); a write still to come reads the removal list first.
    if (status.state === 'pending') return current?.in_flight.some((marker) => marker.op === status.op) ?? false;
    // Never claimed, or claimed so long ago that the claim expired (then it was applied: SignalService
    // delivers within the retention). Without a record time, assume it was applied (the subtraction
    // takes out no more than the signal could have added).
    return recordTime === undefined || recordTime.getTime() <= nowMs - this.options.ledgerRetentionMs;
  }

  /** The document's kinds without the signal's contribution (the purposes a removal cut left it). */
  private withoutSignal(current: ProfileDocument, raw: ApplicableSignal, corrections: CorrectionsDocument | undefined, nowMs: number): ProfileDocument['kinds'] {
    const signal = withoutCutPurposes(raw, corrections, nowMs);
    const kindKey = String(raw.sourceKind);
    const stored = current.kinds?.[kindKey]?.[raw.topicId];
    if (!signal || !stored) return current.kinds ?? {};
    const left = subtractContribution(
      toTopicScores(stored),
      { weight: signal.weight, eventTimeMs: Math.min(signal.eventTime.getTime(), nowMs), adsEligible: signal.adsEligible, contentEligible: signal.contentEligible },
      this.options.halfLifeMs,
    );
    const topics = { ...current.kinds[kindKey] };
    if (left) topics[raw.topicId] = fromTopicScores(left);
    else delete topics[raw.topicId];
    const kinds = { ...current.kinds };
    if (Object.keys(topics).length > 0) kinds[kindKey] = topics;
    else delete kinds[kindKey];
    return kinds;
  }
}

/** The next version of a profile document: the current one's version and in-flight markers, new scores and removals. */
function nextDocument(
  userId: string,
  surface: ProfileDocument['surface'],
  current: ProfileDocument | undefined,
  nowMs: number,
  kinds: ProfileDocument['kinds'],
  removedSignals: RemovedSignal[],
): ProfileDocument {
  return {
    _id: profileId(userId, surface),
    user_id: userId,
    surface,
    version: current?.version ?? 0,
    update_time: new Date(nowMs),
    kinds,
    in_flight: current?.in_flight ?? [],
    ...(removedSignals.length > 0 ? { removed_signals: removedSignals } : {}),
  };
}
