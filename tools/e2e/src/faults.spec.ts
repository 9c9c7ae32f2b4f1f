import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient } from '@signalpath/grpc-kit';
import { common, consent, profile, ranking, signal } from '@signalpath/proto';
import { startPrivateDatabase, type PrivateDatabase } from '@signalpath/mongo';
import { tokenMetadataProvider } from '@signalpath/service-auth';
import { startE2eStack, testPort, type E2eStack } from './stack';
// The tools' process manager: its health probe is the one the stack waits on.
import stackLib = require('../../lib/stack.cjs');

const { healthStatus } = stackLib;

/**
 * Fault suite (issue 9): SIGTERM under load, replayed interactions, kill -9 of ProfileService,
 * and a database outage. Loopback only; every loop is bounded in count and time.
 */

const FAULT_DB_PORT = testPort(27117);
const SERVICE_KEYS = ['consent', 'signal', 'profile', 'ranking'] as const;
type ServiceKey = (typeof SERVICE_KEYS)[number];
const GRPC_SERVICE: Record<ServiceKey, string> = {
  consent: 'signalpath.consent.v1.ConsentService',
  signal: 'signalpath.signal.v1.SignalService',
  profile: 'signalpath.profile.v1.ProfileService',
  ranking: 'signalpath.ranking.v1.RankingService',
};
/** Texts that yield ads- and content-eligible interest signals. */
const TEXTS = [
  'I started rock climbing at an indoor gym and love bouldering',
  'which climbing shoes are good for a beginner',
  'planning a surfing trip to Portugal this summer',
  'I cooked fresh pasta with a tomato sauce tonight',
  'training for my first marathon, running every morning',
  'we adopted a puppy and are looking for dog training tips',
];
/**
 * A call started before the signal counts as in flight at it. Services keep accepting calls for
 * SHUTDOWN_DRAIN (300 ms) after a SIGTERM, so even one still in the client's or the server's
 * buffers is served; the margin only absorbs Date.now()'s millisecond granularity.
 */
const IN_FLIGHT_MARGIN_MS = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (error: unknown): number => (typeof (error as ServiceError)?.code === 'number' ? (error as ServiceError).code : status.UNKNOWN);
const codeName = (code: number) => status[code] ?? String(code);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

async function setAdultUs(stack: E2eStack, userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    await stack.clients.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
      updateMask: ['region', 'age_band'],
      expectedVersion: '0',
    });
  }
}

function interaction(interactionId: string, userId: string, text: string, eventTime: Date): signal.Interaction {
  return signal.Interaction.fromPartial({ interactionId, userId, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text, eventTime });
}

/** Waits until SignalService's outbox has nothing pending; returns how long it took. */
async function outboxDrained(stack: E2eStack, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: signal.GetOutboxStatusResponse | undefined;
  await until(
    'outbox drained',
    async () => {
      last = await stack.clients.signal.getOutboxStatus({}, { timeoutMs: 3_000 });
      return last.pendingCount === '0' ? true : undefined;
    },
    timeoutMs,
    250,
  ).catch((error: Error) => {
    // Say what was still pending and why deliveries failed, so a failure explains itself.
    const failures = stack.logs.join('').split('\n').filter((line) => /outbox|apply|lease|token/i.test(line) && /"level":"(warn|error)"/.test(line));
    throw new Error(`${error.message}; last status ${JSON.stringify(last)}; last delivery warnings:\n${failures.slice(-8).join('\n')}`);
  });
  return Date.now() - started;
}

/** A user's interests on Messenger for both purposes, as topic → score. */
async function scores(stack: E2eStack, userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, purpose] of [['ads', common.Purpose.PURPOSE_ADS], ['content', common.Purpose.PURPOSE_CONTENT]] as const) {
    const response = await stack.clients.profile.getProfile({ userId, surface: common.Surface.SURFACE_MESSENGER, purpose, limit: 100 });
    for (const interest of response.interests) out[`${name}:${interest.topic?.id ?? ''}`] = interest.score;
  }
  return out;
}

