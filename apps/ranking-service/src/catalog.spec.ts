import { status } from '@grpc/grpc-js';
import { common, ranking } from '@signalpath/proto';
import { CHANGES_COLLECTION, ITEMS_COLLECTION, type ChangeDocument, type ItemDocument } from './store/catalog-store';
import { makeAd, makeItem, startRankingHarness, type RankingHarness } from './testing/harness';

const CLIMBING = '500';
const COOKING = '216';

describe('catalog: UpsertItems / DeleteItems on the real database', () => {
  let h: RankingHarness;
  beforeAll(async () => {
    h = await startRankingHarness();
  });
  afterAll(async () => h?.stop());

  const items = () => h.svc.mongo.db.collection<ItemDocument>(ITEMS_COLLECTION);

  it('inserts, replaces and deletes items by id', async () => {
    const created = new Date('2026-01-02T03:04:05Z');
    const first = await h.client.upsertItems({
      items: [
        makeItem('crud-1', [CLIMBING, CLIMBING], { title: 'Bouldering basics', createTime: created, surfaces: [common.Surface.SURFACE_INSTAGRAM] }),
        makeAd('crud-ad', [CLIMBING], 'adv-1', { baseScore: 3.5 }),
      ],
    });
    expect(first.upsertedCount).toBe(2);
    const stored = await items().findOne({ _id: 'crud-1' });
    expect(stored).toMatchObject({ kind: ranking.ItemKind.ITEM_KIND_POST, title: 'Bouldering basics', topic_ids: [CLIMBING], surfaces: [common.Surface.SURFACE_INSTAGRAM], base_score: 10 });
    expect(stored?.create_time.toISOString()).toBe(created.toISOString());
    const ad = await items().findOne({ _id: 'crud-ad' });
    expect(ad).toMatchObject({ advertiser_id: 'adv-1', base_score: 3.5 });
    const adCreated = ad?.create_time.getTime();

    const second = await h.client.upsertItems({ items: [makeAd('crud-ad', [COOKING], 'adv-2', { baseScore: 7 })] });
    expect(second.upsertedCount).toBe(1);
    const replaced = await items().findOne({ _id: 'crud-ad' });
    expect(replaced).toMatchObject({ topic_ids: [COOKING], advertiser_id: 'adv-2', base_score: 7 });
    // create_time survives a replace that does not set it.
    expect(replaced?.create_time.getTime()).toBe(adCreated);

    const deleted = await h.client.deleteItems({ itemIds: ['crud-1', 'crud-ad', 'never-existed'] });
    expect(deleted.deletedCount).toBe(2);
    expect(await items().countDocuments({ _id: { $in: ['crud-1', 'crud-ad'] } })).toBe(0);
    const again = await h.client.deleteItems({ itemIds: ['crud-1'] });
    expect(again.deletedCount).toBe(0);
  });

  it('records every write in the change log, numbered without gaps, naming the items', async () => {
    const changes = () => h.svc.mongo.db.collection<ChangeDocument>(CHANGES_COLLECTION);
    const last = (await changes().find({}).sort({ _id: -1 }).limit(1).next())?._id ?? 0;
    await h.client.upsertItems({ items: [makeItem('log-1', [CLIMBING]), makeItem('log-2', [CLIMBING])] });
    await h.client.deleteItems({ itemIds: ['log-1'] });
    const records = await changes().find({ _id: { $gt: last } }).sort({ _id: 1 }).toArray();
    expect(records.map((r) => [r._id, r.item_ids])).toEqual([
      [last + 1, ['log-1', 'log-2']],
      [last + 2, ['log-1']],
    ]);
  });

  it.each<[string, Partial<ranking.Item>, string]>([
    ['an empty item_id', { itemId: '' }, 'items[1].item_id'],
    ['an unspecified kind', { kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED }, 'items[1].kind'],
    ['an unknown kind', { kind: 42 as ranking.ItemKind }, 'items[1].kind'],
    ['no topic ids', { topicIds: [] }, 'items[1].topic_ids'],
    ['a topic not in the taxonomy', { topicIds: [CLIMBING, 'not-a-topic'] }, 'items[1].topic_ids[1]'],
    ['an ad without advertiser', { kind: ranking.ItemKind.ITEM_KIND_AD, advertiserId: '' }, 'items[1].advertiser_id'],
    ['an advertiser on a post', { advertiserId: 'adv-1' }, 'items[1].advertiser_id'],
    ['an unspecified surface', { surfaces: [common.Surface.SURFACE_FACEBOOK, common.Surface.SURFACE_UNSPECIFIED] }, 'items[1].surfaces[1]'],
    ['a negative base score', { baseScore: -1 }, 'items[1].base_score'],
    ['a NaN base score', { baseScore: Number.NaN }, 'items[1].base_score'],
    ['an infinite base score', { baseScore: Number.POSITIVE_INFINITY }, 'items[1].base_score'],
  ])('rejects %s naming the field, and writes nothing', async (_label, override, field) => {
    const request = { items: [makeItem('valid-first', [CLIMBING]), { ...makeItem('bad', [CLIMBING]), ...override }] };
    await expect(h.client.upsertItems(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(`${field}:`) });
    expect(await items().countDocuments({ _id: 'valid-first' })).toBe(0);
  });

  it('rejects empty, oversized and repeated batches', async () => {
    await expect(h.client.upsertItems({ items: [] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('items:') });
    const many = Array.from({ length: 1001 }, (_, i) => makeItem(`many-${i}`, [CLIMBING]));
    await expect(h.client.upsertItems({ items: many })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('items:') });
    await expect(h.client.upsertItems({ items: [makeItem('dup', [CLIMBING]), makeItem('dup', [COOKING])] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('items[1].item_id'),
    });
    await expect(h.client.deleteItems({ itemIds: [] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('item_ids') });
    await expect(h.client.deleteItems({ itemIds: ['ok', ''] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('item_ids[1]') });
    await expect(h.client.deleteItems({ itemIds: Array.from({ length: 1001 }, (_, i) => `x${i}`) })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('upserts a full batch of 1000 items', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => makeItem(`batch-${i}`, [i % 2 ? CLIMBING : COOKING], { baseScore: i }));
    const response = await h.client.upsertItems({ items: batch });
    expect(response.upsertedCount).toBe(1000);
    expect(await items().countDocuments({ _id: { $regex: '^batch-' } })).toBe(1000);
  });
});
