import type { Logger } from '@signalpath/telemetry';
import { validateItem } from '../validation';
import type { CatalogStore } from '../store/catalog-store';
import { demoCatalog } from './demo-catalog';

/**
 * Loads the demo catalog when the catalog is empty; a catalog with any item is left alone, so it
 * loads once. Inserts never overwrite (two instances starting together insert the same items).
 * Returns how many items were inserted.
 */
export async function seedDemoCatalogIfEmpty(store: CatalogStore, logger: Logger, catalog?: { catchUp(change: number): Promise<void> }): Promise<number> {
  if (!(await store.isEmpty())) {
    logger.info({}, 'catalog not empty; demo catalog not loaded');
    return 0;
  }
  const items = demoCatalog().map((item, i) => validateItem(item, `demo_catalog[${i}]`).item);
  const { count: inserted, change } = await store.insertMissing(items);
  // Settles once this process's in-memory catalog has the items.
  await catalog?.catchUp(change);
  logger.info({ count: inserted }, 'demo catalog loaded');
  return inserted;
}

/**
 * Runs `load` until it succeeds or `stop()` is called, waiting `retryMs` after each failure. No
 * limit on attempts: the database may stay away for any time (a limit once left the catalog
 * empty after a long outage). `stop()` settles `result` with 0 at once, also while a retry waits.
 */
export function keepTrying(load: () => Promise<number>, options: { retryMs: number; onError: (error: unknown, attempts: number) => void }): { result: Promise<number>; stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let settle!: (value: number) => void;
  const result = new Promise<number>((resolve) => (settle = resolve));
  let attempts = 0;
  const attempt = () => {
    if (stopped) return;
    attempts++;
    load().then(settle, (error: unknown) => {
      if (stopped) return;
      options.onError(error, attempts);
      timer = setTimeout(attempt, options.retryMs);
      timer.unref();
    });
  };
  attempt();
  return {
    result,
    stop() {
      stopped = true;
      clearTimeout(timer);
      settle(0);
    },
  };
}
