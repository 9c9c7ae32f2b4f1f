import { InvalidArgumentError, maxItems, nonEmpty, optionalTime, requireEnum, requireId } from '@signalpath/grpc-kit';
import { common, ranking } from '@signalpath/proto';
import type { ItemKind, RankableItem, SourceKind, Surface } from '@signalpath/ranking-model';
import { getTaxonomy } from '@signalpath/taxonomy';

/** The ranking model's names → proto enums; the reverse maps below are derived, so they cannot drift. */
export const PROTO_SURFACE: Readonly<Record<Surface, common.Surface>> = {
  FACEBOOK: common.Surface.SURFACE_FACEBOOK,
  INSTAGRAM: common.Surface.SURFACE_INSTAGRAM,
  MESSENGER: common.Surface.SURFACE_MESSENGER,
  WHATSAPP: common.Surface.SURFACE_WHATSAPP,
};

const PROTO_KIND: Readonly<Record<ItemKind, ranking.ItemKind>> = {
  AD: ranking.ItemKind.ITEM_KIND_AD,
  POST: ranking.ItemKind.ITEM_KIND_POST,
  REEL: ranking.ItemKind.ITEM_KIND_REEL,
  GROUP: ranking.ItemKind.ITEM_KIND_GROUP,
};

export const PROTO_SOURCE_KIND: Readonly<Record<SourceKind, common.SourceKind>> = {
  AI_CHAT: common.SourceKind.SOURCE_KIND_AI_CHAT,
  PAGE_LIKE: common.SourceKind.SOURCE_KIND_PAGE_LIKE,
  FOLLOW: common.SourceKind.SOURCE_KIND_FOLLOW,
  GROUP_JOIN: common.SourceKind.SOURCE_KIND_GROUP_JOIN,
  UNSPECIFIED: common.SourceKind.SOURCE_KIND_UNSPECIFIED,
};

/** Null-prototype, like every table looked up with a value from a request or a response. */
function inverse<K extends string>(map: Readonly<Record<K, number>>): Readonly<Record<number, K | undefined>> {
  return Object.assign(Object.create(null) as Record<number, K | undefined>, Object.fromEntries(Object.entries(map).map(([name, value]) => [value, name])));
}

export const SURFACE_OF = inverse(PROTO_SURFACE);
export const KIND_OF = inverse(PROTO_KIND);
export const SOURCE_KIND_OF = inverse(PROTO_SOURCE_KIND);

export function requireSurface(value: number | undefined, field: string): Surface {
  return SURFACE_OF[requireEnum(value, common.Surface, field)] as Surface;
}

const MAX_TOPICS_PER_ITEM = 32;
const MAX_TITLE_BYTES = 1024;

/** A validated item: the proto as it will be returned, and what the ranker reads. */
export interface ValidItem {
  item: ranking.Item;
  rankable: RankableItem;
}

/**
 * Validates one item as UpsertItems documents it, naming the field under `prefix` (e.g.
 * `items[2]`). Repeated topic ids and surfaces are dropped; an item that needs no such change is
 * returned as the same object (Rank writes such inline items back as the bytes they came in).
 */
export function validateItem(item: ranking.Item, prefix: string): ValidItem {
  const itemId = requireId(item.itemId, `${prefix}.item_id`);
  const kindValue = requireEnum(item.kind, ranking.ItemKind, `${prefix}.kind`);
  const kind = KIND_OF[kindValue] as ItemKind;
  const title = item.title ?? '';
  if (title.length > MAX_TITLE_BYTES / 4 && Buffer.byteLength(title, 'utf8') > MAX_TITLE_BYTES) {
    throw new InvalidArgumentError(`${prefix}.title`, `must be at most ${MAX_TITLE_BYTES} bytes`);
  }
  const rawTopics = item.topicIds ?? [];
  nonEmpty(rawTopics, `${prefix}.topic_ids`);
  maxItems(rawTopics, `${prefix}.topic_ids`, MAX_TOPICS_PER_ITEM);
  const taxonomy = getTaxonomy();
  for (let j = 0; j < rawTopics.length; j++) {
    if (!taxonomy.has(rawTopics[j])) throw new InvalidArgumentError(`${prefix}.topic_ids[${j}]`, 'is not an IAB Content Taxonomy 3.1 topic id');
  }
  const topicIds = withoutRepeats(rawTopics);
  if (kind === 'AD') requireId(item.advertiserId, `${prefix}.advertiser_id`);
  else if (item.advertiserId) throw new InvalidArgumentError(`${prefix}.advertiser_id`, 'must be empty for an item that is not an ad');
  const rawSurfaces = item.surfaces ?? [];
  for (let k = 0; k < rawSurfaces.length; k++) requireSurface(rawSurfaces[k], `${prefix}.surfaces[${k}]`);
  const surfaces = withoutRepeats(rawSurfaces);
  const baseScore = item.baseScore ?? 0;
  if (!Number.isFinite(baseScore) || baseScore < 0) throw new InvalidArgumentError(`${prefix}.base_score`, 'must be finite and non-negative');
  optionalTime(item.createTime, `${prefix}.create_time`);
  const unchanged = topicIds === rawTopics && surfaces === rawSurfaces && item.title !== undefined && item.advertiserId !== undefined && item.baseScore !== undefined;
  const normalized: ranking.Item = unchanged
    ? item
    : { itemId, kind: kindValue, title, topicIds, advertiserId: item.advertiserId ?? '', surfaces, baseScore, createTime: item.createTime };
  return { item: normalized, rankable: toRankable(normalized) };
}

/** The same array when it has no repeated values, else a copy without them (first kept). */
function withoutRepeats<T>(values: T[]): T[] {
  if (values.length < 2) return values;
  if (values.length === 2) return values[0] === values[1] ? [values[0]] : values;
  const unique = [...new Set(values)];
  return unique.length === values.length ? values : unique;
}

const EVERY_SURFACE: readonly Surface[] = Object.freeze([]);

/** The ranker's view of an item already known to be valid (validated, or read from the catalog). */
export function toRankable(item: ranking.Item): RankableItem {
  const kind = KIND_OF[item.kind] as ItemKind;
  let surfaces = EVERY_SURFACE;
  if (item.surfaces.length > 0) {
    const mapped: Surface[] = [];
    for (const value of item.surfaces) {
      const surface = SURFACE_OF[value];
      if (surface) mapped.push(surface);
    }
    surfaces = mapped;
  }
  return kind === 'AD'
    ? { id: item.itemId, kind, topicIds: item.topicIds, advertiserId: item.advertiserId, surfaces, baseScore: item.baseScore }
    : { id: item.itemId, kind, topicIds: item.topicIds, surfaces, baseScore: item.baseScore };
}

/** A common.v1.Topic for a taxonomy id, built once per id (responses reuse the same object). */
const topicMessages = new Map<string, common.Topic>();
export function topicMessage(topicId: string): common.Topic {
  let topic = topicMessages.get(topicId);
  if (!topic) {
    const node = getTaxonomy().get(topicId);
    topic = Object.freeze({ id: topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' });
    if (node) topicMessages.set(topicId, topic);
  }
  return topic;
}
