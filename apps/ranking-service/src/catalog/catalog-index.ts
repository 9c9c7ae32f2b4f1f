import type { ranking } from '@signalpath/proto';
import type { RankableItem } from '@signalpath/ranking-model';
import { toRankable } from '../mapping';

/** One catalog item as indexed: the proto to return, what the ranker reads, and its sort key. */
export interface IndexedItem {
  readonly item: ranking.Item;
  readonly rankable: RankableItem;
}

export interface RetrievalQuery {
  /** ranking.ItemKind, or undefined for every kind. */
  kind?: number;
  /** common.Surface the items must be allowed on. */
  surface: number;
  limit: number;
}

/** Highest base score first, then item id ascending: the order the catalog queries used. */
function before(a: IndexedItem, b: IndexedItem): number {
  const byScore = b.item.baseScore - a.item.baseScore;
  if (byScore !== 0) return byScore;
  const x = a.item.itemId;
  const y = b.item.itemId;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A list kept in `before` order: single changes by binary search, a bulk load sorted once. Entries
 * are never changed in place (a new version of an item is a new entry), so the old entry's key
 * finds it.
 */
class SortedList {
  private entries: IndexedItem[] = [];
  private sorted = true;

  get size(): number {
    return this.entries.length;
  }

  /** During a load: appended unsorted, sorted once by `view()` or `seal()`. */
  append(entry: IndexedItem): void {
    this.entries.push(entry);
    this.sorted = false;
  }

  add(entry: IndexedItem): void {
    if (!this.sorted) return this.append(entry);
    this.entries.splice(this.lowerBound(entry), 0, entry);
  }

  delete(entry: IndexedItem): void {
    this.seal();
    const at = this.lowerBound(entry);
    if (this.entries[at] === entry) this.entries.splice(at, 1);
  }

  seal(): void {
    if (this.sorted) return;
    this.entries.sort(before);
    this.sorted = true;
  }

  view(): readonly IndexedItem[] {
    this.seal();
    return this.entries;
  }

  private lowerBound(entry: IndexedItem): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid], entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Item ids in ascending order (JavaScript string order), for ListItems paging by the last id
 * returned. Same scheme as SortedList: single changes by binary search, a bulk load sorted once.
 */
class SortedIds {
  private ids: string[] = [];
  private sorted = true;

  get size(): number {
    return this.ids.length;
  }

  append(id: string): void {
    this.ids.push(id);
    this.sorted = false;
  }

  add(id: string): void {
    if (!this.sorted) return this.append(id);
    this.ids.splice(this.firstAfter(id, true), 0, id);
  }

  delete(id: string): void {
    this.seal();
    const at = this.firstAfter(id, true);
    if (this.ids[at] === id) this.ids.splice(at, 1);
  }

  seal(): void {
    if (this.sorted) return;
    this.ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.sorted = true;
  }

  /** Up to `limit` ids greater than `afterId` (from the first when undefined), and whether more follow. */
  page(afterId: string | undefined, limit: number): { ids: string[]; more: boolean } {
    this.seal();
    const start = afterId === undefined ? 0 : this.firstAfter(afterId, false);
    const ids = this.ids.slice(start, start + limit);
    return { ids, more: start + ids.length < this.ids.length };
  }

  /** Index of the first id ≥ `id` (inclusive) or > `id`. */
  private firstAfter(id: string, inclusive: boolean): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] < id || (!inclusive && this.ids[mid] === id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const matches = (entry: IndexedItem, query: RetrievalQuery) =>
  (query.kind === undefined || entry.item.kind === query.kind) && (entry.item.surfaces.length === 0 || entry.item.surfaces.includes(query.surface));

/** Interned strings: thousands of items share a few hundred topic ids and a few surface lists. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly numberLists = new Map<string, number[]>();

  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  numbers(values: number[]): number[] {
    if (values.length === 0) return EMPTY_NUMBERS;
    const key = values.join(',');
    const known = this.numberLists.get(key);
    if (known) return known;
    this.numberLists.set(key, values);
    return values;
  }
}

const EMPTY_NUMBERS: number[] = Object.freeze([]) as unknown as number[];

/**
 * The catalog in memory, so Rank, Recommend and ExplainItem never query the database: items by
 * id, by topic and by kind, each list ordered by popularity (base score). Kept current by
 * CatalogFeed; a reload builds a new index and swaps it in whole.
 */
export class CatalogIndex {
  private readonly byId = new Map<string, IndexedItem>();
  private readonly byTopic = new Map<string, SortedList>();
  private readonly byKind = new Map<number, SortedList>();
  private readonly all = new SortedList();
  /** Ids of every item, and per kind: ListItems pages by id. */
  private readonly ids = new SortedIds();
  private readonly idsByKind = new Map<number, SortedIds>();
  private readonly interner = new Interner();

  get size(): number {
    return this.byId.size;
  }

  get(itemId: string): IndexedItem | undefined {
    return this.byId.get(itemId);
  }

  /** Adds or replaces an item. `loading`: appended unsorted, for a bulk load ended by `seal()`. */
  put(raw: ranking.Item, loading = false): void {
    const item = this.intern(raw);
    const entry: IndexedItem = { item, rankable: toRankable(item) };
    const old = this.byId.get(item.itemId);
    if (old) this.unlist(old);
    this.byId.set(item.itemId, entry);
    const add = (list: SortedList) => (loading ? list.append(entry) : list.add(entry));
    add(this.all);
    add(this.listOf(this.byKind, item.kind));
    for (const topicId of item.topicIds) add(this.listOf(this.byTopic, topicId));
    const addId = (ids: SortedIds) => (loading ? ids.append(item.itemId) : ids.add(item.itemId));
    addId(this.ids);
    let kindIds = this.idsByKind.get(item.kind);
    if (!kindIds) this.idsByKind.set(item.kind, (kindIds = new SortedIds()));
    addId(kindIds);
  }

  remove(itemId: string): void {
    const old = this.byId.get(itemId);
    if (!old) return;
    this.byId.delete(itemId);
    this.unlist(old);
  }

  /** Sorts what a bulk load appended. */
  seal(): void {
    this.ids.seal();
    for (const ids of this.idsByKind.values()) ids.seal();
    this.all.seal();
    for (const list of this.byKind.values()) list.seal();
    for (const list of this.byTopic.values()) list.seal();
  }

  /** The most popular items of the query's kind allowed on its surface. */
  popular(query: RetrievalQuery): IndexedItem[] {
    const list = query.kind === undefined ? this.all : this.byKind.get(query.kind);
    const found: IndexedItem[] = [];
    if (!list || query.limit <= 0) return found;
    for (const entry of list.view()) {
      if (!matches(entry, query)) continue;
      found.push(entry);
      if (found.length >= query.limit) break;
    }
    return found;
  }

  /**
   * The most popular items about any of `topicIds` matching the query, each once: a merge of the
   * topics' popularity lists (a heap of their heads), so the cost follows the items returned,
   * not the catalog.
   */
  byTopics(topicIds: readonly string[], query: RetrievalQuery): IndexedItem[] {
    const found: IndexedItem[] = [];
    if (query.limit <= 0) return found;
    const heads: Array<{ list: readonly IndexedItem[]; at: number }> = [];
    for (const topicId of new Set(topicIds)) {
      const list = this.byTopic.get(topicId);
      if (list && list.size > 0) heads.push({ list: list.view(), at: 0 });
    }
    const heap = new HeadHeap(heads);
    const seen = new Set<string>();
    while (found.length < query.limit) {
      const head = heap.peek();
      if (!head) break;
      const entry = head.list[head.at];
      if (!seen.has(entry.item.itemId) && matches(entry, query)) {
        seen.add(entry.item.itemId);
        found.push(entry);
      }
      head.at++;
      if (head.at < head.list.length) heap.fix();
      else heap.pop();
    }
    return found;
  }

  private listOf<K>(lists: Map<K, SortedList>, key: K): SortedList {
    let list = lists.get(key);
    if (!list) {
      list = new SortedList();
      lists.set(key, list);
    }
    return list;
  }

  /**
   * Up to `limit` items of `kind` (every kind when undefined) with ids after `afterId`, in id
   * order: ListItems. A cursor id need not be in the catalog any more (paging goes on after it).
   */
  pageById(kind: number | undefined, afterId: string | undefined, limit: number): { items: IndexedItem[]; more: boolean } {
    const ids = kind === undefined ? this.ids : this.idsByKind.get(kind);
    if (!ids) return { items: [], more: false };
    const page = ids.page(afterId, limit);
    return { items: page.ids.map((id) => this.byId.get(id) as IndexedItem), more: page.more };
  }

  private unlist(entry: IndexedItem): void {
    this.ids.delete(entry.item.itemId);
    this.idsByKind.get(entry.item.kind)?.delete(entry.item.itemId);
    this.all.delete(entry);
    this.byKind.get(entry.item.kind)?.delete(entry);
    for (const topicId of entry.item.topicIds) {
      const list = this.byTopic.get(topicId);
      if (!list) continue;
      list.delete(entry);
      if (list.size === 0) this.byTopic.delete(topicId);
    }
  }

  private intern(item: ranking.Item): ranking.Item {
    return {
      itemId: item.itemId,
      kind: item.kind,
      title: item.title,
      topicIds: item.topicIds.map((id) => this.interner.string(id)),
      advertiserId: item.advertiserId === '' ? '' : this.interner.string(item.advertiserId),
      surfaces: this.interner.numbers(item.surfaces),
      baseScore: item.baseScore,
      createTime: item.createTime,
    };
  }
}

/** A binary min-heap of list heads by `before` of their current entry. */
class HeadHeap {
  constructor(private readonly heads: Array<{ list: readonly IndexedItem[]; at: number }>) {
    for (let i = (heads.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  peek() {
    return this.heads[0];
  }

  /** The top's entry changed: restore the order. */
  fix(): void {
    this.down(0);
  }

  pop(): void {
    const last = this.heads.pop();
    if (last && this.heads.length > 0) {
      this.heads[0] = last;
      this.down(0);
    }
  }

  private less(i: number, j: number): boolean {
    const a = this.heads[i];
    const b = this.heads[j];
    return before(a.list[a.at], b.list[b.at]) < 0;
  }

  private down(i: number): void {
    const n = this.heads.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(l, smallest)) smallest = l;
      if (r < n && this.less(r, smallest)) smallest = r;
      if (smallest === i) return;
      [this.heads[i], this.heads[smallest]] = [this.heads[smallest], this.heads[i]];
      i = smallest;
    }
  }
}
