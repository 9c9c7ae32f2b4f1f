// The arithmetic of the open-loop load generator (tools/bench/loadgen.ts), kept pure so the smoke
// test can check it: the send schedule, latency from the intended send time, percentiles, and
// server CPU per request from /proc/<pid>/stat.

/**
 * Open loop: call i is due at start + i / rate, whether or not earlier calls have answered. A
 * closed loop (send the next call when one answers) sends less when the server is slow and so
 * hides exactly the latency that matters (coordinated omission).
 */
export function intendedSendMs(startMs: number, ratePerSec: number, index: number): number {
  return startMs + (index * 1000) / ratePerSec;
}

/** How many calls a run of `durationMs` at `ratePerSec` schedules: those due before its end. */
export function scheduledCalls(ratePerSec: number, durationMs: number): number {
  return Math.ceil((durationMs * ratePerSec) / 1000 - 1e-9);
}

/** The calls due at or before `nowMs` that have not been sent yet: indexes [sent, due). */
export function dueCalls(startMs: number, ratePerSec: number, sent: number, total: number, nowMs: number): number {
  if (nowMs < startMs) return sent;
  return Math.max(sent, Math.min(total, Math.floor(((nowMs - startMs) * ratePerSec) / 1000 + 1e-9) + 1));
}

/** Nearest-rank percentile of ascending `sorted` (p in (0, 100]); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    meanMs: sorted.length ? sum / sorted.length : NaN,
  };
}

/**
 * utime + stime of a whole process (every thread: main, GC helpers, libuv pool), in clock ticks,
 * from the text of /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted after its last ')'.
 */
export function cpuTicksOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Server CPU ms per request over a window: the process's CPU ticks spent in the window, less its
 * idle rate (pollers, timers; measured with no load) over the window's length, per request.
 */
export function cpuMsPerRequest(options: { ticksBefore: number; ticksAfter: number; ticksPerSec: number; windowMs: number; idleMsPerSec: number; requests: number }): { rawMs: number; netMs: number } {
  const spentMs = ((options.ticksAfter - options.ticksBefore) * 1000) / options.ticksPerSec;
  const idleMs = (options.idleMsPerSec * options.windowMs) / 1000;
  // No answered request, no per-request figure (not CPU over 1).
  if (options.requests <= 0) return { rawMs: NaN, netMs: NaN };
  return { rawMs: spentMs / options.requests, netMs: Math.max(0, spentMs - idleMs) / options.requests };
}
