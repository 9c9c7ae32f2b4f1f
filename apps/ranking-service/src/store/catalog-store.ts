import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Filter } from 'mongodb';
import type { IndexPlan } from '@signalpath/mongo';
import type { ranking } from '@signalpath/proto';

export const ITEMS_COLLECTION = 'items';

/** `show_on` value for "every surface", so one indexed `$in` answers "may show on S". */
const EVERY_SURFACE = 0;

/** A catalog item as stored. Field names are snake_case like the API. */
export interface ItemDocument {
  _id: string;
  kind: number;
  title: string;
  topic_ids: string[];
  advertiser_id: string;
  /** The surfaces as given (empty = every surface). */
  surfaces: number[];
  /** `surfaces`, or [EVERY_SURFACE] when empty: what retrieval queries on. */
  show_on: number[];
  base_score: number;
  create_time: Date;
  update_time: Date;
}

/**
 * Indexes: topic_ids (multikey) for retrieval by the user's top topics, kind and base_score for
 * the popular fallback (per kind and across kinds), show_on for the surface condition.
 */
export const catalogIndexes: IndexPlan = {
  [ITEMS_COLLECTION]: [
    { key: { topic_ids: 1 }, name: 'topic_ids' },
    { key: { kind: 1, base_score: -1 }, name: 'kind_base_score' },
    { key: { base_score: -1 }, name: 'base_score' },
    { key: { show_on: 1 }, name: 'show_on' },
  ],
};

export interface RetrievalQuery {
  /** ranking.ItemKind, or undefined for every kind. */
  kind?: number;
  /** common.Surface the items must be allowed on. */
  surface: number;
  limit: number;
}

const BULK_BATCH = 500;

/** The ranking database's catalog: the only collection RankingService owns. */
export class CatalogStore {
  private readonly items: Collection<ItemDocument>;
  /**
   * The popular fallback is the same for every user: kept for `popularCacheMs` (the catalog is
   * not user data, and a few seconds of staleness only delays a new item's popularity), dropped
   * at once by this instance's own writes.
   */
  private readonly popular = new Map<string, { at: number; items: Promise<ranking.Item[]> }>();

  constructor(
    db: Db,
    private readonly popularCacheMs = 0,
  ) {
    this.items = db.collection<ItemDocument>(ITEMS_COLLECTION);
  }

  /** Inserts or replaces items by id; create_time is kept from the first insert unless given. */
  async upsert(items: readonly ranking.Item[], now = new Date()): Promise<number> {
    this.popular.clear();
    // New items go in with one insertMany; only ids that already exist take the (slower, on
    // FerretDB collection-scanning) per-item update path.
    const { inserted, existing } = await this.insertNew(items, now);
    return inserted + (await this.bulk(existing.map((item) => this.replaceOp(item, now))));
  }

  /** Inserts items whose id is not in the catalog yet; never overwrites (seeding). */
  async insertMissing(items: readonly ranking.Item[], now = new Date()): Promise<number> {
    this.popular.clear();
    return (await this.insertNew(items, now)).inserted;
  }

