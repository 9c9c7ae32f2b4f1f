import { startPrivateDatabase, testPort, uniqueDbName, type PrivateDatabase } from '@signalpath/testing';
import { demoCatalog } from './seed/demo-catalog';
import { keepTrying } from './seed/seed-catalog';
import type { RankingInstance } from './server';
import { ITEMS_COLLECTION } from './store/catalog-store';
import { startRankingHarness, type RankingHarness } from './testing/harness';

/**
 * RankingService's one background task, loading the demo catalog at start, resumes by itself
 * after a database outage however long it lasts (issue 12 §6), and stopping the service while it
 * waits to retry does not hang.
 */
describe('keepTrying (the demo-catalog loader)', () => {
  it('has no attempt limit: it succeeds after any number of failures', async () => {
    let calls = 0;
    const errors: number[] = [];
    const trying = keepTrying(async () => (++calls > 40 ? 7 : Promise.reject(new Error('MongoServerSelectionError'))), { retryMs: 1, onError: (_, attempts) => errors.push(attempts) });
    await expect(trying.result).resolves.toBe(7);
    expect(calls).toBe(41);
    expect(errors).toHaveLength(40);
  });

  it('stop() settles at once while a retry waits', async () => {
    let calls = 0;
    const trying = keepTrying(async () => Promise.reject(new Error(`down ${++calls}`)), { retryMs: 60_000, onError: () => undefined });
    while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
    trying.stop();
    await expect(trying.result).resolves.toBe(0);
    expect(calls).toBe(1);
  });
});

describe('RankingService demo-catalog load across a database outage', () => {
  let database: PrivateDatabase;
  beforeAll(async () => {
    database = await startPrivateDatabase(testPort(27122));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  }, 60_000);

  async function startStopped(): Promise<RankingHarness> {
    return startRankingHarness(
      { RANKING_SEED_DEMO_CATALOG: 'true', RANKING_SEED_RETRY: '50ms' },
      { dbName: uniqueDbName('ranking_recovery'), mongoUri: database.uri, startBackground: false },
    );
  }

  it('keeps retrying while the database is down and loads the catalog once it is back', async () => {
    const h = await startStopped();
    try {
      await database.stop();
      h.svc.instance.start?.();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await database.start();
      const inserted = await (h.svc.instance as RankingInstance).seeded;
      expect(inserted).toBe(demoCatalog().length);
      expect(await h.svc.mongo.db.collection(ITEMS_COLLECTION).countDocuments({})).toBe(demoCatalog().length);
    } finally {
      if (!database.running()) await database.start();
      await h.stop();
    }
  }, 120_000);

});
