import { expandWithDescendants } from '@signalpath/taxonomy';
import { isNeverForAds } from '@signalpath/sensitive-topics';
import { itemTopicPolicy } from './sensitive-ads';
import { pickNotPersonalizedReason } from '@signalpath/domain';
import { firstIn, selfAndAncestors } from './topics';
import {
  purposeOfKind,
  type AppliedControl,
  type FilteredOutcome,
  type Interest,
  type NotPersonalizedReason,
  type ProfileView,
  type Purpose,
  type RankableItem,
  type RankedOutcome,
  type RankingContext,
  type RankingReason,
  type RankResult,
} from './types';

export interface RankerOptions {
  /** At most this many items of one primary topic among the first `diversityWindow` results. */
  diversityCap: number;
  diversityWindow: number;
}

export const DEFAULT_RANKER_OPTIONS: RankerOptions = { diversityCap: 5, diversityWindow: 20 };

/** Share of the score from the profile match; the rest comes from the item's base score. */
const AFFINITY_WEIGHT = 0.7;
const PRIOR_WEIGHT = 0.3;
/** An interest in a topic's parent counts half, its grandparent a quarter, and so on. */
const ANCESTOR_MATCH_DECAY = 0.5;
/** Further matching item topics add a little on top of the best one. */
const SECONDARY_MATCH_WEIGHT = 0.25;
const SHOW_MORE_FACTOR = 1.5;
/**
 * The affinity an explicit "show more" gives an item on its own: a declared interest, so it shapes
 * the feed of a user without history too (issue 16 §2), and never less than a weak profile match.
 */
const DECLARED_AFFINITY = 0.5;
const SHOW_LESS_FACTOR = 0.5;
const SEE_FEWER_FACTOR = 0.5;
const MAX_REASONS = 2;
const NO_REASONS: RankingReason[] = Object.freeze([]) as unknown as RankingReason[];
const NO_CONTROLS: AppliedControl[] = Object.freeze([]) as unknown as AppliedControl[];
const NO_MATCHES: TopicMatch[] = Object.freeze([]) as unknown as TopicMatch[];

interface IndexedInterest {
  interest: Interest;
  /** Score relative to the profile's top interest, in (0, 1]. */
  weight: number;
}

interface PurposeScorer {
  view: ProfileView;
  interests: Map<string, IndexedInterest>;
}

interface CompiledPreferences {
  /** The user's blocks are unknown: no ad may be shown. */
  unknown: boolean;
  /** Blocked topics with their descendants → the topic the user named. */
  blockedAdTopics: ReadonlySet<string>;
  blockedAdTopicRoots: ReadonlySet<string>;
  blockedAdvertisers: ReadonlySet<string>;
  seeFewerAdTopics: ReadonlySet<string>;
  showMoreTopics: ReadonlySet<string>;
  showLessTopics: ReadonlySet<string>;
}

function compileScorer(view: ProfileView): PurposeScorer {
  const interests = new Map<string, IndexedInterest>();
  if (view.personalized) {
    let top = 0;
    for (const interest of view.interests) if (Number.isFinite(interest.score) && interest.score > top) top = interest.score;
    if (top > 0) {
      for (const interest of view.interests) {
        if (!(interest.score > 0) || interests.has(interest.topicId)) continue;
        interests.set(interest.topicId, { interest, weight: Math.min(1, interest.score / top) });
      }
    }
  }
  return { view, interests };
}

function compilePreferences(context: RankingContext): CompiledPreferences {
  const p = context.preferences;
  return {
    unknown: p.unknown === true,
    blockedAdTopics: expandWithDescendants(p.blockedAdTopicIds),
    blockedAdTopicRoots: new Set(p.blockedAdTopicIds),
    blockedAdvertisers: new Set(p.blockedAdvertiserIds),
    seeFewerAdTopics: new Set(p.seeFewerAdTopicIds),
    showMoreTopics: new Set(p.showMoreTopicIds),
    showLessTopics: new Set(p.showLessTopicIds),
  };
}

