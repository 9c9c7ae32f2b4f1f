import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { createClient } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { createMongo } from '@signalpath/mongo';
import { createProfileClient } from '@signalpath/service-clients';
import { ensureDevKeys, loadKeyRing, tokenMetadataProvider, type KeyRing } from '@signalpath/service-auth';
import { requireMongoUri, testPort, uniqueDbName } from '@signalpath/testing';

import { APPLIED_OPS, SIGNAL_CLAIMS } from './store/collections';
import { profileUserData, signal, TOPIC } from './testing/harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist', 'apps', 'profile-service');
const TOPICS = [TOPIC.CLIMBING, TOPIC.TRAVEL, TOPIC.COOKING, TOPIC.SOCCER];
/**
 * Fixed, below Linux's ephemeral range (32768–60999): the process is restarted on the same port
 * while this file opens hundreds of client connections, and a port in that range can be taken as
 * some connection's local port in between — the restart then fails with EADDRINUSE.
 */
const PORT = testPort(29030);
/** The whole test's bound; every wait below ends on progress or on this. */
const TEST_TIMEOUT_MS = 360_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function health(port: number): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client['check']({ service: '' }, { deadline: Date.now() + 2_000 }, (error: Error | null, response: { status: string }) => {
      client.close();
      resolve(error ? 'DOWN' : response.status);
    });
  });
}

/**
 * The real ProfileService process is SIGKILLed while an outbox-like sender delivers batches
 * (with retries, redeliveries and concurrency), then restarted: every signal must count once.
 *
 * Nothing here waits a fixed time. The apply lease (how long a redelivery waits for a crashed
 * owner, and half of which bounds one apply) is derived from the apply time measured on this
 * machine, now: a fixed 1 s lease made every apply on a loaded machine run past half its lease,
 * refuse to write and be retried for ever.
 */
