import type { ServerUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, maxItems, nonEmpty, requireId, unary, type ErrorSink } from '@signalpath/grpc-kit';
import type { ranking } from '@signalpath/proto';
import { validateItem } from '../items';
import type { CatalogFeed } from '../catalog/catalog-feed';
import type { CatalogStore } from '../store/catalog-store';

const MAX_BATCH = 1000;

/**
 * UpsertItems / DeleteItems: catalog maintenance. Everything is validated before anything is
 * written; an answer comes once this process's in-memory catalog has the change.
 */
export function catalogHandlers(store: CatalogStore, catalog: CatalogFeed, sink: ErrorSink) {
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
      const { count, change } = await store.upsert(items);
      // Read-your-writes on this process; other processes see the change within their poll interval.
      await catalog.catchUp(change);
      return { upsertedCount: count };
    }, sink),

    deleteItems: unary(async (request: ranking.DeleteItemsRequest) => {
      nonEmpty(request.itemIds, 'item_ids');
      maxItems(request.itemIds, 'item_ids', MAX_BATCH);
      const ids = request.itemIds.map((id, i) => requireId(id, `item_ids[${i}]`));
      const { count, change } = await store.delete([...new Set(ids)]);
      await catalog.catchUp(change);
      return { deletedCount: count };
    }, sink),
  };
}
