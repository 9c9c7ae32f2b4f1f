// The capacity benchmark (issue 18 §4): per RPC, the server CPU-ms of each of the four service
// processes, the database commands each process starts (the driver's command monitoring, opted in
// with SIGNALPATH_DB_COMMAND_COUNTS) and the bytes on the wire (a TCP byte-counting proxy in front
// of each service, which the services also call each other through); then the BSON bytes stored per
// user after a 90-day workload. Saves docs/benchmarks/capacity.json; `npm run capacity` turns it
// into docs/capacity.md. Not part of `npm test` (it takes minutes):
//   node tools/run.mjs tools/bench/capacity.ts [--min-ms 2500] [--users 3]
// Needs the built services (`npm run build`) and the local database (MONGODB_URI).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BSON, MongoClient, type Document } from 'mongodb';
import { bench, common, consent, profile, ranking, signal } from '@signalpath/proto';
import { createConsentClient, createProfileClient, createRankingClient, createSignalClient } from '@signalpath/service-clients';
import { createEchoClient, startEchoServer } from './lib/echo';
import { operatorCredentials } from '../lib/operator';
import stackLib = require('../lib/stack.cjs');
import { benchItem, MESSAGES } from './lib/workload';

const argValue = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) || fallback : fallback;
};
/** Each RPC runs sequentially at least this long (and at least MIN_CALLS calls): CPU ticks are 10 ms. */
const MIN_MS = argValue('--min-ms', 2_500);
const MIN_CALLS = 100;
const STORAGE_USERS = argValue('--users', 2);
const DAYS = 90;
const MESSAGES_PER_DAY = 10;
const FEED_REQUESTS_PER_DAY = 20;
const CANDIDATES = 1_000;
const DAY_MS = 86_400_000;