function expectSameScores(actual: Record<string, number>, expected: Record<string, number>, relativeTolerance = 1e-6): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) {
    // Equal up to float rounding (contributions may be applied in another order) and the decay
    // between the two reads (milliseconds against a half-life of days).
    expect(Math.abs(actual[key] - value)).toBeLessThanOrEqual(relativeTolerance * Math.max(1, Math.abs(value)));
  }
}

// ---------------------------------------------------------------------------------------------
// Load generator for the SIGTERM test.

type CallKind = 'ingest' | 'getSettings' | 'getProfile' | 'recommend';
const TARGET_OF: Record<CallKind, ServiceKey> = { ingest: 'signal', getSettings: 'consent', getProfile: 'profile', recommend: 'ranking' };
const KINDS: CallKind[] = ['ingest', 'getSettings', 'getProfile', 'recommend'];

interface CallRecord {
  kind: CallKind;
  start: number;
  end?: number;
  code?: number;
  done: Promise<void>;
}

/**
 * Open loop: starts `issue(n)` for n = 0, 1, … at `perSecond` whatever the calls' latency (as real
 * traffic arrives), at most `maxInFlight` at a time, while `more(n)`; resolves when every started
 * call has ended. `issue` must not reject.
 */
async function openLoop(perSecond: number, more: (n: number) => boolean, issue: (n: number) => Promise<unknown>, maxInFlight = 64): Promise<void> {
  const started = Date.now();
  const calls: Promise<unknown>[] = [];
  let inFlight = 0;
  for (let n = 0; more(n); await sleep(2)) {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond) + 1;
    for (; n < due && inFlight < maxInFlight && more(n); n++) {
      inFlight++;
      calls.push(issue(n).finally(() => inFlight--));
    }
  }
  await Promise.all(calls);
}

let loads = 0;

class Load {
  /** Interaction ids differ between loads: a reused id with other content is ALREADY_EXISTS. */
  private readonly id = ++loads;
  readonly calls: CallRecord[] = [];
  private running = true;
  private workers: Promise<void>[] = [];
  private sequence = 0;

  constructor(
    private readonly stack: E2eStack,
    private readonly users: string[],
    private readonly maxCalls: number,
    /** The kinds of call, taking turns. */
    private readonly kinds: readonly CallKind[] = KINDS,
  ) {}

  /** Closed loop: `concurrency` calls in flight at all times (used to find the peak rate). */
  start(concurrency: number): void {
    this.workers = Array.from({ length: concurrency }, (_, worker) => this.work(worker));
  }