  /** insertMany, unordered; items whose id already exists come back in `existing`. */
  private async insertNew(items: readonly ranking.Item[], now: Date): Promise<{ inserted: number; existing: ranking.Item[] }> {
    let inserted = 0;
    const existing: ranking.Item[] = [];
    for (let i = 0; i < items.length; i += BULK_BATCH) {
      const batch = items.slice(i, i + BULK_BATCH);
      try {
        inserted += (await this.items.insertMany(batch.map((item) => newDocument(item, now)), { ordered: false })).insertedCount;
      } catch (error) {
        const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
        // Anything but "this id exists" (including an outage wrapped in the bulk error) is a failure.
        if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000)) throw error;
        const duplicates = new Set(writeErrors.map((e) => e.index));
        inserted += batch.length - duplicates.size;
        existing.push(...batch.filter((_, index) => duplicates.has(index)));
      }
    }
    return { inserted, existing };
  }

  async delete(itemIds: readonly string[]): Promise<number> {
    this.popular.clear();
    const result = await this.items.deleteMany({ _id: { $in: [...itemIds] } });
    return result.deletedCount;
  }

  async findByIds(itemIds: readonly string[]): Promise<Map<string, ranking.Item>> {
    const found = new Map<string, ranking.Item>();
    if (itemIds.length === 0) return found;
    const docs = await this.items.find({ _id: { $in: [...itemIds] } }).toArray();
    for (const doc of docs) found.set(doc._id, toItem(doc));
    return found;
  }

  async findById(itemId: string): Promise<ranking.Item | undefined> {
    const doc = await this.items.findOne({ _id: itemId });
    return doc ? toItem(doc) : undefined;
  }

  /** Items about any of `topicIds` (indexed `topic_ids: {$in}`), most popular first. */
  async findByTopics(topicIds: readonly string[], query: RetrievalQuery): Promise<ranking.Item[]> {
    if (topicIds.length === 0 || query.limit <= 0) return [];
    return this.find({ ...this.baseFilter(query), topic_ids: { $in: [...topicIds] } }, query.limit);
  }

  /** The popular fallback: highest base score first. */
  async findPopular(query: RetrievalQuery): Promise<ranking.Item[]> {
    if (query.limit <= 0) return [];
    if (this.popularCacheMs <= 0) return this.find(this.baseFilter(query), query.limit);
    const key = `${query.kind ?? '*'}|${query.surface}|${query.limit}`;
    const now = Date.now();
    const hit = this.popular.get(key);
    if (hit && now - hit.at <= this.popularCacheMs) return hit.items;
    const items = this.find(this.baseFilter(query), query.limit);
    this.popular.set(key, { at: now, items });
    // A failed read is not kept.
    items.catch(() => {
      if (this.popular.get(key)?.items === items) this.popular.delete(key);
    });
    return items;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.items.findOne({}, { projection: { _id: 1 } })) === null;
  }

  async count(): Promise<number> {
    return this.items.countDocuments({});
  }

  private baseFilter(query: RetrievalQuery): Filter<ItemDocument> {
    return {
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      show_on: { $in: [EVERY_SURFACE, query.surface] },
    };
  }

  private async find(filter: Filter<ItemDocument>, limit: number): Promise<ranking.Item[]> {
    const docs = await this.items.find(filter).sort({ base_score: -1, _id: 1 }).limit(limit).toArray();
    return docs.map(toItem);
  }

  /** Replaces an existing item's fields, keeping its create time unless the item gives one. */
  private replaceOp(item: ranking.Item, now: Date): AnyBulkWriteOperation<ItemDocument> {
    const { _id, create_time, ...fields } = newDocument(item, now);
    const update = item.createTime ? { $set: { ...fields, create_time } } : { $set: fields, $setOnInsert: { create_time } };
    return { updateOne: { filter: { _id }, update, upsert: true } };
  }

  /** Writes in batches; counts matched and (if deleted meanwhile) re-inserted items. */
  private async bulk(operations: AnyBulkWriteOperation<ItemDocument>[]): Promise<number> {
    let written = 0;
    for (let i = 0; i < operations.length; i += BULK_BATCH) {
      const result = await this.items.bulkWrite(operations.slice(i, i + BULK_BATCH), { ordered: false });
      written += result.upsertedCount + result.matchedCount;
    }
    return written;
  }
}

function newDocument(item: ranking.Item, now: Date): ItemDocument {
  return {
    _id: item.itemId,
    kind: item.kind,
    title: item.title,
    topic_ids: item.topicIds,
    advertiser_id: item.advertiserId,
    surfaces: item.surfaces,
    show_on: item.surfaces.length > 0 ? item.surfaces : [EVERY_SURFACE],
    base_score: item.baseScore,
    create_time: item.createTime ?? now,
    update_time: now,
  };
}

function toItem(doc: ItemDocument): ranking.Item {
  return {
    itemId: doc._id,
    kind: doc.kind,
    title: doc.title ?? '',
    topicIds: doc.topic_ids ?? [],
    advertiserId: doc.advertiser_id ?? '',
    surfaces: doc.surfaces ?? [],
    baseScore: doc.base_score ?? 0,
    createTime: doc.create_time,
  };
}