interface TopicMatch {
  indexed: IndexedInterest;
  itemTopicId: string;
  contribution: number;
}

/**
 * Ranks candidates for one user on one surface: filters (surface, restricted ad topics, blocked
 * advertisers and ad topics), scores from the base score plus the profile match (an interest in
 * a topic's ancestor matches partially), applies feed controls and ad preferences, and caps
 * items of one topic among the top results. Pure: no I/O, deterministic for its input.
 */
export class Ranker {
  constructor(private readonly options: RankerOptions = DEFAULT_RANKER_OPTIONS) {}

  rank(items: readonly RankableItem[], context: RankingContext): RankResult {
    const run = new RankRun(context);
    let maxBase = 0;
    for (const item of items) if (item.baseScore > maxBase) maxBase = item.baseScore;
    const priorScale = maxBase > 0 ? 1 / Math.log1p(maxBase) : 0;

    const ranked: RankedOutcome[] = [];
    const filtered: FilteredOutcome[] = [];
    const purposesUsed = new Set<Purpose>();
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      const filter = run.filterOf(item);
      if (filter) {
        filtered.push({ index, ...filter });
        continue;
      }
      const purpose = purposeOfKind(item.kind);
      purposesUsed.add(purpose);
      const prior = Math.log1p(Math.max(0, item.baseScore)) * priorScale;
      // An ad about a sensitive topic: no interest may place or explain it (popularity only).
      const sensitiveAd = item.kind === 'AD' && itemTopicPolicy(item.kind, item.topicIds).policy === 'UNPERSONALIZED_SENSITIVE';
      const matches = sensitiveAd ? NO_MATCHES : run.matches(item, purpose);
      let affinity = 0;
      if (matches.length > 0) {
        let sum = 0;
        for (const match of matches) sum += match.contribution;
        affinity = matches[0].contribution + SECONDARY_MATCH_WEIGHT * (sum - matches[0].contribution);
      }
      const controls = run.controlsOf(item);
      if (controls.some((control) => control.control === 'SHOW_MORE')) affinity = Math.max(affinity, DECLARED_AFFINITY);
      let factor = 1;
      for (const control of controls) factor *= control.control === 'SHOW_MORE' ? SHOW_MORE_FACTOR : control.control === 'SHOW_LESS' ? SHOW_LESS_FACTOR : SEE_FEWER_FACTOR;
      ranked.push({
        index,
        score: (PRIOR_WEIGHT * prior + AFFINITY_WEIGHT * affinity) * factor,
        personalized: matches.length > 0,
        reasons: run.reasonsFor(matches),
        controls,
        ...(sensitiveAd ? { sensitiveTopic: true as const } : {}),
      });
    }
    // Highest score first; ties keep a stable, meaningful order (higher base score, then input order).
    const bases = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) bases[i] = items[i].baseScore;
    ranked.sort((a, b) => b.score - a.score || bases[b.index] - bases[a.index] || a.index - b.index);
    const diversified = this.diversify(ranked, items);
    const personalized = diversified.some((outcome) => outcome.personalized);
    const reasons: NotPersonalizedReason[] = [];
    for (const purpose of purposesUsed) {
      const view = context.profiles[purpose];
      if (!view.personalized) reasons.push(view.reason);
      // Nothing personal contributed although the purpose may use other activity: the reason is
      // why AI-chat data was left out, if it was.
      else if (view.aiChatNotUsed) reasons.push(view.aiChatNotUsed);
    }
    return {
      ranked: diversified,
      filtered,
      personalized,
      ...(personalized ? {} : { notPersonalizedReason: pickNotPersonalizedReason(reasons) }),
    };
  }

  /**
   * Keeps at most `diversityCap` items of one primary topic among the first `diversityWindow`
   * results. Items pushed out of the window get a score just below the window's last one, so the
   * list stays ordered by the score it reports.
   */
  private diversify(sorted: RankedOutcome[], items: readonly RankableItem[]): RankedOutcome[] {
    const { diversityCap, diversityWindow } = this.options;
    if (diversityCap <= 0 || diversityWindow <= 0 || sorted.length <= diversityCap) return sorted;
    const window: RankedOutcome[] = [];
    const deferred: RankedOutcome[] = [];
    const perTopic = new Map<string, number>();
    let next = 0;
    for (; next < sorted.length && window.length < diversityWindow; next++) {
      const outcome = sorted[next];
      const topic = items[outcome.index].topicIds[0] ?? '';
      const count = perTopic.get(topic) ?? 0;
      if (count >= diversityCap) {
        deferred.push(outcome);
        continue;
      }
      perTopic.set(topic, count + 1);
      window.push(outcome);
    }
    if (deferred.length === 0) return sorted;
    if (window.length < diversityWindow) {
      // Not enough other topics to fill the window: the deferred items follow in score order.
      return [...window, ...deferred];
    }
    const floor = window[window.length - 1].score;
    const demoted = deferred.map((outcome) => ({ ...outcome, score: Math.min(outcome.score, floor) }));
    const rest = [...demoted, ...sorted.slice(next)];
    // Stable sort keeps demoted items (listed first) ahead of equal-scored later ones.
    rest.sort((a, b) => b.score - a.score);
    return [...window, ...rest];
  }
}

