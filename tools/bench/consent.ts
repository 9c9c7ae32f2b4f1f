// ConsentService benchmark: CheckEligibility on the real service (in-process, local database,
// a fresh database dropped afterwards) next to the no-op echo baseline measured in the same run.
//   node tools/run.mjs tools/bench/consent.ts [--users 1000] [--seconds 3]
// Target: CheckEligibility p50 ≤ 2× echo p50, at 1 and at 16 calls in flight, both under load
// from ghz (a separate Go process, as another service's client would be), over the seeded users
// in turn. The same pair with the project's Node client in this process is reported beside it.
// Also measured, for information: the same RPC with the settings cache off (one `_id` read from
// the database per call), and BatchCheckEligibility with 100 queries.
import { common, consent } from '@signalpath/proto';
import { createConsentClient, type ConsentClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { consentService } from '../../apps/consent-service/src/server';
import { createEchoClient, startEchoServer } from './lib/echo';
import { measureWithGhz } from './lib/ghz';
import { measure, ratioTarget, report, type Stats } from './lib/harness';

process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:27017/';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const USERS = arg('users', 1_000);
const DURATION_MS = arg('seconds', 3) * 1_000;
const REGIONS = ['US', 'BR', 'JP', 'DE', 'FR', 'GB', 'KR', 'IN', 'CA', ''];
const AGES = [consent.AgeBand.AGE_BAND_ADULT, consent.AgeBand.AGE_BAND_ADULT, consent.AgeBand.AGE_BAND_MINOR, consent.AgeBand.AGE_BAND_UNKNOWN];
const PURPOSES = [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT];

async function seed(client: ConsentClient): Promise<void> {
  const started = performance.now();
  const pending = Array.from({ length: USERS }, (_, i) => i);
  const worker = async () => {
    for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
      await client.updateSettings({
        userId: `bench-user-${i}`,
        expectedVersion: '0',
        settings: consent.Settings.fromPartial({ region: REGIONS[i % REGIONS.length], ageBand: AGES[i % AGES.length], aiChatAds: i % 7 === 0 ? consent.Choice.CHOICE_OPT_OUT : consent.Choice.CHOICE_UNSPECIFIED }),
        updateMask: ['region', 'age_band', 'ai_chat_ads'],
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  process.stderr.write(`seeded ${USERS} users in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** CheckEligibility over all seeded users in turn, alternating purposes. */
function checker(client: ConsentClient): () => Promise<unknown> {
  let next = 0;
  return () => {
    const i = next++;
    return client.checkEligibility({
      userId: `bench-user-${i % USERS}`,
      surface: common.Surface.SURFACE_MESSENGER,
      purpose: PURPOSES[i % 2],
      eventTime: undefined,
      sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false,
    });
  };
}

async function mainBench() {
  const echo = await startEchoServer();
  const echoClient = createEchoClient(echo.address);
  // Background work on: the settings change feed keeps the cache usable (the erasure worker idles).
  const cached = await startTestService(consentService, { env: {} });
  // A second instance on the same database with the cache off: every check reads the database.
  const uncached = await startTestService(consentService, { env: { CONSENT_SETTINGS_CACHE_MAX_STALENESS: '0' }, startBackground: false, dbName: cached.mongo.db.databaseName, keepDatabase: true });
  const client = createConsentClient(cached.address, { timeoutMs: 30_000 });
  const uncachedClient = createConsentClient(uncached.address, { timeoutMs: 30_000 });
  const rows: Stats[] = [];
  try {
    await seed(client);
    const sample = await client.checkEligibility({ userId: 'bench-user-0', surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_ADS, eventTime: undefined, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false });
    if (sample.settingsVersion !== '1') throw new Error(`seeded user is at version ${sample.settingsVersion}`);

    // Steady state: every user has been checked once (as after a few seconds of real traffic).
    for (let start = 0; start < USERS; start += 500) {
      const queries = Array.from({ length: Math.min(500, USERS - start) }, (_, i) => ({
        userId: `bench-user-${start + i}`,
        surface: common.Surface.SURFACE_MESSENGER,
        purpose: common.Purpose.PURPOSE_ADS,
        eventTime: undefined,
        sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false,
      }));
      await client.batchCheckEligibility({ queries });
    }

    const echoOp = () => echoClient.echo({ payload: Buffer.alloc(0) });
    const options = (concurrency: number) => ({ concurrency, durationMs: DURATION_MS, warmupMs: 1_000 });
    // Interleaved per concurrency, so machine drift hits the baseline and the service alike.
    const echo1 = await measure('echo (baseline)', echoOp, options(1));
    const check1 = await measure('CheckEligibility', checker(client), options(1));
    const echo16 = await measure('echo (baseline)', echoOp, options(16));
    const check16 = await measure('CheckEligibility', checker(client), options(16));
    const raw1 = await measure('CheckEligibility, cache off (database read per call)', checker(uncachedClient), options(1));
    const raw16 = await measure('CheckEligibility, cache off (database read per call)', checker(uncachedClient), options(16));
    let offset = 0;
    const batch = await measure(
      'BatchCheckEligibility, 100 queries',
      () => {
        offset = (offset + 100) % USERS;
        const queries = Array.from({ length: 100 }, (_, i) => ({
          userId: `bench-user-${(offset + i) % USERS}`,
          surface: common.Surface.SURFACE_MESSENGER,
          purpose: PURPOSES[i % 2],
          eventTime: undefined,
          sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false,
        }));
        return client.batchCheckEligibility({ queries });
      },
      options(1),
    );
    // The same comparison with ghz as the client, in its own process.
    const queries = Array.from({ length: USERS }, (_, i) => ({ userId: `bench-user-${i}`, surface: 'SURFACE_MESSENGER', purpose: i % 2 ? 'PURPOSE_CONTENT' : 'PURPOSE_ADS' }));
    const ghz = (name: string, address: string, method: string, request: Uint8Array | { json: readonly unknown[] }, concurrency: number) =>
      measureWithGhz(name, { address, method, request, concurrency, durationMs: DURATION_MS, warmupMs: 1_000 });
    const echoGhz = (c: number) => ghz('echo (baseline), ghz', echo.address, 'signalpath.bench.v1.EchoService.Echo', { json: [{}] }, c); // an empty message (ghz reads no data from an empty file)
    const checkGhz = (c: number) => ghz('CheckEligibility, ghz', cached.address, 'signalpath.consent.v1.ConsentService.CheckEligibility', { json: queries }, c);
    const ghzEcho1 = await echoGhz(1);
    const ghzCheck1 = await checkGhz(1);
    const ghzEcho16 = await echoGhz(16);
    const ghzCheck16 = await checkGhz(16);
    rows.push(ghzEcho1, ghzCheck1, ghzEcho16, ghzCheck16, echo1, check1, echo16, check16, raw1, raw16, batch);

    const targets = [
      ratioTarget('CheckEligibility p50 / echo p50, c=1 (ghz)', ghzCheck1.p50Ms / ghzEcho1.p50Ms, 2, '≤ 2.0×'),
      ratioTarget('CheckEligibility p50 / echo p50, c=16 (ghz)', ghzCheck16.p50Ms / ghzEcho16.p50Ms, 2, '≤ 2.0×'),
    ];
    const pass = report('ConsentService CheckEligibility vs echo', rows, targets, 'consent', {
      setup: {
        users: USERS,
        durationMs: DURATION_MS,
        settingsCacheMaxStalenessMs: cached.config.settingsCacheMaxStalenessMs,
        note: 'Targets: ghz (separate process) against the service in this process. Other rows: the project\'s Node client in the same process as the service. Loopback; the local MongoDB-compatible database. "cache off" is a second instance with CONSENT_SETTINGS_CACHE_MAX_STALENESS=0.',
      },
      ratios: {
        nodeClientCheckC1: check1.p50Ms / echo1.p50Ms,
        nodeClientCheckC16: check16.p50Ms / echo16.p50Ms,
        checkC1: ghzCheck1.p50Ms / ghzEcho1.p50Ms,
        checkC16: ghzCheck16.p50Ms / ghzEcho16.p50Ms,
        cacheOffC1: raw1.p50Ms / echo1.p50Ms,
        cacheOffC16: raw16.p50Ms / echo16.p50Ms,
        throughputC16VsEcho: check16.throughputPerSec / echo16.throughputPerSec,
      },
    });
    process.exitCode = pass ? 0 : 1;
  } finally {
    client.close();
    uncachedClient.close();
    echoClient.close();
    await uncached.stop();
    await cached.stop();
    await echo.stop();
  }
}

mainBench().catch((error: unknown) => {
  process.stderr.write(`consent benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
