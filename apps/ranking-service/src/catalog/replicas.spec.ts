import { common, ranking } from '@signalpath/proto';
import { uniqueDbName } from '@signalpath/testing';
import type { RankingInstance } from '../server';
import { CHANGES_COLLECTION, ITEMS_COLLECTION, type ChangeDocument } from '../store/catalog-store';
import { SURFACES, byId, makeItem, rankedIds, startRankingHarness, type RankingHarness } from '../testing/harness';

const CLIMBING = '500';

/**
 * Several RankingService processes on one database (here two instances in this process, each with
 * its own in-memory catalog and change feed): a catalog change made through either is seen by
 * both, from the change log alone, on MongoDB and FerretDB alike.
 */
describe('catalog changes reach every ranking replica', () => {
  let a: RankingHarness;
  let b: RankingHarness;
  const dbName = uniqueDbName('ranking_replicas');
  const env = { RANKING_INDEX_POLL: '50ms' };
  const feed = (h: RankingHarness) => (h.svc.instance as RankingInstance).catalog;
  const lastChange = async (h: RankingHarness) => (await h.svc.mongo.db.collection<ChangeDocument>(CHANGES_COLLECTION).find({}).sort({ _id: -1 }).limit(1).next())?._id ?? 0;
  /** Until `h` applied every change recorded so far: bounded by its polls, not by time. */
  const caughtUp = async (h: RankingHarness) => {
    const target = await lastChange(h);
    for (let polls = 0; feed(h).applied < target; polls++) {
      if (polls > 2_000) throw new Error(`replica stuck at change ${feed(h).applied} of ${target}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const rank = (h: RankingHarness, ids: string[]) => h.client.rank({ userId: 'u-1', surface: SURFACES.FACEBOOK, candidates: ids.map(byId) });

  beforeAll(async () => {
    a = await startRankingHarness(env, { dbName, keepDatabase: true });
    b = await startRankingHarness(env, { dbName });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('an upsert and a delete through one replica are seen by the other, in Rank, Recommend and ExplainItem', async () => {
    await a.client.upsertItems({ items: [makeItem('r-1', [CLIMBING], { baseScore: 5 }), makeItem('r-2', [CLIMBING], { baseScore: 3 })] });
    // The writer sees its own write at once.
    expect(rankedIds(await rank(a, ['r-1', 'r-2']))).toEqual(['r-1', 'r-2']);
    await caughtUp(b);
    expect(rankedIds(await rank(b, ['r-1', 'r-2']))).toEqual(['r-1', 'r-2']);
    const recommended = await b.client.recommend({ userId: 'u-1', surface: SURFACES.FACEBOOK, kind: 0, limit: 5 });
    expect(recommended.items.map((i) => i.item?.itemId)).toEqual(['r-1', 'r-2']);
    expect((await b.client.explainItem({ userId: 'u-1', itemId: 'r-2', surface: SURFACES.FACEBOOK })).item?.baseScore).toBe(3);

    await b.client.upsertItems({ items: [makeItem('r-2', [CLIMBING], { baseScore: 9 })] });
    await b.client.deleteItems({ itemIds: ['r-1'] });
    await caughtUp(a);
    const after = await rank(a, ['r-1', 'r-2']);
    expect(rankedIds(after)).toEqual(['r-2']);
    expect(after.filtered).toEqual([{ itemId: 'r-1', reason: ranking.FilterReason.FILTER_REASON_NOT_FOUND }]);
    expect((await a.client.explainItem({ userId: 'u-1', itemId: 'r-2', surface: SURFACES.FACEBOOK })).item?.baseScore).toBe(9);
  });

  it('a replica whose position was pruned from the change log reloads the whole catalog', async () => {
    await caughtUp(b);
    await feed(b).stop();
    await a.client.upsertItems({ items: [makeItem('gap-1', [CLIMBING])] });
    await a.client.upsertItems({ items: [makeItem('gap-2', [CLIMBING], { surfaces: [common.Surface.SURFACE_FACEBOOK] })] });
    // Everything but the last record pruned: b's next position is gone.
    const last = await lastChange(a);
    await a.svc.mongo.db.collection<ChangeDocument>(CHANGES_COLLECTION).deleteMany({ _id: { $lt: last } });
    feed(b).start();
    await caughtUp(b);
    expect(rankedIds(await rank(b, ['gap-1', 'gap-2']))).toEqual(['gap-1', 'gap-2']);
  });

  it('the periodic reload picks up a write whose change record is missing (a writer that died in between)', async () => {
    const c = await startRankingHarness({ ...env, RANKING_INDEX_RESYNC: '300ms' }, { dbName, keepDatabase: true });
    try {
      const doc = { _id: 'orphan', kind: 2, title: 'x', topic_ids: [CLIMBING], advertiser_id: '', surfaces: [], show_on: [0], base_score: 1, create_time: new Date(), update_time: new Date() };
      await c.svc.mongo.db.collection(ITEMS_COLLECTION).insertOne(doc as never);
      let seen = false;
      for (let polls = 0; !seen && polls < 2_000; polls++) {
        seen = rankedIds(await rank(c, ['orphan'])).includes('orphan');
        if (!seen) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(seen).toBe(true);
    } finally {
      await c.stop();
    }
  });
});
