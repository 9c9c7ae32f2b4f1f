import type { ServerUnaryCall } from '@grpc/grpc-js';
import { clampedCount, decodePageToken, encodePageToken, InvalidArgumentError, maxItems, nonEmpty, NotFoundError, optionalEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { common, ranking } from '@signalpath/proto';
import { itemTopicPolicy, type ItemKind } from '@signalpath/ranking-model';
import { KIND_OF } from '../mapping';
import { validateItem } from '../validation';
import type { CatalogFeed } from '../catalog/catalog-feed';
import type { CatalogStore } from '../store/catalog-store';
import { catalogWaitMs } from './ranking';

const MAX_BATCH = 1000;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

/** What UpsertItems tells the caller will apply to an item (the ranker decides the same way). */
function itemOutcome(item: ranking.Item): ranking.ItemOutcome {
  const decided = itemTopicPolicy(KIND_OF[item.kind] as ItemKind, item.topicIds);
  switch (decided.policy) {
    case 'UNPERSONALIZED_SENSITIVE':
      return {
        itemId: item.itemId,
        policy: ranking.ItemPolicy.ITEM_POLICY_SHOWN_WITHOUT_PERSONALIZATION_SENSITIVE_TOPIC,
        sensitiveClass: common.SensitiveClass[`SENSITIVE_CLASS_${decided.sensitiveClass}` as keyof typeof common.SensitiveClass],
      };
    case 'NEVER_RESTRICTED':
      return { itemId: item.itemId, policy: ranking.ItemPolicy.ITEM_POLICY_NEVER_SHOWN_RESTRICTED_TOPIC, sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_UNSPECIFIED };
    default:
      return { itemId: item.itemId, policy: ranking.ItemPolicy.ITEM_POLICY_STANDARD, sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_UNSPECIFIED };
  }
}

/** Where the next ListItems page starts: the kind filter (0 = every kind) and the last id returned. */
interface ItemCursor extends Record<string, string | number> {
  k: number;
  a: string;
}

function readCursor(token: string, kind: number): ItemCursor | undefined {
  const cursor = decodePageToken<ItemCursor>(token, 'page_token', ['k', 'a']);
  if (!cursor) return undefined;
  if (typeof cursor.a !== 'string' || cursor.a === '') throw new InvalidArgumentError('page_token', 'is not a valid page token');
  if (cursor.k !== kind) throw new InvalidArgumentError('page_token', 'belongs to a listing of another kind');
  return cursor;
}

/**
 * UpsertItems / DeleteItems: catalog maintenance; GetItem / ListItems: catalog reads, from the
 * in-memory catalog like Rank (never the database), so they see a write once UpsertItems answers.
 *
 * UpsertItems / DeleteItems: Everything is validated before anything is
 * written; an answer comes once this process's in-memory catalog has the change.
 */
export interface CatalogDeps {
  store: CatalogStore;
  catalog: CatalogFeed;
}

export function catalogHandlers({ store, catalog }: CatalogDeps) {
  return {
    upsertItems: async (request: ranking.UpsertItemsRequest, _call: ServerUnaryCall<ranking.UpsertItemsRequest, ranking.UpsertItemsResponse>) => {
      nonEmpty(request.items, 'items');
      maxItems(request.items, 'items', MAX_BATCH);
      const seen = new Set<string>();
      const items = request.items.map((raw, i) => {
        const { item } = validateItem(raw, `items[${i}]`);
        if (seen.has(item.itemId)) throw new InvalidArgumentError(`items[${i}].item_id`, 'is repeated in the request');
        seen.add(item.itemId);
        return item;
      });
      const { count, change } = await store.upsert(items);
      // Read-your-writes on this process; other processes see the change within their poll interval.
      await catalog.catchUp(change);
      return { upsertedCount: count, outcomes: items.map(itemOutcome) };
    },

    deleteItems: async (request: ranking.DeleteItemsRequest) => {
      nonEmpty(request.itemIds, 'item_ids');
      maxItems(request.itemIds, 'item_ids', MAX_BATCH);
      const ids = request.itemIds.map((id, i) => requireId(id, `item_ids[${i}]`));
      const { count, change } = await store.delete([...new Set(ids)]);
      await catalog.catchUp(change);
      return { deletedCount: count };
    },

    getItem: async (request: ranking.GetItemRequest, call: ServerUnaryCall<ranking.GetItemRequest, ranking.GetItemResponse>): Promise<ranking.GetItemResponse> => {
      const itemId = requireId(request.itemId, 'item_id');
      const found = (await catalog.index(catalogWaitMs(call))).get(itemId);
      if (!found) throw new NotFoundError('item not found in the catalog');
      return { item: found.item };
    },

    listItems: async (request: ranking.ListItemsRequest, call: ServerUnaryCall<ranking.ListItemsRequest, ranking.ListItemsResponse>): Promise<ranking.ListItemsResponse> => {
      const kind = optionalEnum(request.kind, ranking.ItemKind, 'kind');
      const size = clampedCount(request.pageSize, 'page_size', { defaultSize: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE });
      const cursor = readCursor(request.pageToken, kind ?? 0);
      const page = (await catalog.index(catalogWaitMs(call))).pageById(kind, cursor?.a, size);
      const last = page.items[page.items.length - 1];
      return {
        items: page.items.map((entry) => entry.item),
        nextPageToken: page.more && last ? encodePageToken({ k: kind ?? 0, a: last.item.itemId }) : '',
      };
    },
  } satisfies Handlers<ranking.RankingServiceServer>;
}
