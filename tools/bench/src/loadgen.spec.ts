import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadConfig, LoadResult } from '../loadgen';
import { cpuMsPerRequest, cpuTicksOfStat, dueCalls, intendedSendMs, median, percentile, scheduledCalls, summarize } from '../lib/open-loop';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const METHOD = '/signalpath.bench.v1.EchoService/Echo';

/** A tiny echo server in this process: raw bytes, answering after `delayMs`, counting calls. */
async function startEcho(delayMs: number) {
  const server = new grpc.Server();
  let received = 0;
  const identity = (b: Buffer) => b;
  server.addService(
    { Echo: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        received++;
        setTimeout(() => callback(null, call.request), delayMs);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))));
  return { address: `127.0.0.1:${port}`, received: () => received, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** Runs the generator as a separate process (as the benchmarks do) and parses its report. */
function runGenerator(config: LoadConfig): Promise<{ result: LoadResult; pid: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadgen-spec-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['tools/run.mjs', 'tools/bench/loadgen.ts', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`loadgen exited ${code}: ${err}`));
      resolve({ result: JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult, pid: child.pid ?? 0 });
    });
  });
}

describe('open-loop arithmetic', () => {
  it('schedules call i at start + i/rate and counts the calls a duration holds', () => {
    expect(intendedSendMs(1000, 200, 0)).toBe(1000);
    expect(intendedSendMs(1000, 200, 7)).toBeCloseTo(1035, 9);
    expect(scheduledCalls(200, 2000)).toBe(400);
    expect(scheduledCalls(3, 1000)).toBe(3);
    expect(scheduledCalls(300, 20_000)).toBe(6000);
    // Due: every call whose time has come, none before the start, never more than the total.
    expect(dueCalls(1000, 200, 0, 400, 999)).toBe(0);
    expect(dueCalls(1000, 200, 0, 400, 1000)).toBe(1);
    expect(dueCalls(1000, 200, 1, 400, 1004.9)).toBe(1);
    expect(dueCalls(1000, 200, 1, 400, 1005)).toBe(2);
    // A stalled sender catches up by sending every overdue call at once (open loop), not by skipping.
    expect(dueCalls(1000, 200, 2, 400, 1100)).toBe(21);
    expect(dueCalls(1000, 200, 0, 400, 10_000)).toBe(400);
  });

  it('takes nearest-rank percentiles and medians', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ count: 5, p50Ms: 3, p99Ms: 5, maxMs: 5, meanMs: 3 });
  });

  it('reads utime+stime from /proc/<pid>/stat past a command name with spaces and parentheses, and divides by answered requests', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 11 0 100 1000 500';
    expect(cpuTicksOfStat(stat)).toBe(175);
    // 60 ticks = 600 ms in a 2 s window with 10 ms/s idle: (600 − 20) / 100 requests.
    expect(cpuMsPerRequest({ ticksBefore: 100, ticksAfter: 160, ticksPerSec: 100, windowMs: 2000, idleMsPerSec: 10, requests: 100 })).toEqual({ rawMs: 6, netMs: 5.8 });
    expect(cpuMsPerRequest({ ticksBefore: 1, ticksAfter: 2, ticksPerSec: 100, windowMs: 1000, idleMsPerSec: 0, requests: 0 }).netMs).toBeNaN();
  });
});

describe('load generator process against a tiny echo server', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  const DELAY_MS = 40;
  beforeAll(async () => {
    echo = await startEcho(DELAY_MS);
  });
  afterAll(async () => {
    await echo.stop();
  });

  it('sends every scheduled call on the clock (not on completion), times from the intended send, and accounts the server CPU', async () => {
    const rate = 200;
    const config: LoadConfig = {
      address: echo.address,
      method: METHOD,
      requests: [Buffer.from('a').toString('base64'), Buffer.from('bb').toString('base64')],
      ratePerSec: rate,
      warmupMs: 250,
      durationMs: 2_000,
      raw: true,
      cpu: { server: { pid: process.pid, idleMsPerSec: 0 } },
    };
    const { result, pid } = await runGenerator(config);
    expect(pid).not.toBe(process.pid);

    // Open loop: every scheduled call was sent although each answer takes DELAY_MS (a closed loop
    // of a few workers would have sent far fewer), at exactly i/rate after the first.
    expect(result.scheduled).toBe(400);
    expect(echo.received()).toBe(scheduledCalls(rate, 250) + 400);
    expect(result.ok + result.dropped + Object.values(result.errors).reduce((a, b) => a + b, 0)).toBe(400);
    expect(result.ok).toBe(400);
    const offsets = result.raw?.intendedOffsetMs ?? [];
    expect(offsets).toHaveLength(400);
    offsets.forEach((offset, i) => expect(offset).toBeCloseTo((i * 1000) / rate, 6));
    expect(result.maxInFlight).toBeGreaterThan(1);

    // The report's percentiles are those of the per-call latencies, each at least the server's delay
    // (measured from the intended send time, so never less than from the actual send).
    const latencies = result.raw?.latencyMs ?? [];
    for (const l of latencies) expect(l).toBeGreaterThanOrEqual(DELAY_MS);
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(result.latency.count).toBe(400);
    expect(result.latency.p50Ms).toBe(percentile(sorted, 50));
    expect(result.latency.p99Ms).toBe(percentile(sorted, 99));
    expect(result.latency.maxMs).toBe(sorted[399]);
    expect(result.latency.p50Ms).toBeGreaterThanOrEqual(result.latencyFromSend.p50Ms);

    // CPU: this process's ticks over the window, per answered request.
    const cpu = result.cpu.server;
    expect(cpu.ticksAfter).toBeGreaterThanOrEqual(cpu.ticksBefore);
    expect(cpu.requests).toBe(400);
    expect(cpu.msPerRequest).toBeCloseTo(((cpu.ticksAfter - cpu.ticksBefore) * 10) / 400, 9);
    expect(result.loadAverage).toHaveLength(3);
  }, 60_000);
});
