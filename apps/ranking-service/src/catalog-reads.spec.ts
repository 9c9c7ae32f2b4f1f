import { status, type ServiceError } from '@grpc/grpc-js';
import { encodePageToken } from '@signalpath/grpc-kit';
import { ranking } from '@signalpath/proto';
import { generateKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createRankingClient } from '@signalpath/service-clients';
import { startTestService, uniqueDbName } from '@signalpath/testing';
import type { RankingInstance } from './server';
import { rankingService } from './server';
import { CHANGES_COLLECTION, type ChangeDocument } from './store/catalog-store';
import { makeAd, makeItem, startRankingHarness, type RankingHarness } from './testing/harness';

const CLIMBING = '500';
const COOKING = '216';
const { ITEM_KIND_AD, ITEM_KIND_POST, ITEM_KIND_REEL } = ranking.ItemKind;

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ code: status.OK, details: '' }),
    (error: ServiceError) => ({ code: error.code, details: error.details }),
  );
const byIdOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** GetItem / ListItems (issue 16 §3) against the real database and the in-memory catalog. */
describe('catalog reads: GetItem / ListItems on the real database', () => {
  let h: RankingHarness;
  let other: RankingHarness;
  const dbName = uniqueDbName('ranking_catalog_reads');
  const env = { RANKING_INDEX_POLL: '50ms' };
  // 130 items of three kinds, ids that do not sort like their numbers ("c-10" < "c-2").
  const catalog = Array.from({ length: 130 }, (_, i) =>
    i % 5 === 0 ? makeAd(`c-${i}`, [CLIMBING], `adv-${i % 3}`, { baseScore: i % 7 }) : makeItem(`c-${i}`, [i % 2 ? CLIMBING : COOKING], { kind: i % 3 ? ITEM_KIND_POST : ITEM_KIND_REEL, title: `item ${i}`, baseScore: i % 7 }),
  );
  const idsOf = (kind?: number) => catalog.filter((item) => kind === undefined || item.kind === kind).map((item) => item.itemId).sort(byIdOrder);

  beforeAll(async () => {
    h = await startRankingHarness(env, { dbName, keepDatabase: true });
    other = await startRankingHarness(env, { dbName });
    await h.client.upsertItems({ items: catalog });
  });
  afterAll(async () => {
    await h?.stop();
    await other?.stop();
  });

  /** Every page of a listing: the ids and the page count. */
  async function listAll(client: RankingHarness['client'], kind: number, pageSize: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await client.listItems({ kind, pageSize, pageToken });
      pages++;
      expect(page.items.length).toBeLessThanOrEqual(pageSize || 50);
      ids.push(...page.items.map((item) => item.itemId));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return { ids, pages };
  }

  it('GetItem returns an item as stored, right after UpsertItems; NOT_FOUND for an unknown or deleted id', async () => {
    const created = new Date('2026-02-03T04:05:06Z');
    const ad = makeAd('get-ad', [CLIMBING, COOKING], 'adv-get', { title: 'Chalk bags', baseScore: 2.5, createTime: created });
    await h.client.upsertItems({ items: [ad] });
    const { item } = await h.client.getItem({ itemId: 'get-ad' });
    expect(item).toEqual({ ...ad, createTime: created });
    expect(await statusOf(h.client.getItem({ itemId: 'no-such-item' }))).toEqual({ code: status.NOT_FOUND, details: expect.stringContaining('not found') });
    await h.client.deleteItems({ itemIds: ['get-ad'] });
    expect((await statusOf(h.client.getItem({ itemId: 'get-ad' }))).code).toBe(status.NOT_FOUND);
    expect(await statusOf(h.client.getItem({ itemId: '' }))).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^item_id\b/) });
  });

  it('ListItems pages through everything, and through one kind, in id order: no duplicates, no gaps', async () => {
    const everything = await listAll(h.client, 0, 0);
    expect(everything.ids).toEqual(idsOf());
    expect(everything.pages).toBe(Math.ceil(130 / 50));
    const small = await listAll(h.client, 0, 9);
    expect(small.ids).toEqual(idsOf());
    expect(small.pages).toBe(Math.ceil(130 / 9));
    // A page size that divides the listing exactly ends without an empty page.
    expect((await listAll(h.client, 0, 13)).pages).toBe(10);
    for (const kind of [ITEM_KIND_AD, ITEM_KIND_POST, ITEM_KIND_REEL]) expect((await listAll(h.client, kind, 7)).ids).toEqual(idsOf(kind));
    expect(await listAll(h.client, ranking.ItemKind.ITEM_KIND_GROUP, 0)).toEqual({ ids: [], pages: 1 });
    // Above the maximum is treated as the maximum.
    expect((await h.client.listItems({ kind: 0, pageSize: 100_000, pageToken: '' })).items).toHaveLength(130);
  });

  it('ListItems follows writes made while a client pages: an item that stays is listed once, a deleted one never after', async () => {
    const first = await h.client.listItems({ kind: 0, pageSize: 40, pageToken: '' });
    const seen = first.items.map((item) => item.itemId);
    const lastSeen = seen[seen.length - 1];
    // Deleted: the item the cursor names, and one not reached yet; added: one after the cursor.
    const ahead = idsOf().filter((id) => id > lastSeen)[5];
    await h.client.deleteItems({ itemIds: [lastSeen, ahead] });
    await h.client.upsertItems({ items: [makeItem('zz-added', [CLIMBING])] });
    let pageToken = first.nextPageToken;
    while (pageToken !== '') {
      const page = await h.client.listItems({ kind: 0, pageSize: 40, pageToken });
      seen.push(...page.items.map((item) => item.itemId));
      pageToken = page.nextPageToken;
    }
    expect(seen).toEqual([...idsOf().filter((id) => id !== ahead), 'zz-added']);
    await h.client.upsertItems({ items: catalog.filter((item) => item.itemId === lastSeen || item.itemId === ahead) });
    await h.client.deleteItems({ itemIds: ['zz-added'] });
  });

  it('another RankingService process on the same database serves the same items once it has polled the change log', async () => {
    const last = (await h.svc.mongo.db.collection<ChangeDocument>(CHANGES_COLLECTION).find({}).sort({ _id: -1 }).limit(1).next())?._id ?? 0;
    const replica = (other.svc.instance as RankingInstance).catalog;
    // Bounded by its polls (every 50 ms), not by a fixed time budget.
    for (let polls = 0; replica.applied < last; polls++) {
      if (polls > 2_000) throw new Error(`replica stuck at change ${replica.applied} of ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await listAll(other.client, 0, 0)).ids).toEqual(idsOf());
    expect((await other.client.getItem({ itemId: 'c-5' })).item).toEqual((await h.client.getItem({ itemId: 'c-5' })).item);
  });

  it('refuses bad kinds, page sizes and page tokens with INVALID_ARGUMENT naming the field', async () => {
    const first = await h.client.listItems({ kind: ITEM_KIND_AD, pageSize: 2, pageToken: '' });
    expect(first.nextPageToken).not.toBe('');
    const cases: Array<[ranking.ListItemsRequest, string]> = [
      [{ kind: 0, pageSize: -1, pageToken: '' }, 'page_size'],
      [{ kind: 99 as ranking.ItemKind, pageSize: 0, pageToken: '' }, 'kind'],
      [{ kind: -1, pageSize: 0, pageToken: '' }, 'kind'],
      [{ kind: 0, pageSize: 0, pageToken: 'garbage!' }, 'page_token'],
      [{ kind: 0, pageSize: 0, pageToken: encodePageToken({ k: 0 }) }, 'page_token'],
      [{ kind: 0, pageSize: 0, pageToken: encodePageToken({ k: 0, a: 5 }) }, 'page_token'],
      // A token of the ads listing used for posts.
      [{ kind: ITEM_KIND_POST, pageSize: 0, pageToken: first.nextPageToken }, 'page_token'],
    ];
    for (const [request, field] of cases) {
      expect(await statusOf(h.client.listItems(request))).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(new RegExp(`^${field}\\b`)) });
    }
  });

  it('with service auth on: the feed backend and the operator may read the catalog; settings-ui may not', async () => {
    const keyRing = generateKeyRing();
    const audience = 'signalpath.ranking.v1.RankingService';
    const svc = await startTestService(rankingService, { env: { CONSENT_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9', RANKING_SEED_DEMO_CATALOG: 'false' }, auth: keyRing });
    const as = (identity: string) => createRankingClient(svc.address, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(keyRing, identity, audience) });
    const clients = [as('feed-backend'), as('operator'), as('settings-ui')];
    try {
      await clients[0].upsertItems({ items: [makeItem('auth-item', [CLIMBING])] });
      for (const reader of clients.slice(0, 2)) {
        expect((await reader.getItem({ itemId: 'auth-item' })).item?.itemId).toBe('auth-item');
        expect((await reader.listItems({ kind: 0, pageSize: 0, pageToken: '' })).items.map((item) => item.itemId)).toEqual(['auth-item']);
      }
      expect((await statusOf(clients[2].getItem({ itemId: 'auth-item' }))).code).toBe(status.PERMISSION_DENIED);
      expect((await statusOf(clients[2].listItems({ kind: 0, pageSize: 0, pageToken: '' }))).code).toBe(status.PERMISSION_DENIED);
    } finally {
      for (const client of clients) client.close();
      await svc.stop();
    }
  });
});
