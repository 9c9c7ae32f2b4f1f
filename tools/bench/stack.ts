// Whole-stack scenarios with the four services as real processes (as `npm start` runs them):
// tracing on vs off throughput, ingest → profile-visible lag, and each service's RSS after load.
// Run: node tools/run.mjs tools/bench/stack.ts   (needs the local database; `npm run bench` does it)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { common, consent, signal } from '@signalpath/proto';
import { createConsentClient, createProfileClient, createSignalClient } from '@signalpath/service-clients';
import { OtlpReceiver } from '../e2e/src/otlp-receiver';
import { measure, minTarget, ratioTarget, report, type Stats, type Target } from './lib/harness';
import { operatorCredentials } from '../lib/operator';
import { MESSAGES } from './lib/workload';

const stackLib = require('../lib/stack.cjs') as {
  SERVICES: Array<{ key: string; app: string; portVar: string }>;
  startServices(options: { env: NodeJS.ProcessEnv; quiet?: boolean }): {
    processes: Array<{ key: string; app: string; child: { pid?: number } }>;
    waitHealthy(timeoutMs?: number): Promise<void>;
    stop(): Promise<void>;
  };
};


function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function withStack<T>(label: string, basePort: number, extraEnv: Record<string, string>, body: (ctx: { ports: Record<string, number>; pids: Record<string, number> }) => Promise<T>): Promise<T> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGODB_DB_PREFIX: `bench_${randomBytes(3).toString('hex')}_`,
    LOG_LEVEL: 'warn',
    RANKING_SEED_DEMO_CATALOG: 'false',
    // Development keys in .keys/, generated on first start; operatorCredentials signs with them.
    SIGNALPATH_DEV_KEYS: 'true',
    ...extraEnv,
  };
  const ports: Record<string, number> = {};
  stackLib.SERVICES.forEach((s, i) => {
    ports[s.key] = basePort + i + 1;
    env[s.portVar] = String(ports[s.key]);
  });
  process.stderr.write(`[stack] starting the four services (${label})…\n`);
  const stack = stackLib.startServices({ env, quiet: true });
  try {
    await stack.waitHealthy(60_000);
    const pids = Object.fromEntries(stack.processes.map((p) => [p.app, p.child.pid ?? 0]));
    return await body({ ports, pids });
  } finally {
    await stack.stop();
  }
}

async function prepareUsers(consentAddress: string, users: string[]) {
  const auth = operatorCredentials();
  const client = createConsentClient(consentAddress, { timeoutMs: 10_000, ...auth('signalpath.consent.v1.ConsentService') });
  for (const userId of users) {
    await client.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
  }
  client.close();
}

async function ingestLoad(ports: Record<string, number>, label: string, durationMs: number): Promise<Stats> {
  const auth = operatorCredentials();
  const client = createSignalClient(`127.0.0.1:${ports.signal}`, { timeoutMs: 10_000, ...auth('signalpath.signal.v1.SignalService') });
  const users = Array.from({ length: 20 }, (_, i) => `bench-user-${i}`);
  await prepareUsers(`127.0.0.1:${ports.consent}`, users);
  let n = 0;
  const stats = await measure(
    label,
    () => {
      const i = n++;
      return client.ingestInteraction({
        interaction: signal.Interaction.fromPartial({
          interactionId: `bench-${label}-${i}`,
          userId: users[i % users.length],
          surface: common.Surface.SURFACE_MESSENGER,
          modality: common.Modality.MODALITY_TEXT,
          text: MESSAGES[i % MESSAGES.length],
          eventTime: new Date(),
        }),
      });
    },
    { concurrency: 16, durationMs },
  );
  client.close();
  return stats;
}

async function visibilityLag(ports: Record<string, number>, samples: number): Promise<Stats> {
  const auth = operatorCredentials();
  const signals = createSignalClient(`127.0.0.1:${ports.signal}`, { timeoutMs: 10_000, ...auth('signalpath.signal.v1.SignalService') });
  const profiles = createProfileClient(`127.0.0.1:${ports.profile}`, { timeoutMs: 10_000, ...auth('signalpath.profile.v1.ProfileService') });
  const users = Array.from({ length: samples }, (_, i) => `lag-user-${i}`);
  await prepareUsers(`127.0.0.1:${ports.consent}`, users);
  const lags: number[] = [];
  for (const userId of users) {
    const t0 = performance.now();
    await signals.ingestInteraction({
      interaction: signal.Interaction.fromPartial({ interactionId: `lag-${userId}`, userId, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text: MESSAGES[0], eventTime: new Date() }),
    });
    for (;;) {
      const explained = await profiles.explainInterest({ userId, topicId: '500', surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT });
      if (explained.present) break;
      if (performance.now() - t0 > 10_000) throw new Error('signal never became visible in the profile');
      await new Promise((r) => setTimeout(r, 5));
    }
    lags.push(performance.now() - t0);
  }
  signals.close();
  profiles.close();
  const sorted = Float64Array.from(lags).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const stats: Stats = { name: 'ingest → visible in profile', concurrency: 1, count: sorted.length, errors: 0, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), meanMs: lags.reduce((a, b) => a + b, 0) / lags.length, throughputPerSec: NaN };
  process.stderr.write(`  measured lag: p50 ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms\n`);
  return stats;
}

async function main() {
  const durationMs = Number(process.env.BENCH_DURATION_MS ?? 8_000);
  const receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  const rows: Stats[] = [];
  const targets: Target[] = [];
  const rss: Record<string, number> = {};

  const off = await withStack('tracing off', 32050, { OTEL_SDK_DISABLED: 'true' }, ({ ports }) => ingestLoad(ports, 'IngestInteraction, tracing off', durationMs));
  rows.push(off);
  const on = await withStack('tracing on, exporting over OTLP/HTTP', 32150, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, async ({ ports, pids }) => {
    const stats = await ingestLoad(ports, 'IngestInteraction, tracing on', durationMs);
    rows.push(await visibilityLag(ports, 40));
    for (const [app, pid] of Object.entries(pids)) rss[app] = rssMb(pid);
    return stats;
  });
  rows.push(on);
  await receiver.stop();

  targets.push(minTarget('throughput tracing on / off (c=16)', on.throughputPerSec / off.throughputPerSec, 0.7, '≥ 0.7×'));
  for (const [app, mb] of Object.entries(rss)) targets.push(ratioTarget(`${app} RSS after load (MB)`, mb, 150, '≤ 150 MB'));
  const ok = report('Whole stack: tracing cost, ingest → profile lag, memory', rows, targets, 'stack', { rssMb: rss, spansReceived: receiver.spans.length });
  process.exit(ok ? 0 : 1);
}

void main();