  /** Open loop (see openLoop): calls start at `callsPerSecond` whatever their latency. */
  startAtRate(callsPerSecond: number): void {
    this.workers = [openLoop(callsPerSecond, () => this.running && this.calls.length < this.maxCalls, (n) => this.issue(this.kinds[n % this.kinds.length]).done)];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Calls that ended OK per second over the whole run. */
  okPerSecond(): number {
    const ok = this.calls.filter((c) => c.code === status.OK);
    if (ok.length === 0) return 0;
    const first = Math.min(...this.calls.map((c) => c.start));
    const last = Math.max(...ok.map((c) => c.end ?? c.start));
    return (ok.length / Math.max(1, last - first)) * 1000;
  }

  inFlight(): CallRecord[] {
    return this.calls.filter((c) => c.end === undefined);
  }

  private async work(worker: number): Promise<void> {
    for (let i = worker; this.running && this.calls.length < this.maxCalls; i++) await this.issue(this.kinds[i % this.kinds.length]).done;
  }

  private issue(kind: CallKind): CallRecord {
    const record = { kind, start: Date.now() } as CallRecord;
    record.done = this.call(kind).then(
      () => void Object.assign(record, { end: Date.now(), code: status.OK }),
      (error: unknown) => void Object.assign(record, { end: Date.now(), code: codeOf(error) }),
    );
    this.calls.push(record);
    return record;
  }

  private call(kind: CallKind): Promise<unknown> {
    const n = this.sequence++;
    const userId = this.users[n % this.users.length];
    // Generous: on a loaded CI machine a Recommend can take seconds; the test is about status codes.
    const options = { timeoutMs: 10_000 };
    const { clients } = this.stack;
    switch (kind) {
      case 'ingest':
        return clients.signal.ingestInteraction({ interaction: interaction(`load-${this.id}-${n}`, userId, TEXTS[n % TEXTS.length], new Date()) }, options);
      case 'getSettings':
        return clients.consent.getSettings({ userId }, options);
      case 'getProfile':
        return clients.profile.getProfile({ userId, surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 10 }, options);
      case 'recommend':
        return clients.ranking.recommend(ranking.RecommendRequest.fromPartial({ userId, surface: common.Surface.SURFACE_MESSENGER, limit: 5 }), options);
    }
  }
}

/** Clients without the retry policy, so the test sees each service's own answer. */
function singleAttemptClients(stack: E2eStack) {
  const ring = stack.keyRing;
  const options = (key: ServiceKey) => ({ serviceName: GRPC_SERVICE[key], timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'operator', GRPC_SERVICE[key]) });
  return {
    consent: createClient(consent.ConsentServiceService, stack.addresses.consent, options('consent')),
    signal: createClient(signal.SignalServiceService, stack.addresses.signal, options('signal')),
    profile: createClient(profile.ProfileServiceService, stack.addresses.profile, options('profile')),
    ranking: createClient(ranking.RankingServiceService, stack.addresses.ranking, options('ranking')),
  };
}

// ---------------------------------------------------------------------------------------------

