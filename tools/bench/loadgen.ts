// The open-loop load generator: a process of its own (never the server's process or event loop)
// that sends one unary RPC at a fixed arrival rate, scheduled by the clock and not by completions,
// and times every call from its intended send time (no coordinated omission: a slow answer
// cannot delay the next send and so hide itself).
//   node tools/run.mjs tools/bench/loadgen.ts <config.json>   → one JSON line on stdout
// Requests arrive serialized (base64) and responses are not decoded, so the generator's own work
// per call is small whatever the message; that work, the clock's lag behind the schedule, is
// reported (sendLag) rather than hidden. Server CPU is read from /proc/<pid>/stat of the processes
// named in the config at the measured window's edges.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { operatorCredentials } from '../lib/operator';
import { cpuMsPerRequest, cpuTicksOfStat, dueCalls, intendedSendMs, scheduledCalls, summarize, type LatencySummary } from './lib/open-loop';

export interface LoadConfig {
  address: string;
  /** Full method path, e.g. /signalpath.ranking.v1.RankingService/Rank. */
  method: string;
  /** Serialized requests (base64), sent in turn. */
  requests: string[];
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  /** Per call. */
  deadlineMs?: number;
  /** Calls in flight beyond this are not sent and count as dropped (the generator protects itself). */
  maxInFlight?: number;
  /** Service token of this identity for `audience` (the development keys in .keys/), when set. */
  auth?: { identity: string; audience: string };
  /** Processes whose CPU to account: name → pid, and each one's idle CPU ms per second. */
  cpu?: Record<string, { pid: number; idleMsPerSec: number }>;
  /** Include every measured call's intended offset and latency (the smoke test checks the arithmetic). */
  raw?: boolean;
}

export interface CpuResult {
  ticksBefore: number;
  ticksAfter: number;
  ticksPerSec: number;
  windowMs: number;
  idleMsPerSec: number;
  requests: number;
  rawMsPerRequest: number;
  msPerRequest: number;
}

export interface LoadResult {
  ratePerSec: number;
  durationMs: number;
  scheduled: number;
  ok: number;
  errors: Record<string, number>;
  dropped: number;
  /** From the intended send time to the answer. */
  latency: LatencySummary;
  /** From the actual send to the answer (what a closed-loop tool would report). */
  latencyFromSend: LatencySummary;
  /** How late the generator sent calls behind their schedule. */
  sendLag: LatencySummary;
  /** OK answers per second of the measured window. */
  achievedPerSec: number;
  maxInFlight: number;
  cpu: Record<string, CpuResult>;
  loadAverage: number[];
  raw?: { intendedOffsetMs: number[]; latencyMs: number[] };
}

// /proc reports CPU time in USER_HZ ticks, 100 per second on every Linux (whatever the kernel's HZ).
const TICKS_PER_SEC = 100;

