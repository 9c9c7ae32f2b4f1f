import { InvalidArgumentError, maxItems, nonEmpty, optionalTime, requireEnum, requireId } from '@signalpath/grpc-kit';
import { common, ranking } from '@signalpath/proto';
import type { ItemKind, RankableItem, Surface } from '@signalpath/ranking-model';
import { getTaxonomy } from '@signalpath/taxonomy';

import { KIND_OF, SURFACE_OF, toRankable } from './mapping';

/** Request validation for this service: every field named on INVALID_ARGUMENT, nothing written before. */

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
