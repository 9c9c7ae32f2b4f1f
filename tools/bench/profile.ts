// ProfileService benchmark: the real service in-process on the local database, with a fake
// ConsentService, against the no-op echo baseline measured in the same run.
//   node tools/run.mjs tools/bench/profile.ts [--heavy 100000]
// Reports: GetProfile p50 for a user with 100,000 applied signals vs one with 10 (the profile is
// O(topics), so the ratio should stay ≤ 1.2×), ApplySignals throughput (batches of 100), and how
// fast the 100,000 signals were seeded (batches of 1,000).
import { common, type profile } from '@signalpath/proto';
import { createProfileClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService } from '@signalpath/testing';

import { createProfileService } from '../../apps/profile-service/src/server';
import { createEchoClient, startEchoServer } from './lib/echo';
import { measure, minTarget, ratioTarget, report, type Stats } from './lib/harness';

process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:27017/';

const HEAVY_SIGNALS = Number(process.argv[process.argv.indexOf('--heavy') + 1] || 100_000) || 100_000;
const TOPICS = ['483', '498', '500', '505', '533', '653', '654', '210', '216', '150'];
const INSTAGRAM = common.Surface.SURFACE_INSTAGRAM;
const SEED_BATCH = 1_000;
const THROUGHPUT_BATCH = 100;

let sequence = 0;
function makeSignal(userId: string, topicId: string, overrides: Partial<profile.ProfileSignal> = {}): profile.ProfileSignal {
  sequence++;
  return {
    signalId: `bench-${process.pid}-${sequence}`,
    userId,
    surface: INSTAGRAM,
    topicId,
    weight: 0.5 + (sequence % 5) / 10, // in (0, 1], as SignalService sends
    sourceKind: sequence % 4 === 0 ? common.SourceKind.SOURCE_KIND_PAGE_LIKE : common.SourceKind.SOURCE_KIND_AI_CHAT,
    modality: common.Modality.MODALITY_TEXT,
    eventTime: new Date(Date.now() - (sequence % 90) * 86_400_000),
    recordTime: new Date(),
    adsEligible: true,
    contentEligible: true,
    ...overrides,
  };
}

function statsOf(name: string, latencies: number[], elapsedMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const stats: Stats = {
    name,
    concurrency: 1,
    count: sorted.length,
    errors: 0,
    p50Ms: at(50),
    p90Ms: at(90),
    p99Ms: at(99),
    meanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    throughputPerSec: (sorted.length / elapsedMs) * 1000,
  };
  process.stderr.write(`  measured ${name} (alternating): p50 ${stats.p50Ms.toFixed(3)} ms, p99 ${stats.p99Ms.toFixed(3)} ms\n`);
  return stats;
}

/** Runs the operations in turn, one at a time, for `durationMs`; one Stats per operation. */
async function measureAlternating(ops: Array<{ name: string; op: () => Promise<unknown> }>, durationMs: number): Promise<Stats[]> {
  const latencies = ops.map(() => [] as number[]);
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (const [index, { op }] of ops.entries()) {
      const t0 = performance.now();
      await op();
      latencies[index].push(performance.now() - t0);
    }
  }
  const elapsed = performance.now() - start;
  return ops.map(({ name }, index) => statsOf(name, latencies[index], elapsed));
}

