import { common, ranking } from '@signalpath/proto';
import { isNeverForAds } from '@signalpath/sensitive-topics';
import { requireMongoUri, uniqueDbName } from '@signalpath/mongo';
import { MongoClient } from 'mongodb';
import { validateItem } from './validation';
import { demoCatalog } from './seed/demo-catalog';
import type { RankingInstance } from './server';
import { ITEMS_COLLECTION } from './store/catalog-store';
import { makeItem, startRankingHarness } from './testing/harness';

const CLIMBING = '500';

describe('demo catalog', () => {
  const items = demoCatalog();

  it('is a few hundred valid items with unique ids across many topics', () => {
    expect(items.length).toBeGreaterThanOrEqual(200);
    expect(items.length).toBeLessThanOrEqual(1000);
    expect(new Set(items.map((item) => item.itemId)).size).toBe(items.length);
    items.forEach((item, i) => expect(() => validateItem(item, `items[${i}]`)).not.toThrow());
    expect(new Set(items.map((item) => item.topicIds[0])).size).toBeGreaterThanOrEqual(30);
    expect(demoCatalog()).toEqual(items);
  });

  it('has climbing groups, reels and climbing-gear ads from several advertisers', () => {
    const climbing = items.filter((item) => item.topicIds.includes(CLIMBING));
    const ofKind = (kind: ranking.ItemKind) => climbing.filter((item) => item.kind === kind);
    expect(ofKind(ranking.ItemKind.ITEM_KIND_GROUP).length).toBeGreaterThanOrEqual(3);
    expect(ofKind(ranking.ItemKind.ITEM_KIND_REEL).length).toBeGreaterThanOrEqual(3);
    expect(ofKind(ranking.ItemKind.ITEM_KIND_POST).length).toBeGreaterThanOrEqual(3);
    expect(new Set(ofKind(ranking.ItemKind.ITEM_KIND_AD).map((ad) => ad.advertiserId)).size).toBeGreaterThanOrEqual(3);
    // A few ads sit on sensitive topics, so the demo shows them ranked without personalization.
    expect(items.some((item) => item.kind === ranking.ItemKind.ITEM_KIND_AD && item.topicIds.some(isNeverForAds))).toBe(true);
    expect(items.some((item) => item.surfaces.includes(common.Surface.SURFACE_INSTAGRAM))).toBe(true);
  });
});

describe('demo catalog loading at start', () => {
  let mongo: MongoClient;
  beforeAll(async () => {
    mongo = await MongoClient.connect(requireMongoUri());
  });
  afterAll(async () => mongo.close());

  async function startWith(dbName: string, seed: boolean) {
    const h = await startRankingHarness({ RANKING_SEED_DEMO_CATALOG: String(seed) }, { dbName, keepDatabase: true });
    await (h.svc.instance as RankingInstance).seeded;
    return h;
  }

  it('loads once into an empty catalog, and never again once it has items', async () => {
    const dbName = uniqueDbName('ranking_seed');
    const collection = mongo.db(dbName).collection(ITEMS_COLLECTION);
    try {
      const first = await startWith(dbName, true);
      expect(await collection.countDocuments({})).toBe(demoCatalog().length);
      // The catalog changes; a restart must not bring deleted items back nor overwrite edits.
      await first.client.deleteItems({ itemIds: ['post-500-1'] });
      await first.client.upsertItems({ items: [makeItem('post-500-2', ['216'], { title: 'edited' })] });
      await first.stop();

      const second = await startWith(dbName, true);
      expect(await collection.countDocuments({})).toBe(demoCatalog().length - 1);
      expect(await collection.findOne({ _id: 'post-500-1' as never })).toBeNull();
      expect(await collection.findOne({ _id: 'post-500-2' as never })).toMatchObject({ title: 'edited' });
      await second.stop();
    } finally {
      await mongo.db(dbName).dropDatabase();
    }
  });

  it('leaves a catalog with items alone, and does nothing when the flag is off', async () => {
    const dbName = uniqueDbName('ranking_seed');
    const collection = mongo.db(dbName).collection(ITEMS_COLLECTION);
    try {
      const off = await startWith(dbName, false);
      expect(await collection.countDocuments({})).toBe(0);
      await off.client.upsertItems({ items: [makeItem('own-item', [CLIMBING])] });
      await off.stop();
      const on = await startWith(dbName, true);
      expect(await collection.countDocuments({})).toBe(1);
      await on.stop();
    } finally {
      await mongo.db(dbName).dropDatabase();
    }
  });
});
