// RPC load from ghz (https://ghz.sh), a separate Go process: the client's own (de)serialization
// runs outside the Node process under test, so a server's figures are not charged with the
// load generator's work. Results come back as the harness's Stats, to sit beside its rows.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Stats } from './harness';

// Benchmarks run from the repository root (npm run bench), which installs ghz into .tools/bin
// with the project's pinned `go install` (tools/lib/go-tools.mjs) before any suite starts.
const GHZ = path.resolve('.tools', 'bin', 'ghz');
const DESCRIPTOR_SET = path.resolve('libs', 'proto', 'src', 'descriptor-set.binpb');

export interface GhzOptions {
  address: string;
  /** Fully qualified method, e.g. signalpath.ranking.v1.RankingService.Rank. */
  method: string;
  /**
   * The request: a serialized message sent as is on every call, or messages in protobuf JSON
   * that ghz sends in turn (round robin), e.g. to spread calls over many users.
   */
  request: Uint8Array | { json: readonly unknown[] };
  concurrency: number;
  durationMs: number;
  /** An untimed run first (JIT warm-up, connections). */
  warmupMs?: number;
  /** Call metadata, e.g. a service token. */
  metadata?: Record<string, string>;
}

interface GhzReport {
  count: number;
  rps: number;
  average: number;
  latencyDistribution: Array<{ percentage: number; latency: number }> | null;
  statusCodeDistribution?: Record<string, number>;
  errorDistribution?: Record<string, number>;
}

function runGhz(ghz: string, args: string[]): Promise<GhzReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(ghz, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 && !out) return reject(new Error(`ghz exited ${code}: ${err.trim().slice(0, 300)}`));
      try {
        resolve(JSON.parse(out) as GhzReport);
      } catch {
        reject(new Error(`ghz printed no JSON report: ${(err.trim() || out).slice(0, 300)}`));
      }
    });
  });
}

/** Runs ghz against `address` and reports like the Node harness's `measure`. */
export async function measureWithGhz(name: string, options: GhzOptions): Promise<Stats> {
  if (!existsSync(GHZ)) throw new Error(`${GHZ} is missing: run the benchmarks with npm run bench (it installs ghz)`);
  const ghz = GHZ;
  const dir = mkdtempSync(path.join(tmpdir(), 'signalpath-ghz-'));
  try {
    const requestFile = path.join(dir, 'request');
    const binary = options.request instanceof Uint8Array;
    writeFileSync(requestFile, options.request instanceof Uint8Array ? options.request : JSON.stringify(options.request.json));
    // A duration (-z) would cut the calls in flight at its end and count them as errors, so the
    // timed run asks for a number of calls instead: the warm-up's rate times the duration.
    const args = (limit: string[]) => [
      '--insecure',
      '--protoset', DESCRIPTOR_SET,
      '--call', options.method,
      binary ? '--binary-file' : '--data-file', requestFile,
      '--concurrency', String(options.concurrency),
      '--connections', '1',
      ...limit,
      '--timeout', '60s',
      ...(options.metadata ? ['--metadata', JSON.stringify(options.metadata)] : []),
      '--format', 'json',
      options.address,
    ];
    const warmupMs = Math.max(1_000, options.warmupMs ?? 1_000);
    // The warm-up's calls cut at its end do not matter: it only sets the rate.
    const warmup = await runGhz(ghz, args(['--duration', `${Math.round(warmupMs / 1000)}s`]));
    const calls = Math.max(options.concurrency * 20, Math.round(warmup.rps * (options.durationMs / 1000)));
    const report = await runGhz(ghz, args(['--total', String(calls)]));
    const at = (percentage: number) => (report.latencyDistribution?.find((d) => d.percentage === percentage)?.latency ?? NaN) / 1e6;
    const ok = report.statusCodeDistribution?.OK ?? 0;
    const stats: Stats = {
      name,
      concurrency: options.concurrency,
      count: report.count,
      errors: report.count - ok,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      meanMs: report.average / 1e6,
      throughputPerSec: report.rps,
    };
    const errors = Object.entries(report.errorDistribution ?? {}).map(([message, n]) => `${n}× ${message}`);
    process.stderr.write(
      `  measured ${name} (ghz, c=${options.concurrency}): p50 ${stats.p50Ms.toFixed(3)} ms, p99 ${stats.p99Ms.toFixed(3)} ms, ${stats.throughputPerSec.toFixed(0)}/s, errors ${stats.errors}${errors.length ? ` (${errors.join('; ')})` : ''}\n`,
    );
    return stats;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
