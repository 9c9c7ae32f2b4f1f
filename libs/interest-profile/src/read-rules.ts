import { expandWithDescendants, getTaxonomy } from '@signalpath/taxonomy';

import { scoreAt } from './decay';
import { viewOf, type ScoreView, type TopicScores } from './topic-scores';

/**
 * One stored entry: the scores one source surface and source kind hold for a topic. Surfaces and
 * source kinds are opaque numbers here (the service maps its API enums onto them).
 */
export interface StoredInterest {
  surface: number;
  sourceKind: number;
  topicId: string;
  scores: TopicScores;
}

export interface InterestSourceView {
  surface: number;
  sourceKind: number;
  lastTimeMs: number;
}

export interface RankedInterest {
  topicId: string;
  score: number;
  /** Most recent first. */
  sources: InterestSourceView[];
}

/**
 * The source surfaces a read for `readingSurface` may use: its own always; another surface's only
 * while cross-app sharing is on and both that surface's and the reading surface's accounts are
 * linked (evaluated at read time, so an unlink or opt-out takes effect on the next read).
 */
export function visibleSourceSurfaces(readingSurface: number, linkedSurfaces: Iterable<number>, crossAppSharingEnabled: boolean): Set<number> {
  const visible = new Set<number>([readingSurface]);
  const linked = new Set(linkedSurfaces);
  if (crossAppSharingEnabled && linked.has(readingSurface)) for (const surface of linked) visible.add(surface);
  return visible;
}

export const DEFAULT_PROFILE_LIMIT = 50;
export const MAX_PROFILE_LIMIT = 500;

/** 0 (unset) means 50; values above 500 are treated as 500. Negative values are rejected upstream. */
export function normalizeLimit(limit: number): number {
  if (limit <= 0) return DEFAULT_PROFILE_LIMIT;
  return Math.min(limit, MAX_PROFILE_LIMIT);
}

/** Blocked ad topics with all their descendants: a blocked topic hides its children too. */
export function blockedTopicSet(blockedTopicIds: Iterable<string>): Set<string> {
  return expandWithDescendants(blockedTopicIds);
}

export interface FeedControlFactors {
  /** Multiplier for show-more topics, ≥ 1. */
  showMore: number;
  /** Multiplier for show-less topics, in [0, 1]. */
  showLess: number;
}

export const DEFAULT_FEED_CONTROL_FACTORS: FeedControlFactors = { showMore: 1.5, showLess: 0.5 };

/**
 * Content feed controls as a score multiplier per topic. A control on a topic covers its
 * descendants; the nearest controlled topic (the topic itself, then its ancestors) decides, so
 * "less Sports" with "more Climbing" still raises Climbing. Show-less wins on the same node.
 */
export function feedControlAdjuster(
  controls: { showMoreTopicIds: Iterable<string>; showLessTopicIds: Iterable<string> },
  factors: FeedControlFactors = DEFAULT_FEED_CONTROL_FACTORS,
): (topicId: string) => number {
  const more = new Set(controls.showMoreTopicIds);
  const less = new Set(controls.showLessTopicIds);
  if (more.size === 0 && less.size === 0) return () => 1;
  const taxonomy = getTaxonomy();
  return (topicId) => {
    for (const id of [topicId, ...taxonomy.ancestors(topicId).map((node) => node.id)]) {
      if (less.has(id)) return factors.showLess;
      if (more.has(id)) return factors.showMore;
    }
    return 1;
  };
}

/** Scores at or below this are treated as absent (fully decayed or zeroed by a control). */
export const MIN_VISIBLE_SCORE = 1e-9;

export interface BuildInterestsOptions {
  view: ScoreView;
  nowMs: number;
  halfLifeMs: number;
  /** Source surfaces the read may use; all when omitted (export). */
  visibleSurfaces?: ReadonlySet<number>;
  /** Source kinds the read may use (the personalization decision's sources); all when omitted. */
  usableSourceKinds?: ReadonlySet<number>;
  /** Topics removed entirely (already expanded with descendants). */
  excludedTopicIds?: ReadonlySet<string>;
  /** Score multiplier per topic (content feed controls). */
  adjust?: (topicId: string) => number;
  /** Only this topic (ExplainInterest). */
  onlyTopicId?: string;
  /** Keep at most this many, after sorting; all when omitted. */
  limit?: number;
  /** Interests scoring at or below this are dropped; default MIN_VISIBLE_SCORE (export keeps all). */
  minScore?: number;
}

/**
 * Applies the read-time rules to stored entries and ranks the result: visibility by source
 * surface and source kind, the purpose's score, exclusions, decay to `nowMs`, adjustments, then per topic the sum
 * over its sources, highest first (ties by topic id). Cost: O(stored entries).
 */
export function buildInterests(stored: Iterable<StoredInterest>, options: BuildInterestsOptions): RankedInterest[] {
  const byTopic = new Map<string, RankedInterest>();
  for (const entry of stored) {
    if (options.onlyTopicId !== undefined && entry.topicId !== options.onlyTopicId) continue;
    if (options.visibleSurfaces && !options.visibleSurfaces.has(entry.surface)) continue;
    if (options.usableSourceKinds && !options.usableSourceKinds.has(entry.sourceKind)) continue;
    if (options.excludedTopicIds?.has(entry.topicId)) continue;
    const view = viewOf(entry.scores, options.view);
    if (!view) continue;
    const score = scoreAt(view.score, options.nowMs, options.halfLifeMs);
    let interest = byTopic.get(entry.topicId);
    if (!interest) {
      interest = { topicId: entry.topicId, score: 0, sources: [] };
      byTopic.set(entry.topicId, interest);
    }
    interest.score += score;
    interest.sources.push({ surface: entry.surface, sourceKind: entry.sourceKind, lastTimeMs: view.lastTimeMs });
  }
  const result: RankedInterest[] = [];
  for (const interest of byTopic.values()) {
    if (options.adjust) interest.score *= options.adjust(interest.topicId);
    if (!(interest.score > (options.minScore ?? MIN_VISIBLE_SCORE))) continue;
    interest.sources.sort((a, b) => b.lastTimeMs - a.lastTimeMs || a.surface - b.surface || a.sourceKind - b.sourceKind);
    result.push(interest);
  }
  result.sort((a, b) => b.score - a.score || (a.topicId < b.topicId ? -1 : a.topicId > b.topicId ? 1 : 0));
  return options.limit === undefined ? result : result.slice(0, options.limit);
}
