import { UnavailableError } from '@signalpath/grpc-kit';
import type { Logger } from '@signalpath/telemetry';
import type { CatalogStore } from '../store/catalog-store';
import { CatalogIndex } from './catalog-index';

export interface CatalogFeedOptions {
  /** Pause between polls of the change log (RANKING_INDEX_POLL): how stale another process's writes may be. */
  pollMs: number;
  /** Reload the whole catalog this often as a backstop (RANKING_INDEX_RESYNC; 0 = never). */
  resyncMs: number;
  /** Change records older than this are pruned (RANKING_CHANGE_RETENTION). */
  retentionMs: number;
  /** Pause before retrying a load that failed (the database away). */
  retryMs: number;
}

/** Change records read per poll; a longer backlog is read over several polls without waiting. */
const CHANGES_PER_POLL = 500;
/** Item ids re-read per query. */
const IDS_PER_READ = 1_000;
/** How often (in polls) one process prunes the change log. */
const PRUNE_EVERY_POLLS = 120;

/**
 * Keeps a CatalogIndex current: loads the whole catalog at start (position = the last change
 * number read *before* the scan, so nothing written during it is missed), then polls the change
 * log for newer records and re-reads the items they name (present → put, absent → removed). Works
 * the same on MongoDB and FerretDB v1: no change streams, only `_id` range reads. A gap in the
 * numbers (records pruned while this process was away) or a log that went back (database reset)
 * makes it reload everything, as does the periodic resync. A reload builds a new index and swaps
 * it in whole, so readers never see a half-loaded catalog.
 */
export class CatalogFeed {
  private current: CatalogIndex | undefined;
  private position = 0;
  private loadedAt = 0;
  private polls = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** The pass in progress (load or poll); passes never overlap. */
  private pass: Promise<void> | undefined;
  /** Callers of `catchUp` wait here for the next pass to end. */
  private waiters: Array<() => void> = [];
  private readonly loaded: Promise<void>;
  private markLoaded!: () => void;

  constructor(
    private readonly store: CatalogStore,
    private readonly logger: Logger,
    private readonly options: CatalogFeedOptions,
  ) {
    this.loaded = new Promise((resolve) => (this.markLoaded = resolve));
  }

  /** The last change number applied. */
  get applied(): number {
    return this.position;
  }

  get isLoaded(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
    this.markLoaded();
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * The index, waiting up to `waitMs` for the first load; UNAVAILABLE if it has not loaded (the
   * database has not answered since start).
   */
  async index(waitMs: number): Promise<CatalogIndex> {
    if (this.current) return this.current;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loaded, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, waitMs))))]);
    clearTimeout(timer);
    if (!this.current) throw new UnavailableError('the catalog is not loaded yet');
    return this.current;
  }

  /**
   * Waits until change `change` is applied (this process's own writes: read-your-writes on the
   * process that wrote), polling at once rather than at the next tick.
   */
  async catchUp(change: number): Promise<void> {
    while (this.running && this.position < change) {
      const ended = new Promise<void>((resolve) => this.waiters.push(resolve));
      if (!this.pass) {
        clearTimeout(this.timer);
        this.schedule(0);
      }
      await ended;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass = this.runPass().finally(() => {
        this.pass = undefined;
        for (const wake of this.waiters.splice(0)) wake();
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runPass(): Promise<void> {
    let next = this.options.pollMs;
    try {
      const stale = this.options.resyncMs > 0 && Date.now() - this.loadedAt >= this.options.resyncMs;
      if (!this.current || stale) await this.load();
      else if ((await this.poll()) === 'more') next = 0;
      if (++this.polls % PRUNE_EVERY_POLLS === 0) await this.store.pruneChanges(new Date(Date.now() - this.options.retentionMs));
    } catch (error) {
      next = this.current ? this.options.pollMs : this.options.retryMs;
      this.logger.warn({ error_name: error instanceof Error ? error.name : 'unknown', loaded: this.isLoaded }, 'catalog index not refreshed; will retry');
    }
    if (this.running) this.schedule(next);
  }

  /** Loads the whole catalog into a new index and swaps it in. */
  private async load(): Promise<void> {
    const started = Date.now();
    const position = await this.store.lastChange();
    const index = new CatalogIndex();
    for await (const item of this.store.scanAll()) index.put(item, true);
    index.seal();
    const reload = this.current !== undefined;
    this.current = index;
    this.position = position;
    this.loadedAt = Date.now();
    this.markLoaded();
    this.logger.info({ items: index.size, change: position, ms: Date.now() - started, reload }, 'catalog index loaded');
  }

  /** Applies change records after the position; 'more' when a backlog remains. */
  private async poll(): Promise<'done' | 'more'> {
    const index = this.current as CatalogIndex;
    // From the position itself: its record (still there unless pruned) tells a reset log from a
    // quiet one.
    const records = await this.store.changesFrom(Math.max(1, this.position), CHANGES_PER_POLL + 1);
    let fresh = records;
    if (this.position > 0) {
      const first = records[0]?._id;
      if (first === this.position) fresh = records.slice(1);
      else if (first !== this.position + 1) {
        // Pruned past our position, or the log is gone or went back: only a reload is exact.
        this.logger.info({ change: this.position, first_available: first ?? 0 }, 'catalog change log does not continue from this index; reloading');
        await this.load();
        return 'done';
      }
    } else if (records.length > 0 && records[0]._id !== 1) {
      await this.load();
      return 'done';
    }
    if (fresh.length === 0) return 'done';
    const ids = [...new Set(fresh.flatMap((record) => record.item_ids))];
    // Read after the records: every write they announce is already in the items collection.
    for (let i = 0; i < ids.length; i += IDS_PER_READ) {
      const batch = ids.slice(i, i + IDS_PER_READ);
      const found = await this.store.findByIds(batch);
      if (this.current !== index) return 'done';
      for (const itemId of batch) {
        const item = found.get(itemId);
        if (item) index.put(item);
        else index.remove(itemId);
      }
    }
    this.position = fresh[fresh.length - 1]._id;
    return records.length > CHANGES_PER_POLL ? 'more' : 'done';
  }
}
