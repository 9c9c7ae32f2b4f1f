// Sizes the load-shedding defaults (DEFAULT_ADMISSION_LIMITS in libs/grpc-kit/src/admission.ts):
// each service's throughput and latency at 4…128 calls in flight, with shedding off, so the
// concurrency where throughput stops growing (and latency only grows) shows.
// Run: node tools/run.mjs tools/bench/admission.ts   (needs the local database and built services;
// writes docs/benchmarks/admission.md)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { common, consent, ranking, signal } from '@signalpath/proto';
import { ensureDevKeys, loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createConsentClient, createProfileClient, createRankingClient, createSignalClient } from '@signalpath/service-clients';
import { measure, type Stats } from './lib/harness';

const stackLib = require('../lib/stack.cjs') as {
  SERVICES: Array<{ key: string; portVar: string }>;
  testPort(base: number): number;
  startServices(options: { env: NodeJS.ProcessEnv; quiet?: boolean }): { waitHealthy(timeoutMs?: number): Promise<void>; stop(): Promise<void> };
};

const CONCURRENCY = [4, 8, 16, 32, 64, 128];
const DURATION_MS = Number(process.env.ADMISSION_BENCH_DURATION_MS || 3_000);

async function main(): Promise<void> {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'bench-keys-'));
  ensureDevKeys(keysDir);
  const ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
  const auth = (audience: string) => ({ timeoutMs: 30_000, metadataProvider: tokenMetadataProvider(ring, 'operator', audience) });
  const basePort = stackLib.testPort(30150);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SIGNALPATH_KEYS_DIR: keysDir,
    MONGODB_DB_PREFIX: `bench_adm_${randomBytes(3).toString('hex')}_`,
    LOG_LEVEL: 'warn',
    RANKING_SEED_DEMO_CATALOG: 'false',
    // Shedding off: the point is to see where the services saturate without it.
    SIGNALPATH_MAX_CONCURRENT_CALLS: '100000',
  };
  const addr: Record<string, string> = {};
  stackLib.SERVICES.forEach((s, i) => {
    env[s.portVar] = String(basePort + i + 1);
    addr[s.key] = `127.0.0.1:${basePort + i + 1}`;
  });
  const stack = stackLib.startServices({ env, quiet: true });
  const rows: Stats[] = [];
  try {
    await stack.waitHealthy(120_000);
    const consentClient = createConsentClient(addr.consent, auth('signalpath.consent.v1.ConsentService'));
    const signalClient = createSignalClient(addr.signal, auth('signalpath.signal.v1.SignalService'));
    const profileClient = createProfileClient(addr.profile, auth('signalpath.profile.v1.ProfileService'));
    const rankingClient = createRankingClient(addr.ranking, auth('signalpath.ranking.v1.RankingService'));
    const users = Array.from({ length: 20 }, (_, i) => `adm-user-${i}`);
    for (const userId of users) {
      await consentClient.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    }
    await rankingClient.upsertItems({
      items: Array.from({ length: 40 }, (_, i) => ranking.Item.fromPartial({ itemId: `adm-${i}`, kind: ranking.ItemKind.ITEM_KIND_POST, title: `Item ${i}`, topicIds: [i % 2 ? '500' : '210'], baseScore: 0.3 })),
    });
    let n = 0;
    const user = () => users[n++ % users.length];
    const ops: Record<string, () => Promise<unknown>> = {
      CheckEligibility: () => consentClient.checkEligibility({ userId: user(), surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_ADS, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: new Date() }),
      GetProfile: () => profileClient.getProfile({ userId: user(), surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 10 }),
      Recommend: () => rankingClient.recommend(ranking.RecommendRequest.fromPartial({ userId: user(), surface: common.Surface.SURFACE_MESSENGER, limit: 10 })),
      IngestInteraction: () =>
        signalClient.ingestInteraction({
          interaction: signal.Interaction.fromPartial({ interactionId: `adm-${randomBytes(6).toString('hex')}`, userId: user(), surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text: 'I started rock climbing at an indoor gym', eventTime: new Date() }),
        }),
    };
    for (const [name, op] of Object.entries(ops)) {
      for (const concurrency of CONCURRENCY) {
        const stats = await measure(`${name} c=${concurrency}`, op, { concurrency, durationMs: DURATION_MS, warmupMs: 300 });
        rows.push(stats);
        process.stderr.write(`${stats.name}: ${stats.throughputPerSec.toFixed(0)}/s p50 ${stats.p50Ms.toFixed(1)} ms p99 ${stats.p99Ms.toFixed(1)} ms errors ${stats.errors}\n`);
      }
    }
    [consentClient, signalClient, profileClient, rankingClient].forEach((c) => c.close());
  } finally {
    await stack.stop();
  }
  const table = [
    '# Admission defaults: throughput and latency by calls in flight (shedding off)',
    '',
    `Generated by \`tools/bench/admission.ts\` on ${new Date().toISOString().slice(0, 10)}, ${DURATION_MS / 1000} s per row, four services as processes on the local FerretDB. The machine is shared: read the shape (where throughput stops growing), not the absolute numbers.`,
    '',
    '| call | in flight | calls/s | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name.split(' ')[0]} | ${r.concurrency} | ${r.throughputPerSec.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} |`),
    '',
  ].join('\n');
  writeFileSync(path.resolve(__dirname, '..', '..', 'docs', 'benchmarks', 'admission.md'), table);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
