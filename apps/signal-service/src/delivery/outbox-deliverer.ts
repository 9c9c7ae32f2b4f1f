import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ErasureGuard } from '@signalpath/erasure';
import { isGrpcServiceError, retryDelayOf } from '@signalpath/grpc-kit';
import type { profile } from '@signalpath/proto';
import type { ProfileClient } from '@signalpath/service-clients';
import type { Logger } from '@signalpath/telemetry';
import type { SignalMeters } from '../telemetry/meters';

import type { ClaimDoc, OutboxDoc } from '../store/documents';
import { entrySubject, type SignalStore } from '../store/signal-store';

export interface DeliveryOptions {
  /** Most signals per ApplySignals call. */
  batchSize: number;
  /** Calls' worth of entries claimed per round. */
  claimBatches: number;
  /** Poll interval while there is work, and the first idle interval. */
  intervalMs: number;
  /** Longest idle poll interval (new local work wakes the deliverer at once). */
  idleMaxMs: number;
  leaseMs: number;
  maxBackoffMs: number;
  /** Entries ProfileService refused as invalid are retried this long after (a fix may be deployed). */
  refusedRetryMs: number;
  timeoutMs: number;
}

/** The longest retry delay a ProfileService answer may impose (a bound on a bad or hostile value). */
export const MAX_ADVISED_RETRY_MS = 60_000;

/** The wait ProfileService advised (google.rpc.RetryInfo or grpc-retry-pushback-ms), bounded; 0 if none. */
function advisedDelayMs(error: unknown): number {
  return Math.min(MAX_ADVISED_RETRY_MS, retryDelayOf(error) ?? 0);
}

export interface DeliveryRound {
  claimed: number;
  delivered: number;
  /** The claim filled the batch: there is probably more. */
  full: boolean;
}

export function toProfileSignals(entry: OutboxDoc): profile.ProfileSignal[] {
  return entry.signals.map((s) => ({
    signalId: s.signalId,
    userId: entry.userId,
    surface: entry.surface,
    topicId: s.topicId,
    weight: s.weight,
    sourceKind: entry.sourceKind,
    modality: entry.modality,
    eventTime: entry.eventTime,
    adsEligible: s.adsEligible,
    contentEligible: s.contentEligible,
    recordTime: entry.recordedAt,
  }));
}

/**
 * Drains the outbox to ProfileService.ApplySignals. Entries are claimed with a lease (a unique
 * claim insert, see ClaimDoc), so two instances never send the same entry at once; a crashed
 * instance's lease simply expires. A failed call leaves the
 * entries pending with exponential backoff: nothing is lost while ProfileService is down, and the
 * backlog drains when it returns. ProfileService dedupes on signal_id, so a re-send after a crash
 * between "applied" and "removed from the outbox" is harmless.
 */
