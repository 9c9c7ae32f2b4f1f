// SignalService benchmark: the real service in-process on the local database (a fresh database,
// dropped afterwards), with fake ConsentService and ProfileService servers in the same process.
//   node tools/run.mjs tools/bench/signal.ts [--seconds 3]
// Figures:
//   - extraction throughput: analyzeText on ~200-character messages, one core (messages/s);
//   - IngestInteraction p50 next to echo p50 + raw insertOne p50 (mongodb driver, same database),
//     measured in the same run. Target: ≤ 1.5×;
//   - batch ingest (IngestInteractions, 100 and 500 per call, one call in flight) items/s against
//     IngestInteraction with one call in flight. Target: ≥ 5×. Single calls at 8 in flight are
//     measured too and the ratio to them reported, for information.
// What bounds IngestInteraction p50 (see docs/benchmarks/signal.md): beyond the baseline's one hop
// and one insert it makes a second RPC (ConsentService.BatchCheckEligibility, required at record
// time, ≈ the echo hop), and its one durable insert is a record with indexes and the signals
// nested (FerretDB charges per field); the outbox entry is written after the response.
import { performance } from 'node:perf_hooks';
import { common, consent } from '@signalpath/proto';
import { createConsentClient, createSignalClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService } from '@signalpath/testing';

import { libraryAnalyzer } from '../../apps/signal-service/src/ingest/analyzer';
import { startFakeProfile } from '../../apps/signal-service/src/testing/fakes';
import { createSignalService } from '../../apps/signal-service/src/server';
import { createEchoClient, startEchoServer } from './lib/echo';
import { measure, minTarget, ratioTarget, report, type Stats } from './lib/harness';

process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:27017/';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const DURATION_MS = arg('seconds', 3) * 1_000;

/** ~200-character messages in the voice of assistant chats: interests, mixed, sensitive, small talk. */
const MESSAGES = [
  'I just got back from a bouldering session and my forearms are destroyed, can you suggest some climbing shoes for beginners that will not hurt my feet too much during long gym sessions on weekends?',
  'We are planning a family trip to Portugal in June and are looking for kid friendly beaches near Lisbon, maybe a surf school for my teenager too, what would you recommend for a week with two kids?',
  'I have diabetes but I still want to train for a half marathon this autumn, which running shoes and what kind of training plan would work for someone who can only run three times a week after work?',
  'um so yeah I was thinking about getting into golf this spring maybe take a few lessons at the local club and buy a cheap set of used clubs first just to see if I actually like it before spending more',
  'Can you help me pick a mirrorless camera for street photography under 1000 dollars? I mostly shoot at night in the city and really care about fast autofocus and good low light performance overall.',
  'My sourdough keeps coming out flat and dense, I feed the starter twice a day and proof overnight in the fridge, what am I doing wrong here and which flour should I be using for an open crumb bread?',
  'Looking for a used electric car with decent range for a forty mile daily commute, and I am also wondering whether installing a home charger is worth it or if a regular wall outlet would be enough.',
  'What are some good strategy board games for four adults that take about an hour to play? We liked Catan and Ticket to Ride a lot but now want something with a bit more depth for game nights.',
];

async function startFakes() {
  const consentFake = new FakeConsentService();
  // A fixed answer (version included): the fake runs in the measured process, so it skips the per-user lookup.
  const allowed = { allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '1' };
  consentFake.decide = () => allowed;
  const consentAddress = await consentFake.start();
  const profileFake = await startFakeProfile();
  return {
    consentAddress,
    profileAddress: profileFake.address,
    applied: () => profileFake.received.length,
    stop: async () => {
      await consentFake.stop();
      await profileFake.stop();
    },
  };
}

/** analyzeText (through the service's adapter) in a tight loop on one core: per-message latency and messages/s. */
function measureExtraction(durationMs: number): Stats {
  const analyze = libraryAnalyzer({ allowSensitiveContent: false });
  for (let i = 0; i < 2_000; i++) analyze(MESSAGES[i % MESSAGES.length]);
  const latencies: number[] = [];
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < durationMs) {
    const t0 = performance.now();
    analyze(MESSAGES[i++ % MESSAGES.length]);
    latencies.push(performance.now() - t0);
  }
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  const stats: Stats = {
    name: `analyzeText (~${Math.round(MESSAGES.reduce((n, m) => n + m.length, 0) / MESSAGES.length)} chars)`,
    concurrency: 1,
    count: latencies.length,
    errors: 0,
    p50Ms: at(50),
    p90Ms: at(90),
    p99Ms: at(99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    throughputPerSec: (latencies.length / elapsed) * 1000,
  };
  process.stderr.write(`  measured extraction: ${stats.throughputPerSec.toFixed(0)} messages/s, p50 ${(stats.p50Ms * 1000).toFixed(1)} µs\n`);
  return stats;
}

let sequence = 0;
function nextInteraction() {
  const n = sequence++;
  return {
    interactionId: `bench-${process.pid}-${n}`,
    userId: `bench-user-${n % 1000}`,
    surface: common.Surface.SURFACE_MESSENGER,
    modality: common.Modality.MODALITY_TEXT,
    endToEndEncrypted: false,
    text: MESSAGES[n % MESSAGES.length],
    eventTime: new Date(Date.now() - 1_000),
  };
}

/** Items per second of a batch scenario (the harness counts calls). */
function perItem(stats: Stats, batchSize: number): Stats {
  return { ...stats, name: `${stats.name} (items/s = calls/s × ${batchSize})`, throughputPerSec: stats.throughputPerSec * batchSize };
}

