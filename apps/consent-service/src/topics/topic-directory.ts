import type { SensitiveClass } from '@signalpath/domain';
import { getSensitiveTopicPolicy, type SensitiveTopicPolicy } from '@signalpath/sensitive-topics';
import { getTaxonomy, type Taxonomy, type TaxonomyNode } from '@signalpath/taxonomy';

/** The settings lists that take topic ids: ad preferences, and feed controls. */
export type TopicList = 'ADS' | 'FEED';

/**
 * Why UpdateSettings refuses `topicId` in a topic list of that kind, or undefined. The one rule
 * both settings validation and topic discovery read, so a screen's "can block" never disagrees
 * with what UpdateSettings accepts. Every taxonomy topic is accepted in both today: a block or
 * "see fewer" of a sensitive topic is the user's own "no" (and holds should such ads ever be
 * shown), and feed controls are the user's explicit choice about their own feed.
 */
export function settingsTopicProblem(topicId: string, _list: TopicList, taxonomy: Taxonomy = getTaxonomy()): string | undefined {
  return taxonomy.has(topicId) ? undefined : 'is not an IAB Content Taxonomy 3.1 topic id';
}

/** One topic as settings screens see it. */
export interface TopicEntryView {
  readonly id: string;
  readonly name: string;
  readonly tierPath: readonly string[];
  readonly parentId?: string;
  readonly hasChildren: boolean;
  readonly sensitiveClass?: SensitiveClass;
  /** Sensitive, or a brand-safety node: never targets, boosts or explains an ad. */
  readonly neverUsedForAds: boolean;
  readonly adsBlockable: boolean;
  readonly feedControllable: boolean;
}

/**
 * Search form of a name or query: accents dropped (NFKD, combining marks removed), lower case,
 * runs of spaces as one space, trimmed. "  Café   CLIMBING" → "cafe climbing".
 */
export function searchKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Match rank of a name for a query: 0 the name starts with it, 1 a word does, 2 elsewhere. */
function matchRank(key: string, query: string): number | undefined {
  let at = key.indexOf(query);
  if (at < 0) return undefined;
  if (at === 0) return 0;
  for (; at >= 0; at = key.indexOf(query, at + 1)) {
    if (!/[\p{L}\p{N}]/u.test(key[at - 1])) return 1;
  }
  return 2;
}

export interface TopicPage {
  topics: TopicEntryView[];
  /** The id of the last topic returned when more follow. */
  nextAfterId?: string;
}

/**
 * The IAB Content Taxonomy 3.1 with the sensitivity policy, indexed for settings screens: children
 * of a node (Tier-1 nodes for no parent) in taxonomy order, and search by name. Built once per
 * process from the taxonomy the libs already load; the taxonomy never changes while it runs.
 */
export class TopicDirectory {
  private readonly entries = new Map<string, TopicEntryView>();
  private readonly childIds = new Map<string, readonly string[]>();
  private readonly rootIds: readonly string[];
  private readonly keys: ReadonlyArray<{ entry: TopicEntryView; key: string }>;

  constructor(taxonomy: Taxonomy = getTaxonomy(), policy: SensitiveTopicPolicy = getSensitiveTopicPolicy()) {
    const view = (node: TaxonomyNode): TopicEntryView => {
      const sensitiveClass = policy.sensitiveClassOf(node.id);
      return Object.freeze({
        id: node.id,
        name: node.name,
        tierPath: node.path,
        ...(node.parentId !== undefined ? { parentId: node.parentId } : {}),
        hasChildren: taxonomy.children(node.id).length > 0,
        ...(sensitiveClass !== undefined ? { sensitiveClass } : {}),
        neverUsedForAds: policy.isNeverForAds(node.id),
        adsBlockable: settingsTopicProblem(node.id, 'ADS', taxonomy) === undefined,
        feedControllable: settingsTopicProblem(node.id, 'FEED', taxonomy) === undefined,
      });
    };
    const all = taxonomy.all();
    for (const node of all) this.entries.set(node.id, view(node));
    for (const node of all) this.childIds.set(node.id, taxonomy.children(node.id).map((child) => child.id));
    this.rootIds = taxonomy.tier1Nodes().map((node) => node.id);
    this.keys = all.map((node) => ({ entry: this.entries.get(node.id) as TopicEntryView, key: searchKey(node.name) }));
  }

  get(id: string): TopicEntryView | undefined {
    return this.entries.get(id);
  }

  /**
   * Up to `size` children of `parentId` (Tier-1 topics when undefined) after the one with id
   * `afterId`. Undefined when the parent is unknown or `afterId` is not one of its children (a
   * token from another list).
   */
  list(parentId: string | undefined, afterId: string | undefined, size: number): TopicPage | undefined {
    const ids = parentId === undefined ? this.rootIds : this.childIds.get(parentId);
    if (ids === undefined) return undefined;
    let start = 0;
    if (afterId !== undefined) {
      const at = ids.indexOf(afterId);
      if (at < 0) return undefined;
      start = at + 1;
    }
    const topics = ids.slice(start, start + size).map((id) => this.entries.get(id) as TopicEntryView);
    const more = start + size < ids.length;
    return { topics, ...(more && topics.length > 0 ? { nextAfterId: topics[topics.length - 1].id } : {}) };
  }

  /**
   * Topics whose name contains `query` (both in searchKey form), best first: names starting with
   * it, then names with a word starting with it, then the rest; within a rank broader topics
   * first, then by name, then by id. An empty query matches nothing.
   */
  search(query: string, limit: number): TopicEntryView[] {
    const wanted = searchKey(query);
    if (wanted === '' || limit <= 0) return [];
    const found: Array<{ entry: TopicEntryView; key: string; rank: number }> = [];
    for (const { entry, key } of this.keys) {
      const rank = matchRank(key, wanted);
      if (rank !== undefined) found.push({ entry, key, rank });
    }
    found.sort(
      (a, b) =>
        a.rank - b.rank ||
        a.entry.tierPath.length - b.entry.tierPath.length ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
        (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0),
    );
    return found.slice(0, limit).map((match) => match.entry);
  }
}
