import type { Logger } from '@signalpath/telemetry';
import { validateItem } from '../items';
import type { CatalogStore } from '../store/catalog-store';
import { demoCatalog } from './demo-catalog';

/**
 * Loads the demo catalog when the catalog is empty; a catalog with any item is left alone, so it
 * loads once. Inserts never overwrite (two instances starting together insert the same items).
 * Returns how many items were inserted.
 */
export async function seedDemoCatalogIfEmpty(store: CatalogStore, logger: Logger): Promise<number> {
  if (!(await store.isEmpty())) {
    logger.info({}, 'catalog not empty; demo catalog not loaded');
    return 0;
  }
  const items = demoCatalog().map((item, i) => validateItem(item, `demo_catalog[${i}]`).item);
  const inserted = await store.insertMissing(items);
  logger.info({ count: inserted }, 'demo catalog loaded');
  return inserted;
}
