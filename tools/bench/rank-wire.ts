// Rank's wire shape and server CPU per request, for 1,000 candidates, against a no-op echo
// baseline measured in the same run:
//   node tools/run.mjs tools/bench/rank-wire.ts [--requests 300]
// The main thread runs only the servers under test (RankingService on the local database, and the
// echo server); one worker thread runs the client, another the fake Consent/Profile servers. Server
// CPU per request is the main thread's CPU time (`process.threadCpuUsage()` where Node has it,
// else /proc/self/task/<pid>/schedstat, nanoseconds) over a run of sequential calls
// divided by their number (GC helper threads are not in it; they are stated separately as the
// whole process's CPU minus the threads', which includes the workers and so is only an upper
// bound). Bytes are the serialized request and response messages (no HTTP/2 framing).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { common, ranking } from '@signalpath/proto';
import { createRankingClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService } from '@signalpath/testing';

import { rankingService, type RankingInstance } from '../../apps/ranking-service/src/server';
import { FakeProfile, type FakeInterest } from '../../apps/ranking-service/src/testing/fake-dependencies';
import { createEchoClient, startEchoServer } from './lib/echo';
import { mainThreadCpuMicros, writeResult } from './lib/cpu';

process.env.MONGODB_URI ??= 'mongodb://127.0.0.1:27017/';

const argValue = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) || fallback : fallback;
};
const REQUESTS = argValue('--requests', 300);
const WARMUP = Math.max(20, Math.round(REQUESTS / 5));
const CANDIDATES = 1_000;
const INTERESTS = 50;
const USER = 'bench-user';
const SURFACE = common.Surface.SURFACE_FACEBOOK;

// Ordinary (non-sensitive) topics across many Tier-1 areas, for items and interests.
const TOPICS = [
  '483', '498', '500', '505', '504', '531', '499', '502', '492', '533', '547', '539', '551', '227', '225', '229', '677', '665', '670', '668',
  '159', '216', '217', '215', '214', '255', '275', '280', '283', '257', '270', '681', '684', '682', '324', '640', '363', '357', '48', '652',
];
const KINDS = [ranking.ItemKind.ITEM_KIND_POST, ranking.ItemKind.ITEM_KIND_REEL, ranking.ItemKind.ITEM_KIND_GROUP, ranking.ItemKind.ITEM_KIND_AD];

function benchItem(prefix: string, i: number): ranking.Item {
  const kind = KINDS[i % KINDS.length];
  const topicIds = i % 3 === 0 ? [TOPICS[i % TOPICS.length], TOPICS[(i * 7) % TOPICS.length]] : [TOPICS[i % TOPICS.length]];
  return {
    itemId: `${prefix}-${i}`,
    kind,
    title: `Benchmark item ${i} about things people like`,
    topicIds: [...new Set(topicIds)],
    advertiserId: kind === ranking.ItemKind.ITEM_KIND_AD ? `adv-${i % 25}` : '',
    surfaces: i % 5 === 0 ? [common.Surface.SURFACE_INSTAGRAM, SURFACE] : [],
    baseScore: (i * 37) % 101,
    createTime: new Date(Date.UTC(2026, 0, 1) - i * 60_000),
  };
}

function interests(): FakeInterest[] {
  return Array.from({ length: INTERESTS }, (_, i) => ({
    topicId: TOPICS[(i * 11) % TOPICS.length],
    score: 50 - i,
    sources: [
      { surface: common.Surface.SURFACE_MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT },
      { surface: SURFACE, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE },
    ],
  }));
}

interface Row {
  name: string;
  requestBytes: number;
  responseBytes: number;
  /** Main-thread CPU per request, ms. */
  serverCpuMs: number;
  /** Wall time per request at concurrency 1, ms (shared machine: for orientation only). */
  wallMs: number;
}

type FromWorker =
  | { type: 'fakes'; consentAddress: string; profileAddress: string }
  | { type: 'cpu?' }
  | { type: 'progress'; message: string }
  | { type: 'done'; rows: Row[] }
  | { type: 'failed'; message: string };

async function fakeDependencies() {
  const port = parentPort;
  if (!port) throw new Error('no parent port');
  const consent = new FakeConsentService();
  const profile = new FakeProfile(consent);
  await Promise.all([consent.start(), profile.start()]);
  consent.set(USER, { adPreferences: { blockedAdvertiserIds: ['adv-3'], seeFewerTopicIds: ['216'] }, feedControls: { showMoreTopicIds: ['498'] } });
  profile.setInterests(USER, common.Purpose.PURPOSE_ADS, interests());
  profile.setInterests(USER, common.Purpose.PURPOSE_CONTENT, interests());
  port.postMessage({ type: 'fakes', consentAddress: consent.address, profileAddress: profile.address } satisfies FromWorker);
}