/**
 * One ranking's compiled context. Everything that depends only on a topic (its best interest
 * match per purpose, the control that applies to it) is computed once per topic and reused, as
 * thousands of candidates share a few hundred topics; items with the same matches share one
 * reasons array.
 */
class RankRun {
  private readonly preferences: CompiledPreferences;
  private readonly scorers: Record<Purpose, PurposeScorer>;
  private readonly bestMatch: Record<Purpose, Map<string, TopicMatch | null>> = { ADS: new Map(), CONTENT: new Map() };
  private readonly controlTopic = new Map<ReadonlySet<string>, Map<string, string | null>>();
  private readonly singleReasons = new Map<TopicMatch, RankingReason[]>();
  private readonly pairReasons = new Map<TopicMatch, Map<TopicMatch, RankingReason[]>>();

  constructor(private readonly context: RankingContext) {
    this.preferences = compilePreferences(context);
    this.scorers = { ADS: compileScorer(context.profiles.ADS), CONTENT: compileScorer(context.profiles.CONTENT) };
  }

  filterOf(item: RankableItem): Omit<FilteredOutcome, 'index'> | undefined {
    const preferences = this.preferences;
    if (item.surfaces.length > 0 && !item.surfaces.includes(this.context.surface)) return { reason: 'NOT_ON_SURFACE' };
    if (item.kind !== 'AD') return undefined;
    // A restricted brand-safety topic: never shown. A sensitive one is ranked without personalization (rank()).
    if (itemTopicPolicy(item.kind, item.topicIds).policy === 'NEVER_RESTRICTED') return { reason: 'SENSITIVE_TOPIC' };
    // Blocks unknown: any ad might be one the user said no to.
    if (preferences.unknown) return { reason: 'PREFERENCES_UNAVAILABLE' };
    if (item.advertiserId !== undefined && preferences.blockedAdvertisers.has(item.advertiserId)) return { reason: 'BLOCKED_ADVERTISER' };
    if (preferences.blockedAdTopics.size > 0) {
      for (const topicId of item.topicIds) {
        if (!preferences.blockedAdTopics.has(topicId)) continue;
        const blockedTopicId = firstIn(selfAndAncestors(topicId), preferences.blockedAdTopicRoots) ?? topicId;
        return { reason: 'BLOCKED_TOPIC', blockedTopicId };
      }
    }
    return undefined;
  }

  /** The best interest match per item topic, strongest first. */
  matches(item: RankableItem, purpose: Purpose): TopicMatch[] {
    if (this.scorers[purpose].interests.size === 0) return NO_MATCHES;
    let matches = NO_MATCHES;
    for (const itemTopicId of item.topicIds) {
      const best = this.bestMatchFor(itemTopicId, purpose);
      if (best) {
        if (matches === NO_MATCHES) matches = [];
        matches.push(best);
      }
    }
    return matches.length > 1 ? matches.sort((a, b) => b.contribution - a.contribution) : matches;
  }

