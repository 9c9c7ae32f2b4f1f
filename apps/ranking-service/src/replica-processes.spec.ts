import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { common } from '@signalpath/proto';
import { createMongo, databaseName } from '@signalpath/mongo';
import { createRankingClient, type RankingClient } from '@signalpath/service-clients';
import { FakeConsentService, testPort, uniqueDbName } from '@signalpath/testing';
import { FakeProfile } from './testing/fake-dependencies';
import { makeItem } from './testing/harness';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'dist', 'tools', 'ranking-replica-main.js');
const USER = 'u-replicas';
const CLIMBING = '500';

/**
 * Two RankingService processes on one database behind one client address (a comma list; round
 * robin in grpc-js): both receive traffic, and a catalog change made through whichever replica the
 * client picked reaches the other one's in-memory catalog. Each process talks to its own fake
 * ProfileService, so the fakes show which process served a call.
 */
describe('two RankingService processes behind one address', () => {
  const ports = [testPort(21560), testPort(21561)];
  const prefix = `${uniqueDbName('rr')}_`;
  const consent = new FakeConsentService();
  const profiles = [new FakeProfile(consent), new FakeProfile(consent)];
  const children: ChildProcess[] = [];
  let client: RankingClient;

  beforeAll(async () => {
    // The service's own main, bundled as `npm run` tools are (tools/run.mjs).
    await build({
      entryPoints: [path.join(ROOT, 'apps/ranking-service/src/main.ts')],
      outfile: BUNDLE,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      tsconfig: path.join(ROOT, 'tsconfig.base.json'),
      loader: { '.tsv': 'text', '.binpb': 'binary' },
      logLevel: 'warning',
    });
    await consent.start();
    for (const profile of profiles) {
      await profile.start();
      profile.setInterests(USER, common.Purpose.PURPOSE_CONTENT, [{ topicId: CLIMBING, score: 5 }]);
    }
    ports.forEach((port, i) => {
      const child = spawn(process.execPath, [BUNDLE], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          PATH: process.env.PATH,
          MONGODB_URI: process.env.MONGODB_URI,
          MONGODB_DB_PREFIX: prefix,
          RANKING_PORT: String(port),
          CONSENT_ADDR: consent.address,
          PROFILE_ADDR: profiles[i].address,
          RANKING_SEED_DEMO_CATALOG: 'false',
          RANKING_INDEX_POLL: '50ms',
          SIGNALPATH_AUTH: 'off',
          SIGNALPATH_ENV: 'development',
          OTEL_SDK_DISABLED: 'true',
          LOG_LEVEL: 'warn',
        },
      });
      children.push(child);
    });
    // Until each process answers on its own (bounded by attempts): a replica that was not up yet
    // when the balanced channel first tried it would sit out grpc-js's reconnect backoff.
    for (const port of ports) {
      const direct = createRankingClient(`127.0.0.1:${port}`, { timeoutMs: 2_000 });
      try {
        let up = false;
        for (let attempt = 0; attempt < 300 && !up; attempt++) {
          up = await direct.rank({ userId: USER, surface: common.Surface.SURFACE_FACEBOOK, candidates: [], candidateIds: [] }).then(
            () => true,
            () => false,
          );
          if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        if (!up) throw new Error(`ranking replica on ${port} never answered`);
      } finally {
        direct.close();
      }
    }
    client = createRankingClient(ports.map((port) => `127.0.0.1:${port}`).join(','), { timeoutMs: 5_000 });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    const mongo = createMongo({ uri: process.env.MONGODB_URI as string, dbName: databaseName(prefix, 'ranking'), appName: 'replica-cleanup' });
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await consent.stop();
    for (const profile of profiles) await profile.stop();
  }, 60_000);

  it('spreads Rank over both, and each sees the catalog change made through the other', async () => {
    await client.upsertItems({ items: [makeItem('rr-climbing', [CLIMBING]), makeItem('rr-other', ['216'])] });
    const rank = () => client.rank({ userId: USER, surface: common.Surface.SURFACE_FACEBOOK, candidates: [], candidateIds: ['rr-climbing', 'rr-other'], explainTopK: 0 });
    // Every answer has both items once the other replica polled the change log; 20 in a row
    // (round robin: ten on each) end the wait.
    let inARow = 0;
    for (let calls = 0; inARow < 20; calls++) {
      if (calls > 2_000) throw new Error('a replica never saw the catalog change');
      const response = await rank();
      inARow = response.ranked.length === 2 && response.filtered.length === 0 ? inARow + 1 : 0;
    }
    const before = profiles.map((profile) => profile.requests.length);
    for (let i = 0; i < 20; i++) expect((await rank()).ranked.map((r) => r.itemId)).toEqual(['rr-climbing', 'rr-other']);
    const served = profiles.map((profile, i) => profile.requests.length - before[i]);
    // Each Rank reads the profile from the process that served it: both processes served calls.
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
  }, 120_000);
});