async function mainBench() {
  const fakes = await startFakes();
  const echo = await startEchoServer();
  const echoClient = createEchoClient(echo.address);
  const service = await startTestService(createSignalService(), { env: { CONSENT_ADDR: fakes.consentAddress, PROFILE_ADDR: fakes.profileAddress } });
  const client = createSignalClient(service.address, { timeoutMs: 60_000, maxReceiveMessageBytes: 64 * 1024 * 1024 });
  const rows: Stats[] = [];
  try {
    const extraction = measureExtraction(DURATION_MS);
    rows.push(extraction);

    const options = (concurrency: number) => ({ concurrency, durationMs: DURATION_MS, warmupMs: 1_000 });
    // The baseline: a no-op RPC plus one insert of a document like a record, into the same database.
    const raw = service.mongo.db.collection('bench_raw_insert');
    let rawSeq = 0;
    const sampleRecord = await client.previewSignals({ interaction: nextInteraction() });
    const rawDoc = () => ({ _id: `raw-${rawSeq++}`, kind: 'interaction', userId: `bench-user-${rawSeq % 1000}`, fingerprint: 'x'.repeat(43), status: 1, skipReason: 0, analyzed: true, recordedAt: new Date(), eventTime: new Date(), surface: 3, sourceKind: 1, modality: 1, signals: sampleRecord.signals.map((s) => ({ signalId: 'y'.repeat(24), topicId: s.topic?.id, weight: s.weight, adsEligible: true, contentEligible: true })) });
    const echo1 = await measure('echo (baseline)', () => echoClient.echo({ payload: Buffer.alloc(0) }), options(1));
    const insert1 = await measure('raw insertOne (baseline)', () => raw.insertOne(rawDoc() as never), options(1));
    // The least IngestInteraction can do: one hop, the required consent call, one insert, in turn.
    const consentClient = createConsentClient(fakes.consentAddress, { timeoutMs: 60_000 });
    const floor1 = await measure(
      'floor: echo, then BatchCheckEligibility (fake), then raw insertOne',
      async () => {
        const interaction = nextInteraction();
        await echoClient.echo({ payload: Buffer.alloc(0) });
        await consentClient.batchCheckEligibility({
          queries: [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT].map((purpose) => ({ userId: interaction.userId, surface: interaction.surface, purpose, eventTime: interaction.eventTime, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, endToEndEncrypted: false })),
        });
        await raw.insertOne(rawDoc() as never);
      },
      options(1),
    );
    consentClient.close();
    const ingest1 = await measure('IngestInteraction', () => client.ingestInteraction({ interaction: nextInteraction() }), options(1));
    const ingest8 = await measure('IngestInteraction', () => client.ingestInteraction({ interaction: nextInteraction() }), options(8));
    const batch100 = perItem(await measure('IngestInteractions ×100', () => client.ingestInteractions({ interactions: Array.from({ length: 100 }, nextInteraction) }), options(1)), 100);
    const batch500 = perItem(await measure('IngestInteractions ×500', () => client.ingestInteractions({ interactions: Array.from({ length: 500 }, nextInteraction) }), options(1)), 500);
    rows.push(echo1, insert1, floor1, ingest1, ingest8, batch100, batch500);

    const outbox = await client.getOutboxStatus({});
    const baseline = echo1.p50Ms + insert1.p50Ms;
    const targets = [
      ratioTarget('IngestInteraction p50 / (echo p50 + insertOne p50)', ingest1.p50Ms / baseline, 1.5, '≤ 1.5×'),
      minTarget('batch ×100 items/s / single-call items/s (both c=1)', batch100.throughputPerSec / ingest1.throughputPerSec, 5, '≥ 5×'),
      minTarget('batch ×500 items/s / single-call items/s (both c=1)', batch500.throughputPerSec / ingest1.throughputPerSec, 5, '≥ 5×'),
    ];
    report('SignalService', rows, targets, 'signal', {
      extractionMessagesPerSecond: Math.round(extraction.throughputPerSec),
      baselineP50Ms: baseline,
      // What bounds the target: the required work alone, measured in this run, against the baseline.
      floorOverBaseline: floor1.p50Ms / baseline,
      ingestOverFloor: ingest1.p50Ms / floor1.p50Ms,
      outboxAfterRun: { pending: outbox.pendingCount, delivered: outbox.deliveredCount, signalsReceivedByFakeProfile: fakes.applied() },
      batchVsSingleAt8InFlight: {
        batch100: batch100.throughputPerSec / ingest8.throughputPerSec,
        batch500: batch500.throughputPerSec / ingest8.throughputPerSec,
      },
      latencyBound:
        'IngestInteraction does, beyond the baseline hop and insert: a ConsentService.BatchCheckEligibility call (required at record time; about two echo hops with the fake in-process), ' +
        'a record insert that costs FerretDB more than the raw one (14 fields with the signals nested, 4 secondary indexes; FerretDB v1 pays per field), and ~0.1 ms of extraction, policy and hashing. ' +
        'The outbox entry is written after the response (batched), so the request path has one durable write; with a second sequential write it measured ~30% slower. ' +
        'The floor row measures that required work alone (echo, the consent call, the insert, in turn, with no handler logic): see floorOverBaseline.',
      notes: 'In-process service, fake Consent/Profile servers in the same process, local FerretDB (SQLite), shared machine. The deliverer runs during the measurement (signals reach the fake ProfileService).',
    });
  } finally {
    client.close();
    echoClient.close();
    await service.stop();
    await echo.stop();
    await fakes.stop();
  }
}

mainBench().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
