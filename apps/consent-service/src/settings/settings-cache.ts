import { defaultSettings, type SettingsDoc } from '../store/documents';

export interface SettingsSource {
  readMany(userIds: readonly string[]): Promise<SettingsDoc[]>;
}

export interface SettingsCacheOptions {
  /**
   * The most a cached answer may lag a change made through another ConsentService replica; 0
   * turns the cache off. Answers come from memory only while the change feed has synced within
   * this bound; otherwise every read goes to the database.
   */
  maxStalenessMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  doc: SettingsDoc;
  /** When the read that produced this entry started (or when this process wrote it). */
  at: number;
}

/** Even with a healthy feed, an entry is re-read after this long (a safety net, not the bound). */
export const SAFETY_MAX_AGE_MS = 30_000;
/** How long a version announced by the feed is remembered while the database catches up. */
const ANNOUNCED_VERSION_TTL_MS = 60_000;

/**
 * Settings cache for the hot read path (CheckEligibility, BatchCheckEligibility, GetSettings),
 * invalidated by a change feed so that "consent can change" holds with a known bound:
 *
 * - Every change made through this process is put here before its RPC answers
 *   (read-your-writes; a single replica adds no staleness at all).
 * - Changes made through other replicas arrive through the settings history, which every change
 *   appends to (see SettingsChangeFeed). A feed entry for a newer version evicts the cached one,
 *   and that version is remembered so an older read still in flight is not cached after it.
 * - Answers come from memory only while the feed's last successful sync started at most
 *   `maxStalenessMs` ago. If the feed stalls (database down), every read goes to the database,
 *   which fails closed.
 * - An entry never moves back to an older version, and is re-read after SAFETY_MAX_AGE_MS anyway.
 */
export class SettingsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly announced = new Map<string, { version: number; at: number }>();
  private readonly inflight = new Map<string, Promise<SettingsDoc>>();
  private syncedAt = Number.NEGATIVE_INFINITY;
  /** Reads answered from memory and from the database (metrics). */
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly source: SettingsSource,
    private readonly options: SettingsCacheOptions,
  ) {}

  /** The most an answer from this cache may lag a change made through another replica (0: no cache). */
  get stalenessBoundMs(): number {
    return this.options.maxStalenessMs;
  }

  get enabled(): boolean {
    return this.options.maxStalenessMs > 0;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * For metrics: how stale an answer from memory may be right now (ms since the feed's last
   * successful sync started; Infinity before the first), the entries held, hits and misses.
   */
  stats(): { feedAgeMs: number; entries: number; hits: number; misses: number } {
    return { feedAgeMs: this.now() - this.syncedAt, entries: this.entries.size, hits: this.hits, misses: this.misses };
  }

  /** The change feed synced: it has seen every change committed before `startedAt`. */
  markSynced(startedAt: number): void {
    this.syncedAt = Math.max(this.syncedAt, startedAt);
  }

  /** The change feed saw `version` of a user's settings. */
  noteChange(userId: string, version: number): void {
    const entry = this.entries.get(userId);
    if (entry && entry.doc.version < version) this.entries.delete(userId);
    const known = this.announced.get(userId);
    if ((!entry || entry.doc.version < version) && (!known || known.version < version)) this.announced.set(userId, { version, at: this.now() });
  }

  /** Forgets announced versions the database never caught up with (bounded memory). */
  prune(): void {
    const horizon = this.now() - ANNOUNCED_VERSION_TTL_MS;
    for (const [userId, known] of this.announced) if (known.at < horizon) this.announced.delete(userId);
  }

  private fresh(userId: string, now: number): SettingsDoc | undefined {
    if (!this.enabled || now - this.syncedAt > this.options.maxStalenessMs) return undefined;
    const entry = this.entries.get(userId);
    return entry && now - entry.at <= SAFETY_MAX_AGE_MS ? entry.doc : undefined;
  }

  /** The settings (defaults at version 0 for a user who never wrote anything). */
  async get(userId: string): Promise<SettingsDoc> {
    const hit = this.fresh(userId, this.now());
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const pending = this.inflight.get(userId);
    if (pending) return pending;
    const read = this.load([userId]).then((docs) => docs.get(userId) as SettingsDoc);
    this.inflight.set(userId, read);
    try {
      return await read;
    } finally {
      this.inflight.delete(userId);
    }
  }

  /** The settings as the database has them now (and cached, unless a newer version is). */
  async getConsistent(userId: string): Promise<SettingsDoc> {
    this.misses++;
    return (await this.load([userId])).get(userId) as SettingsDoc;
  }

  /** Settings of many users with at most one database query for the misses. */
  async getMany(userIds: readonly string[]): Promise<Map<string, SettingsDoc>> {
    const now = this.now();
    const result = new Map<string, SettingsDoc>();
    const misses: string[] = [];
    for (const userId of new Set(userIds)) {
      const hit = this.fresh(userId, now);
      if (hit) result.set(userId, hit);
      else misses.push(userId);
    }
    this.hits += result.size;
    this.misses += misses.length;
    if (misses.length > 0) for (const [userId, doc] of await this.load(misses)) result.set(userId, doc);
    return result;
  }

  private async load(userIds: string[]): Promise<Map<string, SettingsDoc>> {
    const startedAt = this.now();
    const found = new Map((await this.source.readMany(userIds)).map((doc) => [doc._id, doc]));
    const result = new Map<string, SettingsDoc>();
    for (const userId of userIds) result.set(userId, this.offer(found.get(userId) ?? defaultSettings(userId), startedAt));
    return result;
  }

  /** Records settings this process just wrote, unless a newer version is cached. */
  put(doc: SettingsDoc): void {
    this.offer(doc, this.now());
  }

  /** Forgets a user (e.g. when a write's outcome is unknown). */
  invalidate(userId: string): void {
    this.entries.delete(userId);
  }

  private offer(doc: SettingsDoc, at: number): SettingsDoc {
    if (!this.enabled) return doc;
    const current = this.entries.get(doc._id);
    if (current && current.doc.version > doc.version) return current.doc;
    const known = this.announced.get(doc._id);
    if (known && known.version > doc.version) return doc; // a newer version exists: do not cache this one
    if (known) this.announced.delete(doc._id);
    if (!current && this.entries.size >= this.options.maxEntries) {
      // Evict the oldest insertion (Map keeps insertion order): cheap and bounded.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(doc._id, { doc, at });
    return doc;
  }
}
