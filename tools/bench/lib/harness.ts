// Benchmark harness: latency percentiles and throughput of an async operation, at a given
// concurrency, for a fixed duration. Results are stated as ratios to baselines measured in the
// same run, because the machines are shared and noisy.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Stats {
  name: string;
  concurrency: number;
  count: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  throughputPerSec: number;
}

export interface MeasureOptions {
  concurrency?: number;
  durationMs?: number;
  warmupMs?: number;
  /** Stop after this many operations even if time remains. */
  maxOps?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

async function runFor(op: () => Promise<unknown>, concurrency: number, durationMs: number, maxOps: number, record: boolean) {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end && started < maxOps) {
      started++;
      const t0 = performance.now();
      try {
        await op();
        if (record) latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, elapsedMs: performance.now() - t0 };
}

/** Runs `op` with `concurrency` in flight for `durationMs` after a warm-up. */
export async function measure(name: string, op: () => Promise<unknown>, options: MeasureOptions = {}): Promise<Stats> {
  const concurrency = options.concurrency ?? 1;
  const maxOps = options.maxOps ?? Number.POSITIVE_INFINITY;
  await runFor(op, concurrency, options.warmupMs ?? 500, maxOps, false);
  const { latencies, errors, elapsedMs } = await runFor(op, concurrency, options.durationMs ?? 3_000, maxOps, true);
  const sorted = Float64Array.from(latencies).sort();
  const stats: Stats = {
    name,
    concurrency,
    count: sorted.length,
    errors,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    throughputPerSec: (sorted.length / elapsedMs) * 1000,
  };
  process.stderr.write(`  measured ${name} (c=${concurrency}): p50 ${stats.p50Ms.toFixed(3)} ms, p99 ${stats.p99Ms.toFixed(3)} ms, ${stats.throughputPerSec.toFixed(0)}/s, errors ${errors}\n`);
  return stats;
}

export interface Target {
  name: string;
  /** The measured ratio or value. */
  value: number;
  /** Human-readable bound, e.g. "≤ 2.0× echo p50". */
  bound: string;
  pass: boolean;
}

export function ratioTarget(name: string, value: number, max: number, bound: string): Target {
  return { name, value, bound, pass: value <= max };
}

export function minTarget(name: string, value: number, min: number, bound: string): Target {
  return { name, value, bound, pass: value >= min };
}

const fmt = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3)) : String(n));

/** Prints a table, PASS/FAIL per target, and saves JSON under docs/benchmarks/<file>.json. */
export function report(title: string, rows: Stats[], targets: Target[], file: string, extra: Record<string, unknown> = {}): boolean {
  const lines = [
    `\n## ${title}\n`,
    '| scenario | c | ops | errors | p50 ms | p90 ms | p99 ms | ops/s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.concurrency} | ${r.count} | ${r.errors} | ${fmt(r.p50Ms)} | ${fmt(r.p90Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.throughputPerSec)} |`),
    '',
    '| target | measured | bound | result |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${fmt(t.value)} | ${t.bound} | ${t.pass ? 'PASS' : 'FAIL'} |`),
    '',
  ];
  console.log(lines.join('\n'));
  const out = path.resolve(process.cwd(), 'docs', 'benchmarks');
  mkdirSync(out, { recursive: true });
  const machine = { node: process.version, cpus: require('node:os').cpus().length, time: new Date().toISOString() };
  writeFileSync(path.join(out, `${file}.json`), JSON.stringify({ title, machine, rows, targets, ...extra }, null, 2) + '\n');
  writeFileSync(path.join(out, `${file}.md`), `# ${title}\n\nMeasured ${machine.time} on ${machine.cpus} cores, Node ${machine.node}.\n${lines.slice(1).join('\n')}`);
  return targets.every((t) => t.pass);
}
