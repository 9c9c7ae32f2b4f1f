import { common, ranking } from '@signalpath/proto';
import { makeAd, makeItem } from '../testing/harness';
import { CatalogIndex, type RetrievalQuery } from './catalog-index';

const FB = common.Surface.SURFACE_FACEBOOK;
const IG = common.Surface.SURFACE_INSTAGRAM;
const { ITEM_KIND_AD, ITEM_KIND_POST } = ranking.ItemKind;

/** The order and filters the catalog queries had: kind, surface, base score desc, id asc. */
function reference(items: ranking.Item[], query: RetrievalQuery, topicIds?: string[]): string[] {
  return items
    .filter((item) => (query.kind === undefined || item.kind === query.kind) && (item.surfaces.length === 0 || item.surfaces.includes(query.surface)))
    .filter((item) => !topicIds || item.topicIds.some((t) => topicIds.includes(t)))
    .sort((a, b) => b.baseScore - a.baseScore || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0))
    .slice(0, query.limit)
    .map((item) => item.itemId);
}

const ids = (found: Array<{ item: ranking.Item }>) => found.map((entry) => entry.item.itemId);

describe('CatalogIndex', () => {
  // A deterministic pseudo-random catalog: topics, kinds, surfaces and ties in base score.
  const TOPICS = ['500', '216', '425', '483', '498'];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const catalog = Array.from({ length: 600 }, (_, i) => {
    const topics = [TOPICS[Math.floor(random() * TOPICS.length)], TOPICS[Math.floor(random() * TOPICS.length)]];
    const extra = { baseScore: Math.floor(random() * 20), surfaces: random() < 0.3 ? [IG] : [] };
    return random() < 0.25 ? makeAd(`i-${i}`, [...new Set(topics)], 'adv', extra) : makeItem(`i-${i}`, [...new Set(topics)], extra);
  });

  it.each<[string, boolean]>([
    ['loaded in bulk', true],
    ['added one by one', false],
  ])('answers popular and by-topic retrieval exactly as the catalog queries did (%s)', (_, bulk) => {
    const index = new CatalogIndex();
    for (const item of catalog) index.put(item, bulk);
    if (bulk) index.seal();
    for (const query of [{ surface: FB, limit: 50 }, { surface: IG, limit: 600 }, { kind: ITEM_KIND_AD, surface: FB, limit: 30 }, { kind: ITEM_KIND_POST, surface: IG, limit: 7 }]) {
      expect(ids(index.popular(query))).toEqual(reference(catalog, query));
      for (const topics of [['500'], ['216', '425'], TOPICS, ['999']]) expect(ids(index.byTopics(topics, query))).toEqual(reference(catalog, query, topics));
    }
  });

  it('follows replacements and removals in every list', () => {
    const index = new CatalogIndex();
    for (const item of catalog) index.put(item, true);
    index.seal();
    const current = new Map(catalog.map((item) => [item.itemId, item]));
    for (let i = 0; i < 300; i++) {
      const victim = `i-${Math.floor(random() * 600)}`;
      if (random() < 0.3) {
        index.remove(victim);
        current.delete(victim);
      } else {
        const moved = makeItem(victim, [TOPICS[Math.floor(random() * TOPICS.length)]], { baseScore: Math.floor(random() * 20) });
        index.put(moved);
        current.set(victim, moved);
      }
    }
    const items = [...current.values()];
    expect(index.size).toBe(items.length);
    for (const query of [{ surface: FB, limit: 1000 }, { kind: ITEM_KIND_POST, surface: FB, limit: 40 }]) {
      expect(ids(index.popular(query))).toEqual(reference(items, query));
      expect(ids(index.byTopics(['500', '483'], query))).toEqual(reference(items, query, ['500', '483']));
    }
    expect(index.get('i-0')?.item.itemId === 'i-0').toBe(current.has('i-0'));
  });

  describe('pageById (ListItems)', () => {
    /** Every page, following the last id; the ids of each page. */
    function pages(index: CatalogIndex, kind: number | undefined, size: number): string[][] {
      const result: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = index.pageById(kind, after, size);
        result.push(ids(page.items));
        if (!page.more) return result;
        after = page.items[page.items.length - 1].item.itemId;
      }
    }
    const sortedIds = (items: ranking.Item[]) => items.map((item) => item.itemId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    it('pages through every item, or every item of one kind, in id order: no duplicates, no gaps', () => {
      for (const loading of [true, false]) {
        const index = new CatalogIndex();
        for (const item of catalog) index.put(item, loading);
        index.seal();
        for (const size of [1, 7, 50, 600, 1000]) {
          const all = pages(index, undefined, size);
          expect(all.flat()).toEqual(sortedIds(catalog));
          expect(all.slice(0, -1).every((page) => page.length === size)).toBe(true);
          // No empty last page when the size divides the catalog.
          expect(all[all.length - 1].length).toBeGreaterThan(0);
          expect(pages(index, ITEM_KIND_AD, size).flat()).toEqual(sortedIds(catalog.filter((item) => item.kind === ITEM_KIND_AD)));
        }
        expect(index.pageById(ranking.ItemKind.ITEM_KIND_GROUP, undefined, 10)).toEqual({ items: [], more: false });
      }
    });

    it('follows replacements (also of the kind) and removals, and goes on after a cursor that was deleted', () => {
      const index = new CatalogIndex();
      for (const item of catalog) index.put(item, true);
      index.seal();
      const firstPage = index.pageById(undefined, undefined, 100);
      const cursor = firstPage.items[99].item.itemId;
      // While a client pages: its cursor item and others are deleted, one post becomes an ad.
      index.remove(cursor);
      index.remove('i-599');
      const post = catalog.find((item) => item.kind === ITEM_KIND_POST && item.itemId !== cursor) as ranking.Item;
      index.put(makeAd(post.itemId, post.topicIds, 'adv-new'));
      index.put(makeItem('zz-new', ['500']));
      const current = new Map(catalog.map((item) => [item.itemId, item]));
      current.delete(cursor);
      current.delete('i-599');
      current.set(post.itemId, makeAd(post.itemId, post.topicIds, 'adv-new'));
      current.set('zz-new', makeItem('zz-new', ['500']));
      const rest: string[] = [];
      let after: string | undefined = cursor;
      for (;;) {
        const page = index.pageById(undefined, after, 37);
        rest.push(...ids(page.items));
        if (!page.more) break;
        after = page.items[page.items.length - 1].item.itemId;
      }
      expect([...ids(firstPage.items.slice(0, 99)), ...rest]).toEqual(sortedIds([...current.values()]));
      expect(pages(index, ITEM_KIND_AD, 13).flat()).toEqual(sortedIds([...current.values()].filter((item) => item.kind === ITEM_KIND_AD)));
      expect(pages(index, ITEM_KIND_POST, 13).flat()).toEqual(sortedIds([...current.values()].filter((item) => item.kind === ITEM_KIND_POST)));
    });
  });
});