/** Request shapes measured: inline items (the earlier benchmark's shape), ids as Candidate messages, ids as candidate_ids. */
export function rankRequests(): Array<{ name: string; request: ranking.RankRequest }> {
  const inline = Array.from({ length: CANDIDATES }, (_, i) => ({ candidate: { $case: 'item' as const, value: benchItem('inline', i) } }));
  const ids = Array.from({ length: CANDIDATES }, (_, i) => ({ candidate: { $case: 'itemId' as const, value: `cat-${i}` } }));
  return [
    { name: `Rank ${CANDIDATES} inline items`, request: { userId: USER, surface: SURFACE, candidates: inline, candidateIds: [] } },
    { name: `Rank ${CANDIDATES} ids (Candidate.item_id)`, request: { userId: USER, surface: SURFACE, candidates: ids, candidateIds: [] } },
    { name: `Rank ${CANDIDATES} ids (candidate_ids)`, request: { userId: USER, surface: SURFACE, candidates: [], candidateIds: Array.from({ length: CANDIDATES }, (_, i) => `cat-${i}`) } },
  ];
}

async function loadGenerator() {
  const port = parentPort;
  if (!port) throw new Error('no parent port');
  const post = (message: FromWorker) => port.postMessage(message);
  const { rankingAddress, echoAddress } = workerData as { rankingAddress: string; echoAddress: string };
  const client = createRankingClient(rankingAddress, { timeoutMs: 300_000 });
  const echoClient = createEchoClient(echoAddress);
  // The main thread answers each `cpu?` with its thread CPU (µs) at that moment.
  const cpu = () =>
    new Promise<number>((resolve) => {
      port.once('message', (value: number) => resolve(value));
      post({ type: 'cpu?' });
    });
  const run = async (name: string, call: () => Promise<unknown>, requestBytes: number, responseBytes: number): Promise<Row> => {
    for (let i = 0; i < WARMUP; i++) await call();
    const before = await cpu();
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) await call();
    const wallMs = (performance.now() - t0) / REQUESTS;
    const serverCpuMs = ((await cpu()) - before) / 1000 / REQUESTS;
    post({ type: 'progress', message: `  ${name}: ${requestBytes} B in, ${responseBytes} B out, server CPU ${serverCpuMs.toFixed(3)} ms/request, wall ${wallMs.toFixed(2)} ms` });
    return { name, requestBytes, responseBytes, serverCpuMs, wallMs };
  };
  try {
    for (let i = 0; i < CANDIDATES; i += 500) await client.upsertItems({ items: Array.from({ length: 500 }, (_, j) => benchItem('cat', i + j)) });
    const rows: Row[] = [];
    const shapes = rankRequests();
    const echoPayload = Buffer.alloc(ranking.RankRequest.encode(shapes[1].request).finish().length, 7);
    rows.push(await run(`echo ${echoPayload.length} B (baseline)`, () => echoClient.echo({ payload: echoPayload }), echoPayload.length + 3, echoPayload.length + 3));
    for (const { name, request } of shapes) {
      const sample = await client.rank(request);
      if (!sample.personalized) throw new Error(`${name}: not personalized, check the fakes`);
      const requestBytes = ranking.RankRequest.encode(request).finish().length;
      const responseBytes = ranking.RankResponse.encode(sample).finish().length;
      rows.push(await run(name, () => client.rank(request), requestBytes, responseBytes));
    }
    post({ type: 'done', rows });
  } catch (error) {
    post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  } finally {
    client.close();
    echoClient.close();
  }
}

async function mainBench() {
  const spawn = (data: Record<string, unknown>) => {
    const worker = new Worker(__filename, { argv: process.argv.slice(2), workerData: data });
    const messages: FromWorker[] = [];
    let wake: (() => void) | undefined;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'progress') process.stderr.write(`${message.message}\n`);
      else if (message.type === 'cpu?') {
        worker.postMessage(mainThreadCpuMicros());
      } else messages.push(message);
      wake?.();
    });
    worker.on('error', (error) => {
      messages.push({ type: 'failed', message: error.message });
      wake?.();
    });
    const next = async (): Promise<FromWorker> => {
      while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return messages.shift() as FromWorker;
    };
    return { worker, next };
  };
  const dependencies = spawn({ role: 'fakes' });
  const fakes = await dependencies.next();
  if (fakes.type !== 'fakes') throw new Error(fakes.type === 'failed' ? fakes.message : 'unexpected message');
  const echo = await startEchoServer();
  const service = await startTestService(rankingService, {
    env: { CONSENT_ADDR: fakes.consentAddress, PROFILE_ADDR: fakes.profileAddress, RANKING_SEED_DEMO_CATALOG: 'false', RANKING_DEPENDENCY_TIMEOUT: '10s' },
  });
  let load: ReturnType<typeof spawn> | undefined;
  try {
    await (service.instance as RankingInstance).seeded;
    load = spawn({ role: 'load', rankingAddress: service.address, echoAddress: echo.address });
    const result = await load.next();
    if (result.type !== 'done') throw new Error(result.type === 'failed' ? result.message : 'unexpected message');
    writeResult('rank-wire', 'Rank wire shape and server CPU per request (1,000 candidates)', result.rows, { requests: REQUESTS, warmup: WARMUP, candidates: CANDIDATES, interestsPerProfile: INTERESTS });
  } finally {
    await load?.worker.terminate();
    await dependencies.worker.terminate();
    await service.stop();
    await echo.stop();
  }
}

if (isMainThread) {
  void mainBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if ((workerData as { role?: string } | undefined)?.role === 'fakes') {
  void fakeDependencies();
} else if ((workerData as { role?: string } | undefined)?.role === 'load') {
  void loadGenerator();
}