async function mainBench() {
  const echo = await startEchoServer();
  const echoClient = createEchoClient(echo.address);
  const consent = new FakeConsentService();
  const consentAddress = await consent.start();
  const service = await startTestService(createProfileService(), { env: { CONSENT_ADDR: consentAddress } });
  const client = createProfileClient(service.address, { timeoutMs: 60_000 });
  const rows: Stats[] = [];
  try {
    rows.push(await measure('echo (baseline)', () => echoClient.echo({ payload: Buffer.alloc(0) }), { durationMs: 2_000 }));

    // Same ten topics and source kind for both users, so only the number of applied signals differs.
    const aiChat = { sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT };
    await client.applySignals({ signals: TOPICS.map((topicId) => makeSignal('bench-light', topicId, aiChat)) });
    process.stderr.write(`seeding ${HEAVY_SIGNALS} signals for bench-heavy in batches of ${SEED_BATCH}...\n`);
    const seedStart = performance.now();
    for (let done = 0; done < HEAVY_SIGNALS; ) {
      const size = Math.min(SEED_BATCH, HEAVY_SIGNALS - done);
      const response = await client.applySignals({ signals: Array.from({ length: size }, (_, i) => makeSignal('bench-heavy', TOPICS[(done + i) % TOPICS.length], aiChat)) });
      if (response.appliedCount !== size) throw new Error(`seeding applied ${response.appliedCount} of ${size}`);
      done += size;
      if (done % 10_000 === 0 || done === HEAVY_SIGNALS) {
        const seconds = (performance.now() - seedStart) / 1000;
        process.stderr.write(`  ${done} applied, ${seconds.toFixed(1)} s, ${(done / seconds).toFixed(0)} signals/s\n`);
      }
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const read = (userId: string) => () => client.getProfile({ userId, surface: INSTAGRAM, purpose: common.Purpose.PURPOSE_ADS, limit: 0 });
    const check = await read('bench-heavy')();
    if (check.interests.length !== TOPICS.length) throw new Error(`heavy profile has ${check.interests.length} interests`);
    // Alternating call by call, so drift and noise on a shared machine hit both users alike.
    await measure('warm-up', read('bench-heavy'), { durationMs: 1_000 });
    const [light, heavy] = await measureAlternating([
      { name: 'GetProfile, 10 signals', op: read('bench-light') },
      { name: `GetProfile, ${HEAVY_SIGNALS} signals`, op: read('bench-heavy') },
    ], 8_000);
    rows.push(light, heavy);

    // Fresh signals every call: batches of 100 for 50 users, 4 calls in flight.
    let user = 0;
    const applyBatch = () => {
      const userId = `bench-user-${user++ % 50}`;
      return client.applySignals({ signals: Array.from({ length: THROUGHPUT_BATCH }, (_, i) => makeSignal(userId, TOPICS[i % TOPICS.length])) });
    };
    const apply = await measure(`ApplySignals, batches of ${THROUGHPUT_BATCH}`, applyBatch, { concurrency: 4, durationMs: 8_000 });
    rows.push(apply);
    const applySignalsPerSec = apply.throughputPerSec * THROUGHPUT_BATCH;
    const seedSignalsPerSec = HEAVY_SIGNALS / seedSeconds;

    const ratio = heavy.p50Ms / light.p50Ms;
    const ok = report(
      'ProfileService',
      rows,
      [
        ratioTarget(`GetProfile p50, ${HEAVY_SIGNALS} vs 10 signals`, ratio, 1.2, '≤ 1.2×'),
        ratioTarget('GetProfile p50 / echo p50 (information)', light.p50Ms / rows[0].p50Ms, Number.POSITIVE_INFINITY, 'no bound'),
        minTarget(`ApplySignals signals/s (batches of ${THROUGHPUT_BATCH}, c=4)`, applySignalsPerSec, 0, 'reported'),
        minTarget(`Seeding signals/s (batches of ${SEED_BATCH}, one user, c=1)`, seedSignalsPerSec, 0, 'reported'),
      ],
      'profile',
      {
        method:
          'In-process ProfileService (real handlers, real local database) and a fake in-process ConsentService; grpc-js client on loopback. ' +
          'Both profile users hold the same 10 topics (AI chat) on one surface; GetProfile for ads with the default limit, the two users called alternately, one call at a time. ' +
          'ApplySignals: fresh signals, batches of 100 for 50 users, 4 calls in flight.',
        heavySignals: HEAVY_SIGNALS,
        seed: { signals: HEAVY_SIGNALS, batch: SEED_BATCH, seconds: seedSeconds, signalsPerSec: seedSignalsPerSec },
        applySignals: { batch: THROUGHPUT_BATCH, concurrency: 4, signalsPerSec: applySignalsPerSec },
        getProfileP50Ratio: ratio,
      },
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    client.close();
    echoClient.close();
    await service.stop();
    await consent.stop();
    await echo.stop();
  }
}

void mainBench();