/** utime + stime of a process, ms (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A TCP proxy that counts the bytes each way: real bytes on the wire (HTTP/2 + gRPC framing, headers, tokens). */
class ByteCounter {
  up = 0;
  down = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly targetPort: () => number) {}
  async listen(port: number): Promise<number> {
    this.server = createServer((socket) => {
      const upstream = connect(this.targetPort(), '127.0.0.1');
      for (const s of [socket, upstream]) {
        this.sockets.add(s);
        s.setNoDelay(true);
        s.on('error', () => undefined);
        s.on('close', () => (socket.destroy(), upstream.destroy(), this.sockets.delete(s)));
      }
      socket.on('data', (chunk: Buffer) => (this.up += chunk.length));
      upstream.on('data', (chunk: Buffer) => (this.down += chunk.length));
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

interface Snapshot {
  at: number;
  cpuMs: Record<string, number>;
  commands: Record<string, Record<string, number>>;
  bytes: Record<string, { up: number; down: number }>;
}

export interface RpcResult {
  rpc: string;
  /** What one call is, in words. */
  description: string;
  calls: number;
  wallMsPerCall: number;
  /** Per process: CPU ms per call, the process's idle CPU over the same time subtracted. */
  cpuMsPerCall: Record<string, number>;
  cpuMsPerCallTotal: number;
  /** CPU per call as a multiple of the echo baseline's server CPU per call (same run). */
  cpuVsEcho: number;
  /** Per process: database commands per call by command name (idle polling subtracted). */
  dbCommandsPerCall: Record<string, Record<string, number>>;
  dbOpsPerCall: Record<string, number>;
  dbOpsPerCallTotal: number;
  /** Per service listening port: bytes client→server (up) and back (down) per call, every hop included. */
  wireBytesPerCall: Record<string, { up: number; down: number }>;
  /** Serialized (ts-proto encode) request and response of the call itself. */
  requestBytes: number;
  responseBytes: number;
}

async function main() {
  const started = Date.now();
  const mongoUri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
  const prefix = `cap_${randomBytes(3).toString('hex')}_`;
  const countsDir = mkdtempSync(path.join(tmpdir(), 'capacity-db-counts-'));
  const base = stackLib.testPort(32400);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MONGODB_URI: mongoUri,
    MONGODB_DB_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    RANKING_SEED_DEMO_CATALOG: 'false',
    SIGNALPATH_DEV_KEYS: 'true',
    SIGNALPATH_DB_COMMAND_COUNTS: countsDir,
  };
  // Services listen on base+1..4; the proxies on base+11..14, and every service reaches the
  // others through the proxies, so internal calls (Signal → Consent, Profile; Ranking → Consent,
  // Profile; the outbox's ApplySignals) are on the wire counts too.
  const proxies: Record<string, ByteCounter> = {};
  const proxyPorts: Record<string, number> = {};
  for (const [i, s] of stackLib.SERVICES.entries()) {
    env[s.portVar] = String(base + i + 1);
    proxyPorts[s.key] = base + 11 + i;
    env[s.addrVar] = `127.0.0.1:${proxyPorts[s.key]}`;
    const port = base + i + 1;
    proxies[s.key] = new ByteCounter(() => port);
    await proxies[s.key].listen(proxyPorts[s.key]);
  }

  const echoChild: ChildProcess = fork(process.argv[1], ['--echo-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const echoAddress = await new Promise<string>((resolve) => echoChild.once('message', (m: { address: string }) => resolve(m.address)));
  proxies.echo = new ByteCounter(() => Number(echoAddress.split(':')[1]));
  proxyPorts.echo = await proxies.echo.listen(0);

  process.stderr.write(`[capacity] starting the four services (database prefix ${prefix}, ports ${base + 1}-${base + 4}, proxies ${base + 11}-${base + 14})…\n`);
  const stack = stackLib.startServices({ env, quiet: true, replicas: 1 });
  const mongo = new MongoClient(mongoUri);
  // Ctrl-C: stop the services and the echo server rather than leave them running.
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`[capacity] ${signal}: stopping the services\n`);
    echoChild.kill('SIGTERM');
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await stack.waitHealthy(120_000);
    const pids: Record<string, number> = Object.fromEntries(stack.processes.map((p) => [p.app, p.child.pid ?? 0]));
    pids.echo = echoChild.pid ?? 0;
    const apps = stackLib.SERVICES.map((s) => s.app);

    const auth = operatorCredentials();
    const at = (key: string) => `127.0.0.1:${proxyPorts[key]}`;
    const consentClient = createConsentClient(at('consent'), { timeoutMs: 30_000, ...auth('signalpath.consent.v1.ConsentService') });
    const signalClient = createSignalClient(at('signal'), { timeoutMs: 30_000, ...auth('signalpath.signal.v1.SignalService') });
    const profileClient = createProfileClient(at('profile'), { timeoutMs: 30_000, ...auth('signalpath.profile.v1.ProfileService') });
    const rankingClient = createRankingClient(at('ranking'), { timeoutMs: 30_000, ...auth('signalpath.ranking.v1.RankingService') });
    const echoClient = createEchoClient(at('echo'));

    const readCommands = (): Record<string, Record<string, number>> => {
      const out: Record<string, Record<string, number>> = {};
      for (const file of readdirSync(countsDir)) {
        if (!file.endsWith('.json')) continue;
        const app = apps.find((a) => file.startsWith(`${a}.${prefix}`));
        if (!app) continue;
        const { counts } = JSON.parse(readFileSync(path.join(countsDir, file), 'utf8')) as { counts: Record<string, number> };
        out[app] = counts;
      }
      return out;
    };
    // The count files are rewritten every 200 ms while they change: wait past that before reading.
    const snapshot = async (): Promise<Snapshot> => {
      await sleep(450);
      return {
        at: performance.now(),
        cpuMs: Object.fromEntries(Object.entries(pids).map(([app, pid]) => [app, processCpuMs(pid)])),
        commands: readCommands(),
        bytes: Object.fromEntries(Object.entries(proxies).map(([key, p]) => [key, { up: p.up, down: p.down }])),
      };
    };
    const outboxDrained = async () => {
      for (let i = 0; i < 600; i++) {
        const status = await signalClient.getOutboxStatus({});
        if (Number(status.pendingCount) === 0) return;
        await sleep(100);
      }
      throw new Error('outbox never drained');
    };

    // ---- setup: users with settings, a catalog of 1,000+ items ----
    const users = Array.from({ length: 200 }, (_, i) => `cap-user-${i}`);
    const versions = new Map<string, number>();
    for (const userId of users) {
      const { settings } = await consentClient.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
      versions.set(userId, Number(settings?.version ?? 1));
    }
    const itemIds: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const items = Array.from({ length: 250 }, (_, j) => benchItem('cap', batch * 250 + j));
      await rankingClient.upsertItems({ items });
      itemIds.push(...items.map((item) => item.itemId));
    }
    // A profile for every user: a few interactions each, delivered.
    let interaction = 0;
    const ingest = (userId: string, eventTime = new Date()) => {
      const i = interaction++;
      const request = signal.IngestInteractionRequest.fromPartial({
        interaction: {
          interactionId: `cap-${i}-${randomBytes(4).toString('hex')}`,
          userId,
          surface: common.Surface.SURFACE_MESSENGER,
          modality: common.Modality.MODALITY_TEXT,
          text: MESSAGES[i % MESSAGES.length],
          eventTime,
        },
      });
      return { request, call: () => signalClient.ingestInteraction(request) };
    };
    for (const userId of users) for (let k = 0; k < 3; k++) await ingest(userId).call();
    await outboxDrained();
    process.stderr.write(`[capacity] setup done: ${users.length} users, ${itemIds.length} items\n`);

    // ---- idle: what every process spends with no calls (pollers, heartbeats), subtracted below ----
    const idle0 = await snapshot();
    await sleep(4_000);
    const idle1 = await snapshot();
    const idleSeconds = (idle1.at - idle0.at) / 1000;
    const idleCpuPerSec = Object.fromEntries(Object.keys(pids).map((app) => [app, (idle1.cpuMs[app] - idle0.cpuMs[app]) / idleSeconds]));
    const idleCommandsPerSec = diffCommands(idle0.commands, idle1.commands, 1 / idleSeconds);
    process.stderr.write(`[capacity] idle CPU ms/s: ${JSON.stringify(roundAll(idleCpuPerSec))}\n`);

    const results: RpcResult[] = [];
    const phase = async (rpc: string, description: string, make: (i: number) => { request: unknown; encodeRequest: () => Uint8Array; call: () => Promise<unknown>; encodeResponse: (r: unknown) => Uint8Array }, options: { drain?: () => Promise<void> } = {}) => {
      // Warm-up: at least 10 calls and 1 s (JIT, connections, caches).
      const warm = performance.now();
      for (let i = 0; i < 10 || performance.now() - warm < 1_000; i++) await make(1_000_000 + i).call();
      await options.drain?.();
      const before = await snapshot();
      const t0 = performance.now();
      let calls = 0;
      let requestBytes = 0;
      let responseBytes = 0;
      while (calls < MIN_CALLS || performance.now() - t0 < MIN_MS) {
        const call = make(calls);
        const response = await call.call();
        if (calls === 0) {
          requestBytes = call.encodeRequest().length;
          responseBytes = call.encodeResponse(response).length;
        }
        calls++;
      }
      const wallMs = performance.now() - t0;
      await options.drain?.();
      const after = await snapshot();
      const seconds = (after.at - before.at) / 1000;
      const cpuMsPerCall = Object.fromEntries(Object.keys(pids).map((app) => [app, Math.max(0, after.cpuMs[app] - before.cpuMs[app] - idleCpuPerSec[app] * seconds) / calls]));
      const dbCommandsPerCall = diffCommands(before.commands, after.commands, 1 / calls, idleCommandsPerSec, seconds);
      const dbOpsPerCall = Object.fromEntries(Object.entries(dbCommandsPerCall).map(([app, byName]) => [app, sum(Object.values(byName))]));
      const wireBytesPerCall = Object.fromEntries(Object.keys(proxies).map((key) => [key, { up: (after.bytes[key].up - before.bytes[key].up) / calls, down: (after.bytes[key].down - before.bytes[key].down) / calls }]));
      const result: RpcResult = {
        rpc,
        description,
        calls,
        wallMsPerCall: wallMs / calls,
        cpuMsPerCall,
        cpuMsPerCallTotal: sum(apps.map((app) => cpuMsPerCall[app])),
        cpuVsEcho: NaN,
        dbCommandsPerCall,
        dbOpsPerCall,
        dbOpsPerCallTotal: sum(Object.values(dbOpsPerCall)),
        wireBytesPerCall,
        requestBytes,
        responseBytes,
      };
      results.push(result);
      process.stderr.write(`[capacity] ${rpc}: ${calls} calls, ${(wallMs / calls).toFixed(2)} ms each; CPU ms/call ${JSON.stringify(roundAll(cpuMsPerCall))}; db ops/call ${JSON.stringify(roundAll(dbOpsPerCall))}\n`);
      return result;
    };

    const echoResult = await phase('Echo (baseline)', 'no-op echo of 64 bytes, served by grpc-kit in its own process', () => {
      const request = bench.EchoRequest.fromPartial({ payload: Buffer.alloc(64) });
      return { request, encodeRequest: () => bench.EchoRequest.encode(request).finish(), call: () => echoClient.echo(request), encodeResponse: (r) => bench.EchoResponse.encode(r as bench.EchoResponse).finish() };
    });
    const echoCpu = echoResult.cpuMsPerCall.echo;

    const userOf = (i: number) => users[i % users.length];
    await phase('UpdateSettings', 'a settings change (one field, expected version), a different user each call', (i) => {
      const userId = userOf(i);
      const request = consent.UpdateSettingsRequest.fromPartial({ userId, settings: consent.Settings.fromPartial({ region: i % 2 ? 'US' : 'CA' }), updateMask: ['region'], expectedVersion: String(versions.get(userId)) });
      return {
        request,
        encodeRequest: () => consent.UpdateSettingsRequest.encode(request).finish(),
        call: async () => {
          const response = await consentClient.updateSettings(request);
          versions.set(userId, Number(response.settings?.version));
          return response;
        },
        encodeResponse: (r) => consent.UpdateSettingsResponse.encode(r as consent.UpdateSettingsResponse).finish(),
      };
    });
    await phase('GetSettings', "a user's settings (the answering replica's cache may serve it)", (i) => {
      const request = consent.GetSettingsRequest.fromPartial({ userId: userOf(i) });
      return { request, encodeRequest: () => consent.GetSettingsRequest.encode(request).finish(), call: () => consentClient.getSettings(request), encodeResponse: (r) => consent.GetSettingsResponse.encode(r as consent.GetSettingsResponse).finish() };
    });
    await phase('CheckEligibility', 'may this surface use this user for this purpose now', (i) => {
      const request = consent.CheckEligibilityRequest.fromPartial({ userId: userOf(i), surface: common.Surface.SURFACE_FACEBOOK, purpose: common.Purpose.PURPOSE_CONTENT, eventTime: new Date() });
      return { request, encodeRequest: () => consent.CheckEligibilityRequest.encode(request).finish(), call: () => consentClient.checkEligibility(request), encodeResponse: (r) => consent.CheckEligibilityResponse.encode(r as consent.CheckEligibilityResponse).finish() };
    });
    await phase(
      'IngestInteraction',
      'one assistant message (~80 characters) ingested, and its signals delivered by the outbox to ProfileService.ApplySignals (counted here, in every process)',
      (i) => {
        const { request, call } = ingest(userOf(i));
        return { request, encodeRequest: () => signal.IngestInteractionRequest.encode(request).finish(), call, encodeResponse: (r) => signal.IngestInteractionResponse.encode(r as signal.IngestInteractionResponse).finish() };
      },
      { drain: outboxDrained },
    );
    await phase('GetProfile', "a user's interests for a surface and purpose (limit 50)", (i) => {
      const request = profile.GetProfileRequest.fromPartial({ userId: userOf(i), surface: common.Surface.SURFACE_FACEBOOK, purpose: common.Purpose.PURPOSE_CONTENT, limit: 50 });
      return { request, encodeRequest: () => profile.GetProfileRequest.encode(request).finish(), call: () => profileClient.getProfile(request), encodeResponse: (r) => profile.GetProfileResponse.encode(r as profile.GetProfileResponse).finish() };
    });
    await phase('Recommend', 'one feed request: the top 20 posts for a user from the catalog', (i) => {
      const request = ranking.RecommendRequest.fromPartial({ userId: userOf(i), surface: common.Surface.SURFACE_FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 20 });
      return { request, encodeRequest: () => ranking.RecommendRequest.encode(request).finish(), call: () => rankingClient.recommend(request), encodeResponse: (r) => ranking.RecommendResponse.encode(r as ranking.RecommendResponse).finish() };
    });
    await phase('Rank (1,000 candidate ids)', 'one feed request ranking 1,000 catalog items named by id', (i) => {
      const request = ranking.RankRequest.fromPartial({ userId: userOf(i), surface: common.Surface.SURFACE_FACEBOOK, candidateIds: itemIds.slice(0, CANDIDATES) });
      return { request, encodeRequest: () => ranking.RankRequest.encode(request).finish(), call: () => rankingClient.rank(request), encodeResponse: (r) => ranking.RankResponse.encode(r as ranking.RankResponse).finish() };
    });
    for (const r of results) r.cpuVsEcho = r.cpuMsPerCallTotal / echoCpu;

    // ---- storage: a 90-day workload for a few fresh users, event times backdated within the window ----
    const storageUsers = Array.from({ length: STORAGE_USERS }, (_, i) => `cap-storage-${i}`);
    const databases = stackLib.SERVICES.map((s) => `${prefix}${s.key}`);
    const storageBefore = await storageBytes(mongo, databases);
    for (const userId of storageUsers) {
      await consentClient.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    }
    const now = Date.now();
    const messageJobs: Array<() => Promise<unknown>> = [];
    for (let day = 0; day < DAYS; day++) {
      for (let m = 0; m < MESSAGES_PER_DAY; m++) {
        // Day 0 is 89 days ago; messages spread over the day, all inside the 90-day retention.
        const eventTime = new Date(now - (DAYS - 1 - day) * DAY_MS - (DAY_MS / 2) + (m * DAY_MS) / (2 * MESSAGES_PER_DAY));
        for (const userId of storageUsers) messageJobs.push(ingest(userId, eventTime).call);
      }
    }
    process.stderr.write(`[capacity] storage workload: ${messageJobs.length} messages for ${storageUsers.length} users…\n`);
    await runConcurrently(messageJobs, 8);
    await outboxDrained();
    const storageAfterMessages = await storageBytes(mongo, databases);
    const feedJobs: Array<() => Promise<unknown>> = [];
    for (let k = 0; k < DAYS * FEED_REQUESTS_PER_DAY; k++) {
      for (const userId of storageUsers) {
        feedJobs.push(() => rankingClient.recommend({ userId, surface: common.Surface.SURFACE_FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 20 }));
      }
    }
    process.stderr.write(`[capacity] storage workload: ${feedJobs.length} feed requests…\n`);
    await runConcurrently(feedJobs, 8);
    await sleep(1_000);
    const storageAfter = await storageBytes(mongo, databases);
    const perUser = (a: StorageCount, b: StorageCount) => {
      const out: Record<string, { documents: number; bsonBytes: number; indexKeyBytes: number; indexEntries: number }> = {};
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const x = a[key] ?? { documents: 0, bsonBytes: 0, indexKeyBytes: 0, indexEntries: 0 };
        const y = b[key] ?? { documents: 0, bsonBytes: 0, indexKeyBytes: 0, indexEntries: 0 };
        const delta = { documents: (y.documents - x.documents) / STORAGE_USERS, bsonBytes: (y.bsonBytes - x.bsonBytes) / STORAGE_USERS, indexKeyBytes: (y.indexKeyBytes - x.indexKeyBytes) / STORAGE_USERS, indexEntries: (y.indexEntries - x.indexEntries) / STORAGE_USERS };
        if (delta.documents !== 0 || delta.bsonBytes !== 0) out[key.replace(prefix, '')] = delta;
      }
      return out;
    };
    const storage = {
      users: STORAGE_USERS,
      days: DAYS,
      messagesPerDay: MESSAGES_PER_DAY,
      feedRequestsPerDay: FEED_REQUESTS_PER_DAY,
      method:
        'BSON.calculateObjectSize over every document of every collection of the four service databases before and after the workload (only these users were active), divided by the users; index entries: the BSON size of each index key document plus an 8-byte record id per entry, for every index of the collection',
      perUserByCollection: perUser(storageBefore, storageAfter),
      perUserFromFeedRequestsOnly: perUser(storageAfterMessages, storageAfter),
    };
    process.stderr.write(`[capacity] storage per user per ${DAYS} days: ${JSON.stringify(storage.perUserByCollection)}\n`);

    for (const client of [consentClient, signalClient, profileClient, rankingClient, echoClient]) client.close();

    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    const cpuModel = cpus()[0]?.model ?? 'unknown';
    const output = {
      title: 'Capacity: server CPU, database operations and wire bytes per call; storage per user',
      machine: { node: process.version, cpus: cpus().length, cpuModel, loadAverage: loadavg(), time: new Date().toISOString(), commit, dirtyTree: dirty },
      setup: {
        processes: 'one process of each service (tools/lib/stack.cjs startServices, built dist/), the local database (FerretDB v1 on SQLite), tracing on without an exporter',
        calls: `sequential (one in flight), each RPC at least ${MIN_MS} ms and ${MIN_CALLS} calls after a warm-up of at least 10 calls and 1 s`,
        cpu: `utime+stime from /proc/<pid>/stat (${CLOCK_TICKS} ticks/s) of each process over the run, minus that process's idle CPU rate over the same time`,
        dbOps: 'commandStarted events of the MongoDB driver (SIGNALPATH_DB_COMMAND_COUNTS), idle polling rate subtracted',
        wire: 'a TCP proxy in front of each service counting bytes both ways; services reach each other through the proxies too',
        users: users.length,
        catalogItems: itemIds.length,
        idleCpuMsPerSecond: idleCpuPerSec,
        idleDbCommandsPerSecond: idleCommandsPerSec,
        durationSeconds: (Date.now() - started) / 1000,
      },
      rpcs: results,
      storage,
    };
    const out = path.resolve('docs', 'benchmarks', 'capacity.json');
    writeFileSync(out, JSON.stringify(output, null, 2) + '\n');
    process.stderr.write(`[capacity] wrote ${path.relative(process.cwd(), out)}; run \`npm run capacity\` to regenerate docs/capacity.md\n`);
  } finally {
    await stack.stop();
    echoChild.kill('SIGTERM');
    for (const p of Object.values(proxies)) await p.close();
    for (const db of stackLib.SERVICES.map((s) => `${prefix}${s.key}`)) await mongo.db(db).dropDatabase().catch(() => undefined);
    await mongo.close();
    if (existsSync(countsDir)) rmSync(countsDir, { recursive: true, force: true });
  }
}

