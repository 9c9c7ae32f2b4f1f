import type { ServerUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, maxItems, nonEmpty, requireId, unary, type ErrorSink } from '@signalpath/grpc-kit';
import type { ranking } from '@signalpath/proto';
import { validateItem } from '../items';
import type { CatalogStore } from '../store/catalog-store';

const MAX_BATCH = 1000;

/** UpsertItems / DeleteItems: catalog maintenance. Everything is validated before anything is written. */
export function catalogHandlers(store: CatalogStore, sink: ErrorSink) {
  return {
    upsertItems: unary(async (request: ranking.UpsertItemsRequest, _call: ServerUnaryCall<ranking.UpsertItemsRequest, ranking.UpsertItemsResponse>) => {
      nonEmpty(request.items, 'items');
      maxItems(request.items, 'items', MAX_BATCH);
      const seen = new Set<string>();
      const items = request.items.map((raw, i) => {
        const { item } = validateItem(raw, `items[${i}]`);
        if (seen.has(item.itemId)) throw new InvalidArgumentError(`items[${i}].item_id`, 'is repeated in the request');
        seen.add(item.itemId);
        return item;
      });
      const upsertedCount = await store.upsert(items);
      return { upsertedCount };
    }, sink),

    deleteItems: unary(async (request: ranking.DeleteItemsRequest) => {
      nonEmpty(request.itemIds, 'item_ids');
      maxItems(request.itemIds, 'item_ids', MAX_BATCH);
      const ids = request.itemIds.map((id, i) => requireId(id, `item_ids[${i}]`));
      const deletedCount = await store.delete([...new Set(ids)]);
      return { deletedCount };
    }, sink),
  };
}