// Once with one process of each service, once with two of each (issue 18 §2): clients spread the
// traffic over both round robin, and a fault hits one replica while the other keeps serving.
describe.each([
  { replicas: 1, basePort: 31450 },
  { replicas: 2, basePort: 31950 },
])('fault suite ($replicas process(es) of each service, loopback)', ({ replicas, basePort }) => {
  let stack: E2eStack;
  /** With replicas, a fault hits replica 0 only. */
  const faulted = replicas > 1 ? { replica: 0 } : {};

  beforeAll(async () => {
    // A short apply lease so a delivery cut by kill -9 is taken over within seconds, not 30 s.
    stack = await startE2eStack({ basePort, replicas, extraEnv: { PROFILE_APPLY_LEASE: '6s', SIGNAL_DELIVERY_MAX_BACKOFF: '2s' } });
    await stack.clients.ranking.upsertItems({
      items: [
        ranking.Item.fromPartial({ itemId: 'fault-climbing', kind: ranking.ItemKind.ITEM_KIND_GROUP, title: 'Boulderers', topicIds: ['500'], baseScore: 0.2 }),
        ranking.Item.fromPartial({ itemId: 'fault-cooking', kind: ranking.ItemKind.ITEM_KIND_POST, title: 'Pasta', topicIds: ['210'], baseScore: 0.5 }),
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('SIGTERM under load: calls in flight at the signal complete OK, later ones at worst UNAVAILABLE, and each service serves again after restart', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `sigterm-user-${i}`);
    await setAdultUs(stack, users);
    // The peak of this mix on this machine, now: 16 calls always in flight for 3 s.
    const probe = new Load(stack, users, 20_000);
    probe.start(16);
    await sleep(3_000);
    await probe.stop();
    const peakPerSecond = probe.okPerSecond();
    expect(peakPerSecond).toBeGreaterThan(0);
    // The faults happen under about half of it.
    const load = new Load(stack, users, 20_000);
    load.startAtRate(peakPerSecond / 2);
    const figures: Array<Record<string, unknown>> = [];
    const windows: Array<{ key: ServiceKey; signalAt: number; restartedAt: number; recoveredAt: number; inFlight: CallRecord[] }> = [];
    try {
      for (const key of SERVICE_KEYS) {
        await sleep(500);
        // Signal at a moment when at least one call to the target has surely reached it.
        await until('a call to the target in flight', async () => (load.inFlight().some((c) => TARGET_OF[c.kind] === key && Date.now() - c.start >= IN_FLIGHT_MARGIN_MS) ? true : undefined), 5_000, 1);
        const inFlight = load.inFlight();
        const signalAt = Date.now();
        await stack.restart(key, faulted); // SIGTERM (graceful drain), wait for exit, start, wait for SERVING
        const restartedAt = Date.now();
        // Clients reconnect with backoff: serving again = every kind of call succeeded since the restart.
        const recoveredAt = await until(
          `${key} serving again`,
          async () => {
            const since = load.calls.filter((c) => c.start >= restartedAt && c.code === status.OK);
            const last = Math.max(...KINDS.map((k) => Math.min(...since.filter((c) => c.kind === k).map((c) => c.end ?? Infinity))));
            return Number.isFinite(last) ? last : undefined;
          },
          45_000,
          50,
        );
        windows.push({ key, signalAt, restartedAt, recoveredAt, inFlight });
        await sleep(500);
      }
    } finally {
      await load.stop();
    }

    const failures: string[] = [];
    for (const [index, w] of windows.entries()) {
      const windowEnd = windows[index + 1]?.signalAt ?? Infinity;
      const toTarget = w.inFlight.filter((c) => TARGET_OF[c.kind] === w.key && c.start <= w.signalAt - IN_FLIGHT_MARGIN_MS);
      const during = load.calls.filter((c) => c.start > w.signalAt && c.start < w.recoveredAt);
      const after = load.calls.filter((c) => c.start >= w.recoveredAt && c.start < windowEnd && !w.inFlight.includes(c));
      for (const c of toTarget) if (c.code !== status.OK) failures.push(`${w.key}: in-flight ${c.kind} (started ${w.signalAt - c.start} ms before SIGTERM) ended ${codeName(c.code ?? status.UNKNOWN)}`);
      // Other calls in flight, or started until recovery, may fail only as UNAVAILABLE (fail closed).
      for (const c of [...w.inFlight.filter((c) => !toTarget.includes(c)), ...during]) {
        if (c.code !== status.OK && c.code !== status.UNAVAILABLE) failures.push(`${w.key}: ${c.kind} during the restart ended ${codeName(c.code ?? status.UNKNOWN)}`);
      }
      for (const c of after) if (c.code !== status.OK) failures.push(`${w.key}: ${c.kind} after recovery ended ${codeName(c.code ?? status.UNKNOWN)}`);
      figures.push({
        service: w.key,
        inFlightAtSigterm: w.inFlight.length,
        inFlightToTarget: toTarget.length,
        inFlightToTargetOk: toTarget.filter((c) => c.code === status.OK).length,
        inFlightOk: w.inFlight.filter((c) => c.code === status.OK).length,
        callsDuringRestart: during.length,
        unavailableDuringRestart: during.filter((c) => c.code === status.UNAVAILABLE).length,
        restartMs: w.restartedAt - w.signalAt,
        servingAgainMs: w.recoveredAt - w.signalAt,
        callsAfterRecovery: after.length,
      });
    }
    const rate = `peak ${peakPerSecond.toFixed(0)} calls/s (c=16), load ${(peakPerSecond / 2).toFixed(0)} calls/s asked, ${load.okPerSecond().toFixed(0)} OK/s`;
    console.log(`SIGTERM under load (${replicas} of each; ${rate}, ${load.calls.length} calls):\n${JSON.stringify(figures, null, 1)}`);
    expect(failures).toEqual([]);
    for (const f of figures) expect(f.inFlightToTarget).toBeGreaterThan(0);
  }, 240_000);

  it('replaying 10% of the interactions answers DUPLICATE and counts nothing twice', async () => {
    const [replayed, control] = ['replay-user', 'replay-control'];
    await setAdultUs(stack, [replayed, control]);
    const base = Date.now() - 3_600_000;
    const n = 40;
    const messages = Array.from({ length: n }, (_, i) => ({ text: TEXTS[i % TEXTS.length], eventTime: new Date(base + i * 1_000) }));
    const ingest = (userId: string, i: number) =>
      stack.clients.signal.ingestInteraction({ interaction: interaction(`${userId}-${i}`, userId, messages[i].text, messages[i].eventTime) });
    const first = await Promise.all(messages.map((_, i) => ingest(replayed, i)));
    await Promise.all(messages.map((_, i) => ingest(control, i)));
    expect(first.map((r) => r.status)).toEqual(messages.map(() => signal.IngestStatus.INGEST_STATUS_ACCEPTED));

    const replayIndexes = Array.from({ length: n / 10 }, (_, k) => k * 10 + 3);
    const replays = await Promise.all(replayIndexes.map((i) => ingest(replayed, i)));
    expect(replays.map((r) => r.status)).toEqual(replayIndexes.map(() => signal.IngestStatus.INGEST_STATUS_DUPLICATE));
    // The first result is returned: the same signal ids, so ProfileService can recognise them.
    replays.forEach((r, k) => expect(r.signals.map((s) => s.signalId)).toEqual(first[replayIndexes[k]].signals.map((s) => s.signalId)));

    const drainMs = await outboxDrained(stack, 60_000);
    const [got, expected] = [await scores(stack, replayed), await scores(stack, control)];
    console.log(`replay (${replicas} of each): ${n} ingested, ${replays.length} replayed → DUPLICATE; outbox drained in ${drainMs} ms; ${Object.keys(expected).length} interests compared`);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expectSameScores(got, expected);
    const listed = async (userId: string) => {
      let count = 0;
      let pageToken = '';
      for (let page = 0; page < 50; page++) {
        const response = await stack.clients.signal.listSignals({ userId, pageSize: 100, pageToken });
        count += response.signals.length;
        pageToken = response.nextPageToken;
        if (!pageToken) return count;
      }
      throw new Error('too many pages');
    };
    expect(await listed(replayed)).toBe(await listed(control));
  }, 150_000);

  it('kill -9 of ProfileService under ingest load: after restart and drain, every accepted signal is applied exactly once', async () => {
    const pairs = [0, 1, 2].map((i) => ({ killed: `kill9-user-${i}`, control: `kill9-control-${i}` }));
    await setAdultUs(stack, pairs.flatMap((p) => [p.killed, p.control]));
    const base = Date.now() - 1_800_000;
    const n = 60;
    const messages = Array.from({ length: n }, (_, i) => ({ text: TEXTS[(i * 5) % TEXTS.length], eventTime: new Date(base + i * 1_000) }));
    const ingest = (userId: string, i: number) =>
      stack.clients.signal.ingestInteraction({ interaction: interaction(`${userId}-${i}`, userId, messages[i].text, messages[i].eventTime) }, { timeoutMs: 10_000 });

    // The control users' profiles are built while ProfileService is up.
    for (const { control } of pairs) await Promise.all(messages.map((_, i) => ingest(control, i)));
    await outboxDrained(stack, 60_000);

    // The ingest peak here, now: 16 always in flight for 2 s (a user of its own).
    await setAdultUs(stack, ['kill9-probe']);
    const probe = new Load(stack, ['kill9-probe'], 20_000, ['ingest']);
    probe.start(16);
    await sleep(2_000);
    await probe.stop();
    const peakPerSecond = probe.okPerSecond();
    expect(peakPerSecond).toBeGreaterThan(0);
    await outboxDrained(stack, 60_000);

    // The same messages for the other users at about half that rate, with ProfileService killed
    // half-way.
    const work = pairs.flatMap(({ killed }) => messages.map((_, i) => ({ userId: killed, i })));
    const rate = peakPerSecond / 2;
    const results: Array<{ status?: signal.IngestStatus; code?: number }> = [];
    let killedAt = 0;
    let pendingAtKill = '?';
    let restartMs = 0;
    let killing: Promise<void> | undefined;
    await openLoop(
      rate,
      (n) => n < work.length,
      async (n) => {
        if (n === Math.floor(work.length / 2)) {
          killing = (async () => {
            pendingAtKill = (await stack.clients.signal.getOutboxStatus({})).pendingCount;
            killedAt = Date.now();
            await stack.restart('profile', { kill: true, ...faulted });
            restartMs = Date.now() - killedAt;
          })();
        }
        const { userId, i } = work[n];
        results.push(await ingest(userId, i).then((r) => ({ status: r.status }), (error: unknown) => ({ code: codeOf(error) })));
      },
    );
    await killing;
    // Ingestion does not wait for ProfileService: every call is accepted.
    expect(results.filter((r) => r.status !== signal.IngestStatus.INGEST_STATUS_ACCEPTED)).toEqual([]);
    const drainMs = await outboxDrained(stack, 90_000);
    for (const { killed, control } of pairs) expectSameScores(await scores(stack, killed), await scores(stack, control));
    console.log(
      `kill -9 (${replicas} of each, one profile replica killed when two): ingest peak ${peakPerSecond.toFixed(0)}/s (c=16), load ${rate.toFixed(0)}/s; ${results.length} ingests accepted; outbox pending at kill ${pendingAtKill}; restart ${restartMs} ms; drained ${drainMs} ms after the load`,
    );
  }, 240_000);
});

describe('database stop and restart (a FerretDB of its own on 27117, a second stack)', () => {
  let stack: E2eStack;
  let database: PrivateDatabase | undefined;

  beforeAll(async () => {
    database = await startPrivateDatabase(FAULT_DB_PORT);
    stack = await startE2eStack({ basePort: 31550, extraEnv: { MONGODB_URI: `mongodb://127.0.0.1:${FAULT_DB_PORT}/` } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await database?.close();
  });

  it('answers UNAVAILABLE within the deadline while the database is down, goes NOT_SERVING, and recovers without a restart keeping every acknowledged write', async () => {
    const users = Array.from({ length: 5 }, (_, i) => `dbfault-user-${i}`);
    const probe = 'dbfault-probe';
    await setAdultUs(stack, [...users, probe]);
    const eventTime = new Date(Date.now() - 60_000);
    const acknowledged = await Promise.all(
      users.map((userId, i) => stack.clients.signal.ingestInteraction({ interaction: interaction(`dbfault-${i}`, userId, TEXTS[i % TEXTS.length], eventTime) })),
    );
    expect(acknowledged.map((r) => r.status)).toEqual(users.map(() => signal.IngestStatus.INGEST_STATUS_ACCEPTED));
    await stack.clients.ranking.upsertItems({ items: [ranking.Item.fromPartial({ itemId: 'dbfault-item', kind: ranking.ItemKind.ITEM_KIND_POST, title: 'Kept', topicIds: ['500'], baseScore: 0.3 })] });
    await outboxDrained(stack, 60_000);
    const profilesBefore = await Promise.all(users.map((u) => scores(stack, u)));
    expect(profilesBefore.every((p) => Object.keys(p).length > 0)).toBe(true);

    const direct = singleAttemptClients(stack);
    try {
      const stoppedAt = Date.now();
      await database?.stop();

      const notServingMs: Record<string, number> = {};
      await Promise.all(
        SERVICE_KEYS.map(async (key) => {
          await until(`${key} NOT_SERVING`, async () => ((await healthStatus(stack.addresses[key])) === 'NOT_SERVING' ? true : undefined), 30_000, 100);
          notServingMs[key] = Date.now() - stoppedAt;
        }),
      );

      const deadlineMs = 8_000;
      const outage = {
        'ConsentService.UpdateSettings': () =>
          direct.consent.updateSettings(
            { userId: 'dbfault-new', settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' },
            { timeoutMs: deadlineMs },
          ),
        'SignalService.IngestInteraction': () => direct.signal.ingestInteraction({ interaction: interaction('dbfault-during', probe, TEXTS[0], new Date()) }, { timeoutMs: deadlineMs }),
        'ProfileService.GetProfile': () =>
          direct.profile.getProfile({ userId: users[0], surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 10 }, { timeoutMs: deadlineMs }),
        'RankingService.UpsertItems': () =>
          direct.ranking.upsertItems({ items: [ranking.Item.fromPartial({ itemId: 'dbfault-during', kind: ranking.ItemKind.ITEM_KIND_POST, title: 'x', topicIds: ['500'], baseScore: 0.1 })] }, { timeoutMs: deadlineMs }),
      };
      const answers = await Promise.all(
        Object.entries(outage).map(async ([name, call]) => {
          const started = Date.now();
          const code = await call().then(() => status.OK, codeOf);
          return { name, code: codeName(code), ms: Date.now() - started };
        }),
      );
      console.log(`database down: NOT_SERVING after ${JSON.stringify(notServingMs)} ms; answers ${JSON.stringify(answers)}`);
      const unexpected = stack.logs.join('').split('\n').filter((line) => line.includes('unexpected error in handler'));
      if (unexpected.length > 0) console.log(`unexpected handler errors:\n${unexpected.map((l) => l.slice(0, 400)).join('\n')}`);
      for (const answer of answers) {
        expect(answer).toMatchObject({ name: answer.name, code: 'UNAVAILABLE' });
        expect(answer.ms).toBeLessThan(deadlineMs + 1_000);
      }

      const restartedAt = Date.now();
      await database?.start();
      const servingMs: Record<string, number> = {};
      await Promise.all(
        SERVICE_KEYS.map(async (key) => {
          await until(`${key} SERVING again`, async () => ((await healthStatus(stack.addresses[key])) === 'SERVING' ? true : undefined), 60_000, 100);
          servingMs[key] = Date.now() - restartedAt;
        }),
      );
      const callsOkMs = await until(
        'calls OK again',
        async () => {
          await direct.consent.getSettings({ userId: users[0] }, { timeoutMs: 3_000 });
          await direct.signal.ingestInteraction({ interaction: interaction('dbfault-after', probe, TEXTS[1], new Date()) }, { timeoutMs: 3_000 });
          await direct.profile.getProfile({ userId: users[0], surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 10 }, { timeoutMs: 3_000 });
          await direct.ranking.explainItem({ userId: users[0], itemId: 'dbfault-item', surface: common.Surface.SURFACE_MESSENGER }, { timeoutMs: 3_000 });
          return Date.now() - restartedAt;
        },
        60_000,
        200,
      );
      console.log(`database restarted: SERVING again after ${JSON.stringify(servingMs)} ms; every kind of call OK after ${callsOkMs} ms`);

      // Every acknowledged write is still there.
      for (const userId of users) {
        const { settings } = await stack.clients.consent.getSettings({ userId });
        expect(settings).toMatchObject({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT });
      }
      const replays = await Promise.all(
        users.map((userId, i) => stack.clients.signal.ingestInteraction({ interaction: interaction(`dbfault-${i}`, userId, TEXTS[i % TEXTS.length], eventTime) })),
      );
      expect(replays.map((r) => r.status)).toEqual(users.map(() => signal.IngestStatus.INGEST_STATUS_DUPLICATE));
      await outboxDrained(stack, 60_000);
      const profilesAfter = await Promise.all(users.map((u) => scores(stack, u)));
      // Only decay (seconds against a 30-day half-life) separates the two reads.
      profilesAfter.forEach((p, i) => expectSameScores(p, profilesBefore[i], 1e-3));
      const item = await stack.clients.ranking.explainItem({ userId: users[0], itemId: 'dbfault-item', surface: common.Surface.SURFACE_MESSENGER });
      expect(item).toBeDefined();
    } finally {
      Object.values(direct).forEach((c) => c.close());
    }
  }, 240_000);
});
