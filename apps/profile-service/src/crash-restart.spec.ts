import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createClient } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { createMongo } from '@signalpath/mongo';
import { createProfileClient } from '@signalpath/service-clients';
import { ensureDevKeys, loadKeyRing, tokenMetadataProvider, type KeyRing } from '@signalpath/service-auth';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requireMongoUri, uniqueDbName } from '@signalpath/testing';

import { APPLIED_OPS, SIGNAL_CLAIMS } from './store/collections';
import { signal, TOPIC } from './testing/harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist', 'apps', 'profile-service');
const TOPICS = [TOPIC.CLIMBING, TOPIC.TRAVEL, TOPIC.COOKING, TOPIC.SOCCER];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The real ProfileService process is SIGKILLed while an outbox-like sender delivers batches
 * (with retries, redeliveries and concurrency), then restarted: every signal must count once.
 */
describe('ProfileService killed during ingestion and restarted', () => {
  jest.setTimeout(120_000);
  const prefix = `${uniqueDbName('crash')}_`;
  let child: ChildProcess | undefined;
  let port: number;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'tools', 'build-service.mjs'), 'profile-service'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    port = await freePort();
    // The process checks service tokens as in production: only SignalService may apply signals.
    keysDir = mkdtempSync(path.join(tmpdir(), 'profile-keys-'));
    ensureDevKeys(keysDir);
    ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
  });
  let keysDir = '';
  let ring: KeyRing;
  const as = (identity: string) => ({ metadataProvider: tokenMetadataProvider(ring, identity, 'signalpath.profile.v1.ProfileService') });

  const startProcess = () => {
    child = spawn(process.execPath, ['--require', path.join(DIST, 'instrumentation.js'), path.join(DIST, 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        MONGODB_URI: requireMongoUri(),
        MONGODB_DB_PREFIX: prefix,
        PROFILE_PORT: String(port),
        SIGNALPATH_KEYS_DIR: keysDir,
        SIGNALPATH_DEV_KEYS: 'true',
        CONSENT_ADDR: '127.0.0.1:1',
        // Decay is not what this test is about; a lease of 1s lets redeliveries take over quickly.
        PROFILE_HALF_LIFE: '36500d',
        PROFILE_APPLY_LEASE: '1s',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Surface the service's error logs (ids and error names only) to explain a failure.
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.includes('"level":"error"')) process.stderr.write(`[profile-service] ${line}\n`);
    });
  };

  afterAll(async () => {
    child?.kill('SIGKILL');
    const mongo = createMongo({ uri: requireMongoUri(), dbName: `${prefix}profile`, appName: 'crash-cleanup' });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('applies every signal exactly once', async () => {
    const users = ['crash-a', 'crash-b', 'crash-c'];
    const batches = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) =>
        signal({ userId: users[(b + i) % users.length], topicId: TOPICS[i % TOPICS.length], weight: 1 + ((b * 25 + i) % 3), eventTime: new Date() }),
      ),
    );
    const expected = new Map<string, number>();
    for (const s of batches.flat()) expected.set(`${s.userId}|${s.topicId}`, (expected.get(`${s.userId}|${s.topicId}`) ?? 0) + s.weight);

    startProcess();
    // No channel retries: the sender retries whole batches itself, like SignalService's outbox.
    // A fresh channel per retry skips grpc-js's growing reconnect backoff while the process restarts.
    const connect = () => createClient(profile.ProfileServiceService, `127.0.0.1:${port}`, { serviceName: 'signalpath.profile.v1.ProfileService', timeoutMs: 3_000, ...as('signal-service') });
    const deliver = async (batch: profile.ProfileSignal[]) => {
      for (let client = connect(); ; client = connect()) {
        try {
          return await client.applySignals({ signals: batch });
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        } finally {
          client.close();
        }
      }
    };
    let delivered = 0;
    let killed = 0;
    const queue = [...batches.keys()];
    const sender = async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
        await deliver(batches[index]);
        delivered++;
        // Redeliver an earlier batch now and then, as an outbox does after a lost answer.
        if (index % 5 === 0) await deliver(batches[Math.floor(index / 2)]);
      }
    };
    const killer = async () => {
      for (const at of [8, 20, 30]) {
        while (delivered < at) await new Promise((resolve) => setTimeout(resolve, 5));
        child?.kill('SIGKILL');
        killed++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        startProcess();
      }
    };
    await Promise.all([sender(), sender(), sender(), killer()]);
    expect(killed).toBe(3);

    // Every batch once more: all duplicates now (after the lease, crashed claims are settled).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const verify = createProfileClient(`127.0.0.1:${port}`, { timeoutMs: 10_000, ...as('signal-service') });
    for (const batch of batches) expect((await verify.applySignals({ signals: batch })).appliedCount).toBe(0);
    const exporter = createProfileClient(`127.0.0.1:${port}`, { timeoutMs: 10_000, ...as('consent-service') });

    for (const userId of users) {
      const exported = await exporter.exportUserData({ userId });
      const instagram = exported.profiles.find((p) => p.surface === common.Surface.SURFACE_INSTAGRAM);
      for (const topicId of TOPICS) {
        const score = instagram?.interests.find((i) => i.topic?.id === topicId)?.score;
        expect({ userId, topicId, score: Math.round((score ?? 0) * 1000) / 1000 }).toEqual({ userId, topicId, score: expected.get(`${userId}|${topicId}`) });
      }
    }
    verify.close();
    exporter.close();

    const mongo = createMongo({ uri: requireMongoUri(), dbName: `${prefix}profile`, appName: 'crash-check' });
    const claims = await mongo.db.collection(SIGNAL_CLAIMS).find({}).toArray();
    expect(claims).toHaveLength(1000);
    const appliedOps = new Set((await mongo.db.collection(APPLIED_OPS).find({}).toArray()).map((op) => op._id));
    expect(claims.filter((claim) => !appliedOps.has(claim.op))).toEqual([]);
    await mongo.close();
  });
});
