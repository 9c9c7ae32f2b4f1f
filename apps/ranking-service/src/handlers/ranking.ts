import type { ServerUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, NotFoundError, maxItems, optionalEnum, requireId, unary, type ErrorSink } from '@signalpath/grpc-kit';
import { pickNotPersonalizedReason } from '@signalpath/domain';
import { ranking } from '@signalpath/proto';
import {
  Ranker,
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
import { carryReceivedItems } from '../codec/rank-codec';
import { KIND_OF, PROTO_SOURCE_KIND, PROTO_SURFACE, requireSurface, toRankable, topicMessage, validateItem } from '../items';
import type { CatalogStore } from '../store/catalog-store';
import { reasonProto } from '../mapping';
import type { UserContext, UserContextLoader } from '../user-context';

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

export interface RankingDeps {
  store: CatalogStore;
  users: UserContextLoader;
  ranker: Ranker;
}

/** Rank, Recommend and ExplainItem. */
export function rankingHandlers({ store, users, ranker }: RankingDeps, sink: ErrorSink) {
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
    rank: unary(async (request: ranking.RankRequest, call: Call<ranking.RankRequest, ranking.RankResponse>): Promise<ranking.RankResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const surface = requireSurface(request.surface, 'surface');
      maxItems(request.candidates, 'candidates', MAX_CANDIDATES);

      // Validate every candidate first; then keep the first occurrence of each item id.
      const inline = new Map<string, Entry>();
      const catalogIds = new Map<string, number>();
      const purposes = new Set<Purpose>();
      request.candidates.forEach((candidate, i) => {
        const value = candidate.candidate;
        if (value === undefined) throw new InvalidArgumentError(`candidates[${i}]`, 'must set item_id or item');
        if (value.$case === 'itemId') {
          const itemId = requireId(value.value, `candidates[${i}].item_id`);
          if (!inline.has(itemId) && !catalogIds.has(itemId)) catalogIds.set(itemId, i);
        } else {
          const valid = validateItem(value.value, `candidates[${i}].item`);
          if (inline.has(valid.item.itemId) || catalogIds.has(valid.item.itemId)) return;
          inline.set(valid.item.itemId, { ...valid, position: i });
          purposes.add(purposeOfKind(valid.rankable.kind));
        }
      });
      if (inline.size === 0 && catalogIds.size === 0) {
        return { items: [], filtered: [], personalized: false, notPersonalizedReason: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED };
      }
      // Catalog items' kinds are unknown until read: read both profiles alongside the catalog.
      const wanted = catalogIds.size > 0 ? BOTH_PURPOSES : purposes;
      const [found, user] = await Promise.all([store.findByIds([...catalogIds.keys()]), users.load(userId, surface, wanted, call)]);

      const entries: Entry[] = [...inline.values()];
      const filtered: Array<ranking.FilteredItem & { position: number }> = [];
      for (const [itemId, position] of catalogIds) {
        const item = found.get(itemId);
        if (item) entries.push({ item, rankable: toRankable(item), position });
        else filtered.push({ itemId, reason: ranking.FilterReason.FILTER_REASON_NOT_FOUND, position });
      }
      // Input order breaks score ties: keep it the request's order.
      entries.sort((a, b) => a.position - b.position);
      const result = rankEntries(entries, surface, user);
      for (const outcome of result.filtered) {
        const entry = entries[outcome.index];
        filtered.push({ itemId: entry.item.itemId, reason: FILTER_REASON[outcome.reason], position: entry.position });
      }
      filtered.sort((a, b) => a.position - b.position);
      return carryReceivedItems(request, {
        items: rankedItems(entries, result),
        filtered: filtered.map(({ itemId, reason }) => ({ itemId, reason })),
        personalized: result.personalized,
        notPersonalizedReason: responseReason(result, user, wanted),
      });
    }, sink),

    recommend: unary(async (request: ranking.RecommendRequest, call: Call<ranking.RecommendRequest, ranking.RecommendResponse>): Promise<ranking.RecommendResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const surface = requireSurface(request.surface, 'surface');
      const kindValue = optionalEnum(request.kind, ranking.ItemKind, 'kind');
      if (!Number.isInteger(request.limit) || request.limit < 0) throw new InvalidArgumentError('limit', 'must not be negative');
      const limit = request.limit === 0 ? DEFAULT_RECOMMEND_LIMIT : Math.min(MAX_RECOMMEND_LIMIT, request.limit);
      const kind = kindValue === undefined ? undefined : KIND_OF[kindValue];
      const purposes: ReadonlySet<Purpose> = kind ? new Set([purposeOfKind(kind)]) : BOTH_PURPOSES;

      const user = await users.load(userId, surface, purposes, call);
      const query = { kind: kindValue, surface: PROTO_SURFACE[surface] };
      // "Show more" topics are declared interests: retrieved even for a user without history.
      const declared = purposes.has('CONTENT') ? user.preferences.showMoreTopicIds : [];
      const topics = retrievalTopics(user.profiles, purposes, undefined, declared);
      const [topical, popular] = await Promise.all([
        store.findByTopics(topics, { ...query, limit: Math.min(1000, limit * 10) }),
        store.findPopular({ ...query, limit: limit * 3 + 50 }),
      ]);
      const entries: Entry[] = [];
      const seen = new Set<string>();
      for (const item of [...topical, ...popular]) {
        if (seen.has(item.itemId)) continue;
        seen.add(item.itemId);
        entries.push({ item, rankable: toRankable(item), position: entries.length });
      }
      const result = rankEntries(entries, surface, user);
      const items = rankedItems(entries, result, limit);
      return {
        items,
        personalized: items.some((item) => item.personalized),
        notPersonalizedReason: responseReason({ ...result, personalized: items.some((item) => item.personalized) }, user, purposes),
      };
    }, sink),

    explainItem: unary(async (request: ranking.ExplainItemRequest, call: Call<ranking.ExplainItemRequest, ranking.ExplainItemResponse>): Promise<ranking.ExplainItemResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const itemId = requireId(request.itemId, 'item_id');
      const surface = requireSurface(request.surface, 'surface');
      const item = await store.findById(itemId);
      if (!item) throw new NotFoundError('item not found in the catalog');
      const rankable = toRankable(item);
      const purpose = purposeOfKind(rankable.kind);
      const user = await users.load(userId, surface, new Set([purpose]), call);
      const result = rankEntries([{ item, rankable, position: 0 }], surface, user);
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
      });
      return {
        item,
        reasons: personalized ? reasons.map(toProtoReason) : [],
        explanation,
        personalized,
        notPersonalizedReason: !personalized && viewReason ? reasonProto(viewReason) : ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        filterReason: filtered ? FILTER_REASON[filtered.reason] : ranking.FilterReason.FILTER_REASON_UNSPECIFIED,
      };
    }, sink),
  };
}