  private bestMatchFor(itemTopicId: string, purpose: Purpose): TopicMatch | null {
    const cache = this.bestMatch[purpose];
    let best = cache.get(itemTopicId);
    if (best !== undefined) return best;
    best = null;
    const interests = this.scorers[purpose].interests;
    let factor = 1;
    for (const topicId of selfAndAncestors(itemTopicId)) {
      const indexed = interests.get(topicId);
      // Belt and braces: the ads view already has no sensitive interests.
      if (indexed && !(purpose === 'ADS' && isNeverForAds(topicId))) {
        const contribution = indexed.weight * factor;
        if (!best || contribution > best.contribution) best = { indexed, itemTopicId, contribution };
      }
      factor *= ANCESTOR_MATCH_DECAY;
    }
    cache.set(itemTopicId, best);
    return best;
  }

  controlsOf(item: RankableItem): AppliedControl[] {
    const preferences = this.preferences;
    let controls = NO_CONTROLS;
    const add = (control: AppliedControl['control'], set: ReadonlySet<string>) => {
      if (set.size === 0) return;
      for (const itemTopicId of item.topicIds) {
        const topicId = this.controlTopicFor(set, itemTopicId);
        if (topicId !== null) {
          if (controls === NO_CONTROLS) controls = [];
          controls.push({ control, topicId });
          return;
        }
      }
    };
    if (item.kind === 'AD') {
      add('SEE_FEWER', preferences.seeFewerAdTopics);
    } else {
      add('SHOW_MORE', preferences.showMoreTopics);
      add('SHOW_LESS', preferences.showLessTopics);
    }
    return controls;
  }

  /** The topic of `set` that is `itemTopicId` or its nearest ancestor, or null. */
  private controlTopicFor(set: ReadonlySet<string>, itemTopicId: string): string | null {
    let cache = this.controlTopic.get(set);
    if (!cache) {
      cache = new Map();
      this.controlTopic.set(set, cache);
    }
    let topicId = cache.get(itemTopicId);
    if (topicId === undefined) {
      topicId = firstIn(selfAndAncestors(itemTopicId), set) ?? null;
      cache.set(itemTopicId, topicId);
    }
    return topicId;
  }

  reasonsFor(matches: readonly TopicMatch[]): RankingReason[] {
    if (matches.length === 0) return NO_REASONS;
    if (matches.length > 2) return reasonsOf(matches);
    if (matches.length === 1) {
      let reasons = this.singleReasons.get(matches[0]);
      if (!reasons) {
        reasons = reasonsOf(matches);
        this.singleReasons.set(matches[0], reasons);
      }
      return reasons;
    }
    let second = this.pairReasons.get(matches[0]);
    if (!second) {
      second = new Map();
      this.pairReasons.set(matches[0], second);
    }
    let reasons = second.get(matches[1]);
    if (!reasons) {
      reasons = reasonsOf(matches);
      second.set(matches[1], reasons);
    }
    return reasons;
  }
}

function reasonsOf(matches: readonly TopicMatch[]): RankingReason[] {
  const reasons: RankingReason[] = [];
  const seen = new Set<string>();
  // First the most recent source of each matching interest, then further sources.
  for (let depth = 0; reasons.length < MAX_REASONS; depth++) {
    let added = false;
    for (const match of matches) {
      const { interest } = match.indexed;
      const source = interest.sources[depth];
      if (!source) continue;
      const key = `${interest.topicId}|${source.surface}|${source.sourceKind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      reasons.push({ topicId: interest.topicId, itemTopicId: match.itemTopicId, sourceKind: source.sourceKind, surface: source.surface, ...(source.lastTime ? { lastTime: source.lastTime } : {}) });
      added = true;
      if (reasons.length >= MAX_REASONS) break;
    }
    if (!added) break;
  }
  return reasons;
}