describe('ProfileService killed during ingestion and restarted', () => {
  jest.setTimeout(TEST_TIMEOUT_MS);
  const prefix = `${uniqueDbName('crash')}_`;
  const children = new Set<ChildProcess>();
  /** Processes this file stops on purpose; any other exit is a crash. */
  const stopping = new Set<ChildProcess>();
  let child: ChildProcess | undefined;
  let keysDir = '';
  let ring: KeyRing;
  /** Set when the test ends (or fails): every loop below stops. */
  let stopped = false;
  /** An unexpected exit of the service: reported instead of retrying against a dead port. */
  let crashed: Error | undefined;
  const as = (identity: string) => ({ metadataProvider: tokenMetadataProvider(ring, identity, 'signalpath.profile.v1.ProfileService') });

  // Also when the process ends without teardown (the jest watchdog stops an overrunning run).
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
  process.once('exit', killAll);

  beforeAll(() => {
    const build = spawnSync('npx', ['nx', 'run', 'profile-service:build', '--output-style=static'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NX_DAEMON: 'false' } });
    if (build.status !== 0) throw new Error(`build failed: ${build.error?.message ?? build.stderr}`);
    // The process checks service tokens as in production: only SignalService may apply signals.
    keysDir = mkdtempSync(path.join(tmpdir(), 'profile-keys-'));
    ensureDevKeys(keysDir);
    ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
  }, 150_000);

  /** Starts the service with `leaseMs` and waits until it is SERVING (or fails if it exits). */
  async function startProcess(leaseMs: number): Promise<void> {
    // A loop still running after the test ended (timed out) must not start what teardown stopped.
    if (stopped) throw new Error('test ended');
    if ((await health(PORT)) !== 'DOWN') throw new Error(`127.0.0.1:${PORT} already answers: another process holds this test's port`);
    const started = spawn(process.execPath, ['--require', path.join(DIST, 'instrumentation.js'), path.join(DIST, 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        MONGODB_URI: requireMongoUri(),
        MONGODB_DB_PREFIX: prefix,
        PROFILE_PORT: String(PORT),
        SIGNALPATH_KEYS_DIR: keysDir,
        SIGNALPATH_DEV_KEYS: 'true',
        CONSENT_ADDR: '127.0.0.1:1',
        // Decay is not what this test is about.
        PROFILE_HALF_LIFE: '36500d',
        PROFILE_APPLY_LEASE: `${leaseMs}ms`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    children.add(started);
    const stderr: string[] = [];
    started.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    // Surface the service's error logs (ids and error names only) to explain a failure.
    started.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.includes('"level":"error"')) process.stderr.write(`[profile-service] ${line}\n`);
    });
    started.once('exit', (code, signalName) => {
      children.delete(started);
      if (!stopping.has(started) && !stopped) crashed ??= new Error(`profile-service exited (code ${code}, signal ${signalName}): ${stderr.join('').slice(-500)}`);
    });
    while ((await health(PORT)) !== 'SERVING') {
      if (crashed) throw crashed;
      if (stopped) throw new Error('test ended while the service was starting');
      await sleep(100);
    }
  }

  async function kill(signalName: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    stopping.add(current);
    current.kill(signalName);
    await exited;
  }

  afterAll(async () => {
    stopped = true;
    process.off('exit', killAll);
    // Every process this file started, whatever state the test ended in.
    await Promise.all([...children].map((c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(undefined) : (c.once('exit', resolve), c.kill('SIGKILL'))))));
    const mongo = createMongo({ uri: requireMongoUri(), dbName: `${prefix}profile`, appName: 'crash-cleanup' });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  });

  it('applies every signal exactly once', async () => {
    const users = ['crash-a', 'crash-b', 'crash-c'];
    const batches = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) =>
        signal({ userId: users[(b + i) % users.length], topicId: TOPICS[i % TOPICS.length], weight: (1 + ((b * 25 + i) % 3)) / 4, eventTime: new Date() }),
      ),
    );
    const expected = new Map<string, number>();
    for (const s of batches.flat()) expected.set(`${s.userId}|${s.topicId}`, (expected.get(`${s.userId}|${s.topicId}`) ?? 0) + s.weight);

    // No channel retries: the sender retries whole batches itself, like SignalService's outbox.
    // A fresh channel per retry skips grpc-js's growing reconnect backoff while the process restarts.
    const connect = (timeoutMs: number) =>
      createClient(profile.ProfileServiceService, `127.0.0.1:${PORT}`, { serviceName: 'signalpath.profile.v1.ProfileService', timeoutMs, ...as('signal-service') });

    // Measure: how long a batch takes to apply here, now, three at a time as the senders below
    // send them (users of their own, not counted below).
    await startProcess(30_000);
    const probe = connect(60_000);
    let slowestMs = 0;
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        [0, 1, 2].map(async (k) => {
          const started = Date.now();
          await probe.applySignals({ signals: Array.from({ length: 25 }, (_, i) => signal({ userId: `crash-probe-${k}`, topicId: TOPICS[i % TOPICS.length] })) });
          slowestMs = Math.max(slowestMs, Date.now() - started);
        }),
      );
    }
    probe.close();
    await kill('SIGTERM');
    // A lease far above the measured apply time: an apply refuses to write past half its lease,
    // and the collections grow during the test (FerretDB scans them), so applies slow down. Each
    // attempt's deadline is above the lease (a redelivery waits up to a lease for a dead owner).
    const leaseMs = Math.min(30_000, Math.max(5_000, 25 * slowestMs));
    const attemptTimeoutMs = 3 * leaseMs;
    await startProcess(leaseMs);

    let delivered = 0;
    let attempts = 0;
    const failures = new Map<string, number>();
    const progress: Array<() => void> = [];
    const deliver = async (batch: profile.ProfileSignal[]) => {
      while (!stopped) {
        if (crashed) throw crashed;
        attempts++;
        const client = connect(attemptTimeoutMs);
        try {
          return await client.applySignals({ signals: batch });
        } catch (error) {
          // Refused while the process is down or restarting, or cut by the kill: retry.
          const reason = (error as { details?: string }).details?.slice(0, 40) ?? 'unknown';
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
          await sleep(100);
        } finally {
          client.close();
        }
      }
      throw new Error('test ended');
    };
    const queue = [...batches.keys()];
    const sender = async () => {
      for (let index = queue.shift(); index !== undefined && !stopped; index = queue.shift()) {
        await deliver(batches[index]);
        delivered++;
        progress.splice(0).forEach((wake) => wake());
        // Redeliver an earlier batch now and then, as an outbox does after a lost answer.
        if (index % 5 === 0) await deliver(batches[Math.floor(index / 2)]);
      }
    };
    const deliveredAtLeast = async (n: number) => {
      while (delivered < n && !stopped) {
        if (crashed) throw crashed;
        await new Promise<void>((resolve) => progress.push(resolve));
      }
    };
    let killed = 0;
    const restartMs: number[] = [];
    const killer = async () => {
      for (const at of [8, 20, 30]) {
        await deliveredAtLeast(at);
        const killedAt = Date.now();
        await kill('SIGKILL');
        killed++;
        await startProcess(leaseMs);
        restartMs.push(Date.now() - killedAt);
      }
    };
    const phase = { started: Date.now(), delivered: 0, verified: 0 };
    try {
      await Promise.all([sender(), sender(), sender(), killer()]);
    } finally {
      progress.splice(0).forEach((wake) => wake());
    }
    expect(killed).toBe(3);
    phase.delivered = Date.now();

    // Every batch once more: all duplicates now. A claim a killed process left is waited for (up
    // to a lease) and settled by the call itself, so no fixed wait is needed.
    const verify = createProfileClient(`127.0.0.1:${PORT}`, { timeoutMs: attemptTimeoutMs, ...as('signal-service') });
    const exporter = profileUserData(`127.0.0.1:${PORT}`, { timeoutMs: attemptTimeoutMs, ...as('consent-service') });
    try {
      for (const batch of batches) expect((await verify.applySignals({ signals: batch })).appliedCount).toBe(0);
      for (const userId of users) {
        const exported = await exporter.exportUserData({ userId });
        const instagram = exported.profiles.find((p) => p.surface === common.Surface.SURFACE_INSTAGRAM);
        for (const topicId of TOPICS) {
          const score = instagram?.interests.find((i) => i.topic?.id === topicId)?.score;
          expect({ userId, topicId, score: Math.round((score ?? 0) * 1000) / 1000 }).toEqual({ userId, topicId, score: expected.get(`${userId}|${topicId}`) });
        }
      }
    } finally {
      verify.close();
      exporter.close();
    }

    phase.verified = Date.now();
    const mongo = createMongo({ uri: requireMongoUri(), dbName: `${prefix}profile`, appName: 'crash-check' });
    try {
      const claims = await mongo.db.collection(SIGNAL_CLAIMS).find({ user_id: { $in: users } }).toArray();
      expect(claims).toHaveLength(1000);
      const appliedOps = new Set((await mongo.db.collection(APPLIED_OPS).find({}).toArray()).map((op) => op._id));
      expect(claims.filter((claim) => !appliedOps.has(claim.op))).toEqual([]);
    } finally {
      await mongo.close();
    }
    console.log(
      `crash-restart: slowest probe apply ${slowestMs} ms → lease ${leaseMs} ms; ${attempts} delivery attempts for 40 batches + redeliveries over 3 SIGKILLs ` +
        `(restarts ${restartMs.join(', ')} ms; failed attempts ${JSON.stringify(Object.fromEntries(failures))}); delivering ${phase.delivered - phase.started} ms, verifying ${phase.verified - phase.delivered} ms`,
    );
  });
});
