import {
  Metadata,
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { deadlineMsOf } from './deadline';
import { RETRY_PUSHBACK_TRAILER, statusMetadata } from './status-details';

/**
 * Load shedding for one service: at most `maxConcurrent` calls run at once, at most `maxQueue`
 * wait, and everything beyond is refused at once with RESOURCE_EXHAUSTED and a retry hint —
 * instead of every call slowing down together until all of them time out.
 */
export interface AdmissionLimits {
  /** Calls handled at once; more wait in the queue. */
  maxConcurrent: number;
  /** Calls that may wait for a slot; a call arriving when the queue is full is refused at once. */
  maxQueue: number;
}

/**
 * Measured with tools/bench/admission.ts on a 2-core machine against FerretDB
 * (docs/benchmarks/admission.md): Recommend's and IngestInteraction's throughput stops growing at
 * about 32 calls in flight while their latency doubles with every doubling beyond, and
 * CheckEligibility's falls past 64; so 32 keeps the database and event loop busy without letting
 * latency run away. The queue
 * holds about 10 s of the slowest service's peak (IngestInteraction, ~100–200/s); a call whose
 * deadline the queue cannot meet is refused or dropped early anyway, so a long queue never turns
 * into timeouts.
 */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxConcurrent: 32, maxQueue: 2_000 };

export type OverloadReason = 'queue_full' | 'deadline_unreachable' | 'dropped_before_deadline';

export interface Overload {
  reason: OverloadReason;
  /** Suggested wait before a retry, ms. */
  retryAfterMs: number;
}

const REASON_TEXT: Record<OverloadReason, string> = {
  queue_full: 'too many calls waiting',
  deadline_unreachable: 'the queue is longer than the call deadline',
  dropped_before_deadline: 'the call would not start before its deadline',
};

/** ErrorInfo.reason of a shed call; metadata `cause` says which rule shed it. */
export const OVERLOADED_REASON = 'OVERLOADED';

/**
 * The RESOURCE_EXHAUSTED answer to a shed call, the one place that builds it: a message, the
 * `grpc-retry-pushback-ms` trailer (gRFC A6, obeyed by grpc-js's own retries) and the same advice
 * as google.rpc.RetryInfo in `grpc-status-details-bin`, with an ErrorInfo naming the cause.
 */
export function overloadedError(overload: Overload): { code: status; details: string; metadata: Metadata } {
  const details = `server overloaded (${REASON_TEXT[overload.reason]}); retry after ${overload.retryAfterMs} ms`;
  const metadata = statusMetadata(status.RESOURCE_EXHAUSTED, details, {
    retryDelayMs: overload.retryAfterMs,
    errorInfo: { reason: OVERLOADED_REASON, metadata: { cause: overload.reason } },
  });
  metadata.set(RETRY_PUSHBACK_TRAILER, String(overload.retryAfterMs));
  return { code: status.RESOURCE_EXHAUSTED, details, metadata };
}

export interface AdmissionStats {
  running: number;
  queued: number;
  admitted: number;
  refused: Record<OverloadReason, number>;
  /** Smoothed handler time (admission to answer), ms. */
  serviceMs: number;
}

interface Waiter {
  /** Absolute deadline (ms since epoch), Infinity when the call has none. */
  deadline: number;
  start: () => void;
  refuse: (overload: Overload) => void;
  /** How long before its deadline the call must be answered (see marginMs). */
  marginMs: number;
  queued: boolean;
  timer?: NodeJS.Timeout;
  done: boolean;
}

/**
 * How long before the server's view of a deadline a call must be answered for the answer to beat
 * the client's timer. The server starts its clock only when it reads the call, which a busy
 * process does late (in a 2,000-call burst on a loaded machine the last calls were read seconds
 * after they were sent), and its own timers and answers run late by the event loop's current lag:
 * so a fixed part, a tenth of the time the call has left (a twentieth let 2–5 % of a burst's
 * answers arrive after the client's deadline in CI), and the loop lag measured now.
 */
function marginMs(remainingMs: number, loopLagMs: number): number {
  return 50 + (Number.isFinite(remainingMs) ? remainingMs / 10 : 0) + loopLagMs;
}

