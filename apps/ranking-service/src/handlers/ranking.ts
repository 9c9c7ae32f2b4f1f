import type { ServerUnaryCall } from '@grpc/grpc-js';
import { clampedCount, deadlineMsOf, InvalidArgumentError, NotFoundError, optionalEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { pickNotPersonalizedReason } from '@signalpath/domain';
import { ranking } from '@signalpath/proto';
import {
  Ranker,
  defaultMaxAds,
  withAdLoad,
  explanationSentence,
  purposeOfKind,
  retrievalTopics,
  type FilterReason,
  type NotPersonalizedReason,
  type Purpose,
  type RankableItem,
  type RankingReason,
  type RankResult,
  type Surface,
} from '@signalpath/ranking-model';
import { KIND_OF, PROTO_SOURCE_KIND, PROTO_SURFACE, topicMessage } from '../mapping';
import { requireSurface, validateItem } from '../validation';
import type { CatalogFeed } from '../catalog/catalog-feed';
import { reasonProto } from '../mapping';
import type { UserContext, UserContextLoader } from '../users/user-context';

export const MAX_CANDIDATES = 5000;
const DEFAULT_RECOMMEND_LIMIT = 20;
const MAX_RECOMMEND_LIMIT = 200;
const BOTH_PURPOSES: ReadonlySet<Purpose> = new Set<Purpose>(['ADS', 'CONTENT']);

const FILTER_REASON: Record<FilterReason, ranking.FilterReason> = {
  NOT_ON_SURFACE: ranking.FilterReason.FILTER_REASON_NOT_ON_SURFACE,
  SENSITIVE_TOPIC: ranking.FilterReason.FILTER_REASON_SENSITIVE_TOPIC,
  BLOCKED_ADVERTISER: ranking.FilterReason.FILTER_REASON_BLOCKED_ADVERTISER,
  BLOCKED_TOPIC: ranking.FilterReason.FILTER_REASON_BLOCKED_TOPIC,
  PREFERENCES_UNAVAILABLE: ranking.FilterReason.FILTER_REASON_PREFERENCES_UNAVAILABLE,
  NOT_INTERESTED: ranking.FilterReason.FILTER_REASON_NOT_INTERESTED,
};


type Call<Req, Res> = ServerUnaryCall<Req, Res>;

/** One candidate that reached the ranker: the proto to return and what the ranker reads. */
interface Entry {
  item: ranking.Item;
  rankable: RankableItem;
  /** Position of its first occurrence among the request's candidates. */
  position: number;
}

function toProtoReason(reason: RankingReason): ranking.RankingReason {
  return {
    topic: topicMessage(reason.topicId),
    sourceKind: PROTO_SOURCE_KIND[reason.sourceKind],
    surface: PROTO_SURFACE[reason.surface],
    lastTime: reason.lastTime,
  };
}

/**
 * The response-level reason: the ranker's (over the purposes its ranked items used), else — when
 * nothing was ranked — the reason of the purposes that were read, so a degraded answer always
 * says so.
 */
function responseReason(result: RankResult, user: UserContext, purposes: ReadonlySet<Purpose>): ranking.NotPersonalizedReason {
  if (result.personalized) return ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;
  let reason = result.notPersonalizedReason;
  if (reason === undefined && result.ranked.length === 0) {
    const reasons: NotPersonalizedReason[] = [];
    for (const purpose of purposes) {
      const view = user.profiles[purpose];
      if (!view.personalized) reasons.push(view.reason);
      else if (view.aiChatNotUsed) reasons.push(view.aiChatNotUsed);
    }
    reason = pickNotPersonalizedReason(reasons);
  }
  return reasonProto(reason);
}

/**
 * How long a call waits for the first catalog load at most; never more than half the time to its
 * deadline, so the caller hears UNAVAILABLE (retry elsewhere) rather than DEADLINE_EXCEEDED.
 */
const CATALOG_WAIT_MS = 5_000;

export function catalogWaitMs(call: { getDeadline(): Date | number }): number {
  const ms = deadlineMsOf(call);
  return Number.isFinite(ms) ? Math.min(CATALOG_WAIT_MS, (ms - Date.now()) / 2) : CATALOG_WAIT_MS;
}

/** Explanation sentences in a Rank response by default (RankRequest.explain_top_k unset). */
export const DEFAULT_EXPLAIN_TOP_K = 20;

/** The sentence ExplainItem would give for a ranked (not filtered) item. */
function rankedSentence(rankable: RankableItem, outcome: RankResult['ranked'][number], surface: Surface, user: UserContext): string {
  const view = user.profiles[purposeOfKind(rankable.kind)];
  return explanationSentence({
    kind: rankable.kind,
    surface,
    personalized: outcome.personalized,
    ...(view.personalized ? {} : { notPersonalizedReason: view.reason }),
    reasons: outcome.reasons,
    controls: outcome.controls,
    ...(outcome.sensitiveTopic ? { sensitiveTopic: true } : {}),
  });
}

/**
 * Rank's answer by id: each distinct reason set once (the ranker shares one reasons array between
 * items with the same matches; equal sets in different arrays are merged by value), referenced by
 * index, with index 0 the empty set; a sentence for the first `explainTopK` only.
 */
function compactRanked(entries: readonly Entry[], result: RankResult, surface: Surface, user: UserContext, explainTopK: number) {
  const reasonSets: ranking.ReasonSet[] = [];
  if (result.ranked.length > 0) reasonSets.push({ reasons: [] });
  const byArray = new Map<readonly RankingReason[], number>();
  const byValue = new Map<string, number>();
  const setOf = (reasons: readonly RankingReason[]): number => {
    if (reasons.length === 0) return 0;
    let at = byArray.get(reasons);
    if (at !== undefined) return at;
    const key = reasons.map((r) => `${r.topicId}|${r.sourceKind}|${r.surface}|${r.lastTime?.getTime() ?? ''}`).join(';');
    at = byValue.get(key);
    if (at === undefined) {
      at = reasonSets.length;
      reasonSets.push({ reasons: reasons.map(toProtoReason) });
      byValue.set(key, at);
    }
    byArray.set(reasons, at);
    return at;
  };
  const ranked = result.ranked.map((outcome, i): ranking.RankedCandidate => {
    const entry = entries[outcome.index];
    return {
      itemId: entry.item.itemId,
      score: outcome.score,
      personalized: outcome.personalized,
      reasonSet: setOf(outcome.reasons),
      explanation: i < explainTopK ? rankedSentence(entry.rankable, outcome, surface, user) : '',
    };
  });
  return { ranked, reasonSets };
}

export interface RankingDeps {
  catalog: CatalogFeed;
  users: UserContextLoader;
  ranker: Ranker;
}

/** Rank, Recommend and ExplainItem. */
export function rankingHandlers({ catalog, users, ranker }: RankingDeps) {
  const rankEntries = (entries: readonly Entry[], surface: Surface, user: UserContext) =>
    ranker.rank(
      entries.map((entry) => entry.rankable),
      { surface, profiles: user.profiles, preferences: user.preferences },
    );

  const rankedItems = (entries: readonly Entry[], result: RankResult, limit = Infinity): ranking.RankedItem[] => {
    // The ranker shares reasons arrays between items: convert each once, so the Rank codec can
    // also encode each shared reason once.
    const converted = new Map<readonly RankingReason[], ranking.RankingReason[]>();
    const toProto = (reasons: readonly RankingReason[]) => {
      if (reasons.length === 0) return [];
      let proto = converted.get(reasons);
      if (!proto) {
        proto = reasons.map(toProtoReason);
        converted.set(reasons, proto);
      }
      return proto;
    };
    const outcomes = limit < result.ranked.length ? result.ranked.slice(0, limit) : result.ranked;
    return outcomes.map((outcome) => ({
      item: entries[outcome.index].item,
      score: outcome.score,
      personalized: outcome.personalized,
      reasons: toProto(outcome.reasons),
    }));
  };

  return {
    rank: async (request: ranking.RankRequest, call: Call<ranking.RankRequest, ranking.RankResponse>): Promise<ranking.RankResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const surface = requireSurface(request.surface, 'surface');
      const candidateIds = request.candidateIds ?? [];
      if (candidateIds.length + request.candidates.length > MAX_CANDIDATES) {
        throw new InvalidArgumentError(candidateIds.length > MAX_CANDIDATES ? 'candidate_ids' : 'candidates', `must have at most ${MAX_CANDIDATES} items with candidate_ids and candidates together`);
      }
      const explainTopK = request.explainTopK ?? DEFAULT_EXPLAIN_TOP_K;
      if (!Number.isInteger(explainTopK) || explainTopK < 0) throw new InvalidArgumentError('explain_top_k', 'must not be negative');

      // Validate every candidate first; then keep the first occurrence of each item id. Positions:
      // candidate_ids first, then candidates.
      const inline = new Map<string, Entry>();
      const catalogIds = new Map<string, number>();
      const purposes = new Set<Purpose>();
      candidateIds.forEach((id, i) => {
        const itemId = requireId(id, `candidate_ids[${i}]`);
        if (!catalogIds.has(itemId)) catalogIds.set(itemId, i);
      });
      request.candidates.forEach((candidate, i) => {
        const position = candidateIds.length + i;
        const value = candidate.candidate;
        if (value === undefined) throw new InvalidArgumentError(`candidates[${i}]`, 'must set item_id or item');
        if (value.$case === 'itemId') {
          const itemId = requireId(value.value, `candidates[${i}].item_id`);
          if (!inline.has(itemId) && !catalogIds.has(itemId)) catalogIds.set(itemId, position);
        } else {
          const valid = validateItem(value.value, `candidates[${i}].item`);
          if (inline.has(valid.item.itemId) || catalogIds.has(valid.item.itemId)) return;
          inline.set(valid.item.itemId, { ...valid, position });
          purposes.add(purposeOfKind(valid.rankable.kind));
        }
      });
      if (inline.size === 0 && catalogIds.size === 0) {
        return { ranked: [], reasonSets: [], filtered: [], personalized: false, notPersonalizedReason: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED };
      }
      // Catalog items' kinds are unknown until looked up: read both profiles alongside.
      const wanted = catalogIds.size > 0 ? BOTH_PURPOSES : purposes;
      const [index, user] = await Promise.all([catalogIds.size > 0 ? catalog.index(catalogWaitMs(call)) : undefined, users.load(userId, surface, wanted, call)]);

      const entries: Entry[] = [...inline.values()];
      const filtered: Array<ranking.FilteredItem & { position: number }> = [];
      for (const [itemId, position] of catalogIds) {
        const found = index?.get(itemId);
        if (found) entries.push({ item: found.item, rankable: found.rankable, position });
        else filtered.push({ itemId, reason: ranking.FilterReason.FILTER_REASON_NOT_FOUND, position });
      }
      // Input order breaks score ties: keep it the request's order.
      entries.sort((a, b) => a.position - b.position);
      // Items the user said "not interested" to are never ranked for them.
      if (user.hiddenItemIds.size > 0) {
        const shown = entries.filter((entry) => !user.hiddenItemIds.has(entry.item.itemId));
        for (const entry of entries) {
          if (user.hiddenItemIds.has(entry.item.itemId)) filtered.push({ itemId: entry.item.itemId, reason: ranking.FilterReason.FILTER_REASON_NOT_INTERESTED, position: entry.position });
        }
        entries.splice(0, entries.length, ...shown);
      }
      const result = rankEntries(entries, surface, user);
      for (const outcome of result.filtered) {
        const entry = entries[outcome.index];
        filtered.push({ itemId: entry.item.itemId, reason: FILTER_REASON[outcome.reason], position: entry.position });
      }
      filtered.sort((a, b) => a.position - b.position);
      const { ranked, reasonSets } = compactRanked(entries, result, surface, user, Math.min(explainTopK, MAX_CANDIDATES));
      return {
        ranked,
        reasonSets,
        filtered: filtered.map(({ itemId, reason }) => ({ itemId, reason })),
        personalized: result.personalized,
        notPersonalizedReason: responseReason(result, user, wanted),
      };
    },

    recommend: async (request: ranking.RecommendRequest, call: Call<ranking.RecommendRequest, ranking.RecommendResponse>): Promise<ranking.RecommendResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const surface = requireSurface(request.surface, 'surface');
      const kindValue = optionalEnum(request.kind, ranking.ItemKind, 'kind');
      const limit = clampedCount(request.limit, 'limit', { defaultSize: DEFAULT_RECOMMEND_LIMIT, max: MAX_RECOMMEND_LIMIT });
      if (request.maxAds !== undefined && (!Number.isInteger(request.maxAds) || request.maxAds < 0)) throw new InvalidArgumentError('max_ads', 'must not be negative');
      const maxAds = request.maxAds ?? defaultMaxAds(limit);
      const kind = kindValue === undefined ? undefined : KIND_OF[kindValue];
      const purposes: ReadonlySet<Purpose> = kind ? new Set([purposeOfKind(kind)]) : BOTH_PURPOSES;

      const [index, user] = await Promise.all([catalog.index(catalogWaitMs(call)), users.load(userId, surface, purposes, call)]);
      const query = { kind: kindValue, surface: PROTO_SURFACE[surface] };
      // "Show more" topics are declared interests: retrieved even for a user without history.
      const declared = purposes.has('CONTENT') ? user.preferences.showMoreTopicIds : [];
      const topics = retrievalTopics(user.profiles, purposes, undefined, declared);
      const topical = index.byTopics(topics, { ...query, limit: Math.min(1000, limit * 10) });
      const popular = index.popular({ ...query, limit: limit * 3 + 50 });
      const entries: Entry[] = [];
      const seen = new Set<string>();
      for (const { item, rankable } of [...topical, ...popular]) {
        if (seen.has(item.itemId) || user.hiddenItemIds.has(item.itemId)) continue;
        seen.add(item.itemId);
        entries.push({ item, rankable, position: entries.length });
      }
      const result = rankEntries(entries, surface, user);
      // One kind asked for: the limit alone applies. Mixed kinds: the ad load too.
      const ranked = kind ? result.ranked : withAdLoad(result.ranked, (outcome) => entries[outcome.index].rankable.kind === 'AD', limit, maxAds);
      const items = rankedItems(entries, { ...result, ranked }, limit);
      return {
        items,
        personalized: items.some((item) => item.personalized),
        notPersonalizedReason: responseReason({ ...result, personalized: items.some((item) => item.personalized) }, user, purposes),
      };
    },

    explainItem: async (request: ranking.ExplainItemRequest, call: Call<ranking.ExplainItemRequest, ranking.ExplainItemResponse>): Promise<ranking.ExplainItemResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const itemId = requireId(request.itemId, 'item_id');
      const surface = requireSurface(request.surface, 'surface');
      const found = (await catalog.index(catalogWaitMs(call))).get(itemId);
      if (!found) throw new NotFoundError('item not found in the catalog');
      const { item, rankable } = found;
      const purpose = purposeOfKind(rankable.kind);
      const user = await users.load(userId, surface, new Set([purpose]), call);
      const ranked0 = rankEntries([{ item, rankable, position: 0 }], surface, user);
      // An item the user said "not interested" to is explained as hidden, whatever the ranker says.
      const result: RankResult = user.hiddenItemIds.has(itemId) ? { ...ranked0, ranked: [], filtered: [{ index: 0, reason: 'NOT_INTERESTED' }] } : ranked0;
      const view = user.profiles[purpose];
      // Personalized from other activity only: the reason AI-chat data was left out, if nothing matched.
      const viewReason = view.personalized ? view.aiChatNotUsed : view.reason;
      const [ranked] = result.ranked;
      const [filtered] = result.filtered;
      const personalized = ranked?.personalized ?? false;
      const reasons = ranked?.reasons ?? [];
      const explanation = explanationSentence({
        kind: rankable.kind,
        surface,
        ...(filtered ? { filterReason: filtered.reason, ...(filtered.blockedTopicId ? { blockedTopicId: filtered.blockedTopicId } : {}) } : {}),
        personalized,
        ...(viewReason ? { notPersonalizedReason: viewReason } : {}),
        reasons,
        controls: ranked?.controls ?? [],
        ...(ranked?.sensitiveTopic ? { sensitiveTopic: true } : {}),
      });
      return {
        item,
        reasons: personalized ? reasons.map(toProtoReason) : [],
        explanation,
        personalized,
        notPersonalizedReason: !personalized && viewReason ? reasonProto(viewReason) : ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        filterReason: filtered ? FILTER_REASON[filtered.reason] : ranking.FilterReason.FILTER_REASON_UNSPECIFIED,
      };
    },
  } satisfies Handlers<ranking.RankingServiceServer>;
}