export class OutboxDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private nextRunAt = Number.POSITIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  private idleDelayMs: number;
  private consecutiveFailures = 0;
  /** Rounds finished since start, failed ones included (tests wait on progress with it). */
  rounds = 0;

  constructor(
    private readonly deps: {
      store: SignalStore;
      /** An entry an erasure covers is discarded, never claimed or sent; delivery logs are guarded too. */
      guard: ErasureGuard;
      profile: ProfileClient;
      options: DeliveryOptions;
      now: () => Date;
      logger: Logger;
      /** Delivery lag, delivered signals and failed rounds. */
      meters?: SignalMeters;
    },
  ) {
    this.idleDelayMs = deps.options.intervalMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * New entries were queued locally: deliver within one poll interval (not at once, so a burst of
   * ingests shares one round), unless ProfileService is failing and the backoff rules.
   */
  notify(): void {
    if (this.stopped || this.consecutiveFailures > 0) return;
    if (this.inFlight) {
      this.wakeRequested = true;
      return;
    }
    if (this.nextRunAt - Date.now() > this.deps.options.intervalMs) this.schedule(this.deps.options.intervalMs);
  }

  /** Rounds that failed in a row (0 after a successful one). */
  get failures(): number {
    return this.consecutiveFailures;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextRunAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextRunAt = Number.POSITIVE_INFINITY;
      this.inFlight = this.runRound().finally(() => (this.inFlight = undefined));
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    let next: number;
    try {
      const round = await this.deliverOnce();
      this.consecutiveFailures = 0;
      if (round.claimed === 0) {
        next = this.wakeRequested ? this.deps.options.intervalMs : this.idleDelayMs;
        this.idleDelayMs = Math.min(this.deps.options.idleMaxMs, this.idleDelayMs * 2);
      } else {
        this.idleDelayMs = this.deps.options.intervalMs;
        next = round.full ? 0 : this.deps.options.intervalMs;
      }
    } catch (error) {
      this.consecutiveFailures++;
      this.deps.meters?.deliveryFailed();
      // Never sooner than ProfileService asked (shed under load, store restarting).
      next = Math.max(this.backoffMs(this.consecutiveFailures), advisedDelayMs(error));
      this.deps.logger.warn(
        { code: isGrpcServiceError(error) ? status[error.code] : undefined, error_name: error instanceof Error ? error.name : 'unknown', failures: this.consecutiveFailures, retry_in_ms: next },
        'outbox delivery failed; entries stay pending',
      );
    }
    this.wakeRequested = false;
    this.rounds++;
    this.schedule(next);
  }

  /** Exponential backoff with jitter, capped. */
  private backoffMs(failures: number): number {
    const { intervalMs, maxBackoffMs } = this.deps.options;
    const base = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 20));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  /**
   * One round: claim up to `claimBatches` calls' worth of entries, send them in calls of at most
   * batchSize signals, then log and remove what was delivered. Claiming and removing scan the
   * outbox on stores without index use (FerretDB), so one round amortizes those over many calls.
   * Throws when a send fails, after releasing what was not delivered for a retry.
   */
  async deliverOnce(): Promise<DeliveryRound> {
    const { options } = this.deps;
    const claim = await this.claim(options.batchSize * options.claimBatches);
    if (claim.entries.length === 0) return { claimed: 0, delivered: 0, full: claim.full };
    const started = Date.now();
    const delivered: OutboxDoc[] = [];
    const refused: OutboxDoc[] = [];
    const send = (entries: OutboxDoc[]) => {
      // The call continues the trace of the first ingest it carries (one parent per call).
      const traceparent = entries.find((entry) => entry.traceparent)?.traceparent;
      const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active();
      return context.with(parent, () => this.deps.profile.applySignals({ signals: entries.flatMap(toProfileSignals) }, { timeoutMs: options.timeoutMs }));
    };
    for (const call of chunkBySignals(claim.entries, options.batchSize)) {
      // Keep well inside the lease, or another instance may claim what is still queued here.
      const late = Date.now() - started > options.leaseMs / 2;
      try {
        if (late) throw new Error('lease half over');
        try {
          await send(call);
          delivered.push(...call);
        } catch (error) {
          // ProfileService refused the batch as invalid: resending the same bytes never helps, and
          // one bad entry must not hold back the others it shares calls with. Each entry alone:
          // the good ones are delivered, the refused ones set aside (isolated below).
          if (!isInvalidArgument(error)) throw error;
          if (call.length === 1) refused.push(call[0]);
          else for (const entry of call) {
            try {
              await send([entry]);
              delivered.push(entry);
            } catch (single) {
              if (!isInvalidArgument(single)) throw single;
              refused.push(entry);
            }
          }
        }
      } catch (error) {
        await this.finish(delivered);
        await this.setAside(refused, claim.token);
        const handled = new Set([...delivered, ...refused].map((e) => e._id));
        await this.release({ ...claim, entries: claim.entries.filter((e) => !handled.has(e._id)) }, late ? 0 : undefined, advisedDelayMs(error)).catch(() => undefined); // failing too, the lease expiring does the same
        if (late) return { claimed: claim.entries.length, delivered: delivered.length, full: true };
        throw error;
      }
    }
    await this.finish(delivered);
    await this.setAside(refused, claim.token);
    return { claimed: claim.entries.length, delivered: delivered.reduce((n, e) => n + e.signals.length, 0), full: claim.full };
  }

  /**
   * Entries ProfileService refused as invalid on their own: kept in the outbox (pending, counted
   * by GetOutboxStatus, covered by erasure and export like every entry) and retried only after
   * refusedRetryMs (SIGNAL_DELIVERY_REFUSED_RETRY, 5 min), so a fix on either side (a deploy) lets
   * them through; never dropped.
   */
  private async setAside(entries: OutboxDoc[], token: string): Promise<void> {
    if (entries.length === 0) return;
    const { store } = this.deps;
    const ids = entries.map((e) => e._id);
    const retryAt = new Date(this.deps.now().getTime() + this.deps.options.refusedRetryMs);
    await store.outbox.updateMany({ _id: { $in: ids } }, { $set: { availableAt: retryAt }, $inc: { attempts: 1 } });
    await store.claims.deleteMany({ entryId: { $in: ids }, token });
    this.deps.logger.warn({ entries: entries.length, retry_in_ms: this.deps.options.refusedRetryMs }, 'outbox entries refused by ProfileService as invalid; kept pending, retried later');
  }

  /**
   * Logs, then removes, delivered entries: a crash in between re-sends a batch ProfileService
   * ignores, never loses one. An entry queued again meanwhile (a retry or a recovery) is removed
   * too, which is right: a record's entry always carries the same signals, just delivered.
   */
  private async finish(entries: OutboxDoc[]): Promise<void> {
    if (entries.length === 0) return;
    const { store, guard } = this.deps;
    const ids = entries.map((e) => e._id);
    const deliveredAt = this.deps.now();
    // An erasure recorded while the batch was on its way: the entries go, but are not logged.
    await guard.write(
      entries,
      entrySubject,
      (kept) => store.logDelivered(kept.map((e) => ({ _id: e._id, userId: e.userId, sourceKind: e.sourceKind, signalCount: e.signals.length, deliveredAt }))),
      (covered) => store.deleteDelivered(covered.map((c) => c.item._id)),
    );
    await store.outbox.deleteMany({ _id: { $in: ids } });
    await store.claims.deleteMany({ entryId: { $in: ids } });
    this.deps.meters?.deliveredEntries(
      entries.map((e) => e.createdAt),
      entries.reduce((n, e) => n + e.signals.length, 0),
      deliveredAt.getTime(),
    );
  }

  /**
   * Makes entries claimable again: after a backoff (at least `advisedMs`, what ProfileService
   * asked for) when their send failed, at once otherwise.
   */
  private async release(claim: Claim, delayMs?: number, advisedMs = 0): Promise<void> {
    if (claim.entries.length === 0) return;
    const { store } = this.deps;
    const attempts = Math.max(...claim.entries.map((e) => e.attempts)) + 1;
    const retryAt = new Date(this.deps.now().getTime() + (delayMs ?? Math.max(this.backoffMs(attempts), advisedMs)));
    const ids = claim.entries.map((e) => e._id);
    await store.outbox.updateMany({ _id: { $in: ids } }, delayMs === 0 ? { $set: { availableAt: retryAt } } : { $set: { availableAt: retryAt }, $inc: { attempts: 1 } });
    await store.claims.deleteMany({ entryId: { $in: ids }, token: claim.token });
  }

  /**
   * Claims due entries, oldest first, up to batchSize signals. A claim is the insert of the
   * entry's next claim number (unique), allowed when the entry has no live claim; the insert that
   * loses a race fails, so exactly one deliverer holds an entry until its lease ends.
   */
  private async claim(maxSignals: number): Promise<Claim> {
    const { store, guard } = this.deps;
    const now = this.deps.now();
    const token = randomUUID();
    const leaseUntil = new Date(now.getTime() + this.deps.options.leaseMs);
    const candidates = await store.outbox.find({ availableAt: { $lte: now } }).sort({ availableAt: 1 }).limit(maxSignals).toArray();
    let picked: OutboxDoc[] = [];
    let signalCount = 0;
    for (const entry of candidates) {
      if (picked.length > 0 && signalCount + entry.signals.length > maxSignals) break;
      picked.push(entry);
      signalCount += entry.signals.length;
    }
    // More is probably waiting; unless other deliverers hold some of these, go again at once.
    const more = picked.length < candidates.length || candidates.length === maxSignals;
    if (picked.length === 0) return { entries: [], token, full: false };
    // An erased user's past is discarded here, not delivered (ProfileService would refuse it too).
    const coverage = await guard.check(picked.map((e) => e.userId));
    const erased = picked.filter((e) => coverage.covers(entrySubject(e)));
    if (erased.length > 0) {
      await store.discardEntries(erased.map((e) => e._id));
      picked = picked.filter((e) => !erased.includes(e));
      if (picked.length === 0) return { entries: [], token, full: more };
    }
    const byId = new Map(picked.map((e) => [e._id, e]));

    const latest = new Map<string, ClaimDoc>();
    for (const existing of await store.claims.find({ entryId: { $in: picked.map((e) => e._id) } }).toArray()) {
      const current = latest.get(existing.entryId);
      if (!current || current.seq < existing.seq) latest.set(existing.entryId, existing);
    }
    const attempts: ClaimDoc[] = [];
    for (const entry of picked) {
      const current = latest.get(entry._id);
      if (current && current.leaseUntil > now) continue; // someone is delivering it
      const seq = (current?.seq ?? 0) + 1;
      attempts.push({ _id: `${entry._id}#${seq}`, entryId: entry._id, userId: entry.userId, sourceKind: entry.sourceKind, seq, token, leaseUntil });
    }
    const lost = await store.insertClaims(attempts);
    let won = attempts.filter((_, i) => !lost.has(i));
    if (won.length > 0 && guard.isLate(coverage)) {
      // The claims landed late: an erasure may have made its final pass meanwhile.
      const again = await guard.check(won.map((c) => byId.get(c.entryId)?.userId ?? ''));
      const erasedNow = won.filter((c) => again.covers(entrySubject(byId.get(c.entryId) as OutboxDoc)));
      await store.discardEntries(erasedNow.map((c) => c.entryId));
      won = won.filter((c) => !erasedNow.includes(c));
    }
    if (won.length === 0) return { entries: [], token, full: false };
    const wonIds = won.map((c) => c.entryId);
    // Re-read: an entry delivered and removed by another instance just before our claim is gone now.
    const entries = await store.outbox.find({ _id: { $in: wonIds } }).toArray();
    if (entries.length < won.length) {
      const present = new Set(entries.map((e) => e._id));
      await store.claims.deleteMany({ _id: { $in: won.filter((c) => !present.has(c.entryId)).map((c) => c._id) } });
    }
    return { entries, token, full: more && entries.length === picked.length };
  }
}

interface Claim {
  entries: OutboxDoc[];
  /** Tags this round's claim documents. */
  token: string;
  full: boolean;
}

/** Splits entries into calls of at most `maxSignals` signals (an entry is never split). */
export function chunkBySignals(entries: OutboxDoc[], maxSignals: number): OutboxDoc[][] {
  const calls: OutboxDoc[][] = [];
  let current: OutboxDoc[] = [];
  let count = 0;
  for (const entry of entries) {
    if (current.length > 0 && count + entry.signals.length > maxSignals) {
      calls.push(current);
      current = [];
      count = 0;
    }
    current.push(entry);
    count += entry.signals.length;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

function isInvalidArgument(error: unknown): boolean {
  return isGrpcServiceError(error) && error.code === status.INVALID_ARGUMENT;
}