/**
 * The event loop's recent lag: how late a 50 ms timer fired, the worst of the last second. One
 * sampler per process, started by the first gate that asks and never keeping the process alive.
 */
const LAG_SAMPLE_MS = 50;
const LAG_WINDOW = 20;
let lagSampler: { samples: number[]; read(): number } | undefined;
export function eventLoopLagMs(): number {
  if (!lagSampler) {
    const samples: number[] = [];
    let expected = performance.now() + LAG_SAMPLE_MS;
    setInterval(() => {
      const now = performance.now();
      samples.push(Math.max(0, now - expected));
      if (samples.length > LAG_WINDOW) samples.shift();
      expected = now + LAG_SAMPLE_MS;
    }, LAG_SAMPLE_MS).unref();
    lagSampler = { samples, read: () => Math.max(0, ...samples) };
  }
  return lagSampler.read();
}

/** Service-time estimate before anything was measured. */
const INITIAL_SERVICE_MS = 20;
/**
 * A call is refused on arrival only when the queue's estimated wait exceeds its time left by this
 * factor. Estimates are pessimistic during a burst (receiving the burst slows every handler while
 * it lasts, measured: a 2,000-call burst refused 15–20% on arrival that were then served in time
 * at factor 1); a call admitted that cannot make it is still dropped before its deadline.
 */
const UNREACHABLE_FACTOR = 1.5;
const MIN_RETRY_MS = 20;
const MAX_RETRY_MS = 10_000;

/**
 * The admission queue of one server. FIFO; a queued call whose deadline can no longer be met is
 * answered RESOURCE_EXHAUSTED early (a timer fires before its deadline), so a caller learns at
 * once, never by its own timeout. Estimates come from the measured handler time: a smoothed mean,
 * plus twice the smoothed deviation where a call's own run must fit.
 */
export class AdmissionGate {
  private running = 0;
  /** Queued calls still waiting (answered or cancelled ones may linger in `queue` until reached). */
  private waiting = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;
  private meanMs = INITIAL_SERVICE_MS;
  private deviationMs = INITIAL_SERVICE_MS / 2;
  private admitted = 0;
  private readonly refused: Record<OverloadReason, number> = { queue_full: 0, deadline_unreachable: 0, dropped_before_deadline: 0 };

  constructor(
    readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
    private readonly loopLagMs: () => number = eventLoopLagMs,
  ) {
    if (!(Number.isInteger(limits.maxConcurrent) && limits.maxConcurrent >= 1) || !(Number.isInteger(limits.maxQueue) && limits.maxQueue >= 0)) {
      throw new Error('admission limits: maxConcurrent must be an integer ≥ 1 and maxQueue an integer ≥ 0');
    }
  }

  stats(): AdmissionStats {
    return { running: this.running, queued: this.waiting, admitted: this.admitted, refused: { ...this.refused }, serviceMs: Math.round(this.meanMs) };
  }

  /** Likely handler time of one call: mean + 2 deviations. */
  private serviceEstimateMs(): number {
    return this.meanMs + 2 * this.deviationMs;
  }

  /** When a call with `ahead` calls queued before it would likely start. */
  private waitEstimateMs(ahead: number): number {
    return ((ahead + 1) * this.meanMs) / this.limits.maxConcurrent;
  }