type StorageCount = Record<string, { documents: number; bsonBytes: number; indexKeyBytes: number; indexEntries: number }>;

/** Per `<db>.<collection>`: documents, their BSON bytes, and the key bytes of every index over them. */
async function storageBytes(mongo: MongoClient, databases: string[]): Promise<StorageCount> {
  const out: StorageCount = {};
  for (const dbName of databases) {
    const db = mongo.db(dbName);
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const collection = db.collection(name);
      const indexes = await collection.indexes();
      const count = { documents: 0, bsonBytes: 0, indexKeyBytes: 0, indexEntries: 0 };
      for await (const doc of collection.find({})) {
        count.documents++;
        count.bsonBytes += BSON.calculateObjectSize(doc);
        for (const index of indexes) {
          const key: Document = {};
          for (const field of Object.keys(index.key)) key[field] = field.split('.').reduce<unknown>((value, part) => (value as Document | undefined)?.[part], doc) ?? null;
          // An 8-byte record id per entry (WiredTiger), no prefix compression (an upper bound).
          count.indexKeyBytes += BSON.calculateObjectSize(key) + 8;
          count.indexEntries++;
        }
      }
      out[`${dbName}.${name}`] = count;
    }
  }
  return out;
}

function diffCommands(a: Record<string, Record<string, number>>, b: Record<string, Record<string, number>>, scale: number, idlePerSec: Record<string, Record<string, number>> = {}, seconds = 0) {
  const out: Record<string, Record<string, number>> = {};
  for (const app of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out[app] = {};
    for (const name of new Set([...Object.keys(a[app] ?? {}), ...Object.keys(b[app] ?? {})])) {
      const delta = (b[app]?.[name] ?? 0) - (a[app]?.[name] ?? 0) - (idlePerSec[app]?.[name] ?? 0) * seconds;
      const value = Math.max(0, delta) * scale;
      if (value > 0) out[app][name] = value;
    }
  }
  return out;
}


async function runConcurrently(jobs: Array<() => Promise<unknown>>, concurrency: number) {
  let next = 0;
  let done = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        await jobs[next++]();
        if (++done % 1000 === 0) process.stderr.write(`  ${done}/${jobs.length} (${((done / (performance.now() - startedAt)) * 1000).toFixed(0)}/s)\n`);
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const roundAll = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));

// The echo baseline in its own process, so its CPU is measured like a service's
if (process.argv.includes('--echo-server')) {
  void startEchoServer().then((echo) => process.send?.({ address: echo.address }));
} else {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
