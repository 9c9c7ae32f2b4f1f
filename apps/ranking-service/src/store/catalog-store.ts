import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import { isDuplicateKeyError } from '@signalpath/grpc-kit';
import type { IndexPlan } from '@signalpath/mongo';
import type { ranking } from '@signalpath/proto';

export const ITEMS_COLLECTION = 'items';

/** `show_on` value for "every surface" (written for processes of earlier versions, which query it). */
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
 * The catalog change log: one record per write (an insert, replace or delete of up to 1,000
 * items), numbered 1, 2, 3, … by `_id`. Every RankingService process keeps the catalog in memory
 * (CatalogIndex) and polls this log for records after the last it applied, then re-reads those
 * items. It is the feed MongoDB change streams would give, built from what MongoDB and FerretDB
 * v1 both guarantee: a unique `_id`, single-document inserts, reads of committed data.
 */
export const CHANGES_COLLECTION = 'catalog_changes';

export interface ChangeDocument {
  /** The change's number: 1 for the first, then each one more than the last. */
  _id: number;
  item_ids: string[];
  time: Date;
}

/**
 * No secondary index: every read of the catalog is served from memory, and the change log is
 * read and pruned by `_id`, which is always indexed.
 */
export const catalogIndexes: IndexPlan = { [ITEMS_COLLECTION]: [], [CHANGES_COLLECTION]: [] };

/** Attempts at claiming the next change number before giving up (each loses only to another writer). */
const MAX_CLAIM_ATTEMPTS = 100;
const BULK_BATCH = 500;

/** The ranking database's catalog and its change log: the only collections RankingService owns. */
export class CatalogStore {
  private readonly items: Collection<ItemDocument>;
  private readonly changes: Collection<ChangeDocument>;

  constructor(db: Db) {
    this.items = db.collection<ItemDocument>(ITEMS_COLLECTION);
    this.changes = db.collection<ChangeDocument>(CHANGES_COLLECTION);
  }

  /**
   * Inserts or replaces items by id; create_time is kept from the first insert unless given.
   * Returns how many were written and the number of the change that announces them.
   */
  async upsert(items: readonly ranking.Item[], now = new Date()): Promise<{ count: number; change: number }> {
    // New items go in with one insertMany; only ids that already exist take the (slower, on
    // FerretDB collection-scanning) per-item update path.
    const { inserted, existing } = await this.insertNew(items, now);
    const count = inserted + (await this.bulk(existing.map((item) => this.replaceOp(item, now))));
    return { count, change: await this.recordChange(items.map((item) => item.itemId)) };
  }

  /** Inserts items whose id is not in the catalog yet; never overwrites (seeding). */
  async insertMissing(items: readonly ranking.Item[], now = new Date()): Promise<{ count: number; change: number }> {
    const { inserted } = await this.insertNew(items, now);
    return { count: inserted, change: await this.recordChange(items.map((item) => item.itemId)) };
  }

  /** insertMany, unordered; items whose id is already there come back in `existing`. */
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

  async delete(itemIds: readonly string[]): Promise<{ count: number; change: number }> {
    const result = await this.items.deleteMany({ _id: { $in: [...itemIds] } });
    return { count: result.deletedCount, change: await this.recordChange(itemIds) };
  }

  /**
   * Appends a change record naming `itemIds` — after their write, so whoever reads the record
   * and then the items sees the write — and returns its number: the last number + 1, claimed by
   * inserting it (the unique `_id` gives each number to exactly one writer; a loser reads the new
   * last and tries the next). A number is claimed only after its predecessor was read as written,
   * so records become visible in number order: a reader that sees n has seen every number below.
   * A writer that fails between the items' write and this record fails the RPC (UpsertItems and
   * DeleteItems are retried by clients); the periodic full reload covers one that never retries.
   */
  async recordChange(itemIds: readonly string[], now = new Date()): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const change = (await this.lastChange()) + 1;
      try {
        await this.changes.insertOne({ _id: change, item_ids: [...itemIds], time: now });
        return change;
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= MAX_CLAIM_ATTEMPTS) throw error;
      }
    }
  }

  /** The number of the last change (0 when there is none). */
  async lastChange(): Promise<number> {
    const last = await this.changes.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).next();
    return last?._id ?? 0;
  }

  /** Change records numbered `from` and above, in order, at most `limit`. */
  async changesFrom(from: number, limit: number): Promise<ChangeDocument[]> {
    return this.changes.find({ _id: { $gte: from } }).sort({ _id: 1 }).limit(limit).toArray();
  }

  /**
   * Deletes change records older than `before`, always keeping the last one (the next number is
   * claimed from it). A process whose position was pruned away reloads the whole catalog.
   */
  async pruneChanges(before: Date): Promise<number> {
    const last = await this.lastChange();
    if (last === 0) return 0;
    return (await this.changes.deleteMany({ _id: { $lt: last }, time: { $lt: before } })).deletedCount;
  }

  async findByIds(itemIds: readonly string[]): Promise<Map<string, ranking.Item>> {
    const found = new Map<string, ranking.Item>();
    if (itemIds.length === 0) return found;
    const docs = await this.items.find({ _id: { $in: [...itemIds] } }).toArray();
    for (const doc of docs) found.set(doc._id, toItem(doc));
    return found;
  }

  /** Every catalog item, for loading the in-memory index. */
  async *scanAll(batchSize = 2_000): AsyncGenerator<ranking.Item> {
    for await (const doc of this.items.find({}).batchSize(batchSize)) yield toItem(doc);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.items.findOne({}, { projection: { _id: 1 } })) === null;
  }

  async count(): Promise<number> {
    return this.items.countDocuments({});
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