  /** Retry hint: about the time the current queue takes to drain, with jitter so retries spread. */
  private retryAfterMs(): number {
    const drain = this.waitEstimateMs(this.waiting);
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, drain)) * (1 + this.random() / 2));
  }

  /**
   * Runs `start` now or when a slot frees, or calls `refuse` (at once, or before the deadline
   * when the call cannot start in time). Every `start` must be matched by one `release()`.
   * `cancel()` withdraws a call still waiting (its caller went away).
   */
  enter(deadline: number, start: () => void, refuse: (overload: Overload) => void): { cancel(): void } {
    const now = this.now();
    const waiter: Waiter = { deadline, start, refuse, marginMs: marginMs(deadline - now, this.loopLagMs()), queued: false, done: false };
    const ticket = { cancel: () => this.withdraw(waiter) };
    if (this.running < this.limits.maxConcurrent && this.waiting === 0) {
      this.begin(waiter);
      return ticket;
    }
    if (this.waiting >= this.limits.maxQueue) {
      this.shed(waiter, 'queue_full');
      return ticket;
    }
    const latestStart = deadline - this.serviceEstimateMs() - waiter.marginMs;
    if (this.waitEstimateMs(this.waiting) > UNREACHABLE_FACTOR * (latestStart - now)) {
      this.shed(waiter, 'deadline_unreachable');
      return ticket;
    }
    waiter.queued = true;
    this.waiting++;
    this.queue.push(waiter);
    if (Number.isFinite(deadline)) {
      waiter.timer = setTimeout(() => {
        if (!waiter.done) this.shed(waiter, 'dropped_before_deadline');
      }, Math.max(0, latestStart - now));
      waiter.timer.unref?.();
    }
    return ticket;
  }

  /**
   * A started call finished after `elapsedMs` (undefined: it was cancelled, which says nothing
   * about how long calls take); the next waiter may start.
   */
  release(elapsedMs?: number): void {
    this.running--;
    if (elapsedMs !== undefined) {
      const error = elapsedMs - this.meanMs;
      this.meanMs += error / 8;
      this.deviationMs += (Math.abs(error) - this.deviationMs) / 4;
    }
    this.next();
  }

  /** Marks a waiter answered, taking it out of the waiting count. */
  private settle(waiter: Waiter): void {
    waiter.done = true;
    clearTimeout(waiter.timer);
    if (waiter.queued) this.waiting--;
  }

  private withdraw(waiter: Waiter): void {
    if (!waiter.done) this.settle(waiter);
  }

  private begin(waiter: Waiter): void {
    this.settle(waiter);
    this.running++;
    this.admitted++;
    waiter.start();
  }

  private shed(waiter: Waiter, reason: OverloadReason): void {
    this.settle(waiter);
    this.refused[reason]++;
    waiter.refuse({ reason, retryAfterMs: this.retryAfterMs() });
  }

  private next(): void {
    while (this.running < this.limits.maxConcurrent && this.head < this.queue.length) {
      const waiter = this.queue[this.head++];
      if (waiter.done) continue;
      if (this.now() + this.serviceEstimateMs() + waiter.marginMs > waiter.deadline) this.shed(waiter, 'dropped_before_deadline');
      else this.begin(waiter);
    }
    // Reclaim the array once the consumed front is most of it.
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * Wraps a unary handler so it runs only when the gate admits the call. The slot is freed when the
 * handler answers or the call is cancelled (a handler stuck past its caller cannot hold a slot).
 */
export function admitUnary<Req, Res>(gate: AdmissionGate, handler: handleUnaryCall<Req, Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let startedAt = 0;
    let released = false;
    const release = (measured: boolean) => {
      if (released || startedAt === 0) return;
      released = true;
      gate.release(measured ? Date.now() - startedAt : undefined);
    };
    const ticket = gate.enter(
      deadlineMsOf(call),
      () => {
        startedAt = Date.now();
        if (call.cancelled) {
          release(false);
          return;
        }
        handler(call, (error, value, trailer, flags) => {
          release(true);
          callback(error, value, trailer, flags);
        });
      },
      (overload) => callback(overloadedError(overload)),
    );
    call.once('cancelled', () => {
      ticket.cancel();
      release(false);
    });
  };
}

/**
 * The service's unary handlers behind `gate`; streaming handlers are left as they are. Resolves
 * handlers the way grpc-js does (by key, then by the proto method name).
 */
export function admitService(definition: ServiceDefinition, implementation: UntypedServiceImplementation, gate: AdmissionGate): UntypedServiceImplementation {
  const guarded: UntypedServiceImplementation = { ...implementation };
  for (const [key, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    const name = implementation[key] !== undefined ? key : method.originalName;
    const handler = name !== undefined ? (implementation[name] as UntypedHandleCall | undefined) : undefined;
    if (name !== undefined && typeof handler === 'function') guarded[name] = admitUnary(gate, handler as handleUnaryCall<unknown, unknown>);
  }
  return guarded;
}