function readTicks(pid: number): number {
  return cpuTicksOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export async function runLoad(config: LoadConfig): Promise<LoadResult> {
  const client = new grpc.Client(config.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const metadataOf = config.auth ? operatorCredentials(config.auth.identity)(config.auth.audience).metadataProvider : undefined;
  const bodies = config.requests.map((r) => Buffer.from(r, 'base64'));
  const identity = (b: Buffer) => b;
  const deadlineMs = config.deadlineMs ?? 10_000;
  const maxInFlightAllowed = config.maxInFlight ?? 5_000;
  // Ready before the clock starts: a first call opens the connection and mints the token.
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())));

  const warmupCalls = scheduledCalls(config.ratePerSec, config.warmupMs);
  const measuredCalls = scheduledCalls(config.ratePerSec, config.durationMs);
  const total = warmupCalls + measuredCalls;
  const latency = new Float64Array(measuredCalls).fill(NaN);
  const fromSend = new Float64Array(measuredCalls).fill(NaN);
  const lag = new Float64Array(measuredCalls);
  const errors: Record<string, number> = {};
  let dropped = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let outstandingMeasured = measuredCalls;
  let windowStart = NaN;
  const ticksBefore: Record<string, number> = {};
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));

  const start = performance.now() + 20;
  const measuredStart = intendedSendMs(start, config.ratePerSec, warmupCalls);
  const finishMeasured = () => {
    if (--outstandingMeasured === 0) allDone();
  };

  const send = async (index: number) => {
    const measured = index >= warmupCalls;
    const slot = index - warmupCalls;
    const intended = intendedSendMs(start, config.ratePerSec, index);
    if (measured && slot === 0) {
      windowStart = performance.now();
      for (const [name, { pid }] of Object.entries(config.cpu ?? {})) ticksBefore[name] = readTicks(pid);
    }
    if (inFlight >= maxInFlightAllowed) {
      if (measured) {
        dropped++;
        finishMeasured();
      }
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let metadata: grpc.Metadata;
    try {
      metadata = metadataOf ? await metadataOf() : new grpc.Metadata();
    } catch {
      metadata = new grpc.Metadata();
    }
    const sentAt = performance.now();
    if (measured) lag[slot] = sentAt - intended;
    client.makeUnaryRequest(config.method, identity, identity, bodies[index % bodies.length], metadata, { deadline: Date.now() + deadlineMs }, (error) => {
      const now = performance.now();
      inFlight--;
      if (!measured) return;
      if (error) {
        const code = grpc.status[error.code] ?? String(error.code);
        errors[code] = (errors[code] ?? 0) + 1;
      } else {
        latency[slot] = now - intended;
        fromSend[slot] = now - sentAt;
      }
      finishMeasured();
    });
  };

  let sent = 0;
  const tick = () => {
    const now = performance.now();
    const due = dueCalls(start, config.ratePerSec, sent, total, now);
    for (; sent < due; sent++) void send(sent);
    if (sent < total) setTimeout(tick, Math.max(0, intendedSendMs(start, config.ratePerSec, sent) - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  if (measuredCalls === 0) allDone();
  await done;
  const windowEnd = performance.now();
  client.close();

  const okLatencies = Array.from(latency).filter((v) => !Number.isNaN(v));
  const cpu: Record<string, CpuResult> = {};
  for (const [name, { pid, idleMsPerSec }] of Object.entries(config.cpu ?? {})) {
    const ticksAfter = readTicks(pid);
    const windowMs = windowEnd - windowStart;
    const { rawMs, netMs } = cpuMsPerRequest({ ticksBefore: ticksBefore[name], ticksAfter, ticksPerSec: TICKS_PER_SEC, windowMs, idleMsPerSec, requests: okLatencies.length });
    cpu[name] = { ticksBefore: ticksBefore[name], ticksAfter, ticksPerSec: TICKS_PER_SEC, windowMs, idleMsPerSec, requests: okLatencies.length, rawMsPerRequest: rawMs, msPerRequest: netMs };
  }
  const result: LoadResult = {
    ratePerSec: config.ratePerSec,
    durationMs: config.durationMs,
    scheduled: measuredCalls,
    ok: okLatencies.length,
    errors,
    dropped,
    latency: summarize(okLatencies),
    latencyFromSend: summarize(Array.from(fromSend).filter((v) => !Number.isNaN(v))),
    sendLag: summarize(Array.from(lag)),
    // Answers over the span from the first measured send's schedule to the last answer.
    achievedPerSec: (okLatencies.length * 1000) / Math.max(1, windowEnd - measuredStart),
    maxInFlight,
    cpu,
    loadAverage: loadavg(),
  };
  if (config.raw) result.raw = { intendedOffsetMs: Array.from({ length: measuredCalls }, (_, i) => intendedSendMs(start, config.ratePerSec, warmupCalls + i) - measuredStart), latencyMs: Array.from(latency) };
  return result;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node tools/run.mjs tools/bench/loadgen.ts <config.json>\n');
    process.exit(2);
  }
  runLoad(JSON.parse(readFileSync(file, 'utf8')) as LoadConfig).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`loadgen: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
