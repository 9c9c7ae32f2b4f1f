import type { Collection, Db, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { UnavailableError } from '@signalpath/grpc-kit';

import { WRITE_TOKENS } from './collections';

const MAX_WRITE_ATTEMPTS = 10;
const RETRY_INITIAL_MS = 10;
const RETRY_MAX_MS = 200;
/** Versions skipped past tokens whose writer died, at most, in one attempt. */
const MAX_STALE_SKIPS = 5;

/** A document rewritten whole, version by version. */
export interface VersionedDocument {
  _id: string;
  /** Optimistic-concurrency version, +1 per write (or more, past a dead writer's token). */
  version: number;
}

/**
 * The right to write version `version` of document `doc` (`<collection>/<_id>`): whoever inserts
 * it (a unique `_id`) is the only writer of that version, in any process.
 */
interface WriteToken {
  _id: string;
  doc: string;
  user_id: string;
  version: number;
  /** Wall-clock time of the claim (lease arithmetic). */
  at: Date;
}

export interface VersionedWritesOptions {
  /**
   * After this long, a write token whose version never reached the document belongs to a writer
   * that died, and later writers skip past it; a writer that held its token for half of it gives
   * up instead of writing (PROFILE_APPLY_LEASE).
   */
  writeLeaseMs: number;
  /** Says what is being changed, in the UNAVAILABLE message after too many conflicts. */
  what: string;
}

/**
 * Read-modify-write of whole documents by several ProfileService processes at once: a
 * compare-and-set on `version`, by the holder of the write token for the new version.
 *
 * The token is what makes the CAS hold on both databases: on MongoDB the CAS alone is atomic, but
 * FerretDB v1 (local runs, CI) evaluates update filters and writes without isolation between
 * processes (two concurrent CAS updates of the same version can both "succeed"; measured: four
 * writers on one document lost 18 of 60 increments, and a kill -9 run with two replicas lost
 * updates). A unique-key insert is atomic on both, so a writer first inserts
 * `<collection>/<_id>@<version + 1>`; the one that inserts it writes, the others re-read and
 * retry; the token is deleted once its version is written (from then on the document's version
 * turns away anyone who read an older one), so the token collection holds only writes in flight.
 * A token whose writer died (older than the lease, the document still below it) is skipped.
 * Residual risk, as for the apply lease: a writer stalled for more than half a lease between its
 * check and its write while another takes over. Callers add their process's lock per document,
 * so one process's own writers queue instead of retrying.
 */
export class VersionedWrites<T extends VersionedDocument> {
  private readonly tokens: Collection<WriteToken>;

  constructor(
    db: Db,
    private readonly collection: Collection<T>,
    private readonly options: VersionedWritesOptions,
  ) {
    this.tokens = db.collection<WriteToken>(WRITE_TOKENS);
  }

  /**
   * `change` gets the current document (undefined if none) and returns the next one (its version
   * is set here), 'delete', or undefined for no change; it may run more than once. Returns what
   * was decided last.
   */
  async modify(_id: string, userId: string, change: (current: T | undefined) => Promise<T | 'delete' | undefined> | T | 'delete' | undefined): Promise<T | 'delete' | undefined> {
    const doc = `${this.collection.collectionName}/${_id}`;
    const byId = { _id } as Filter<T>;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** attempt) * (0.5 + Math.random())));
      const current = ((await this.collection.findOne(byId)) ?? undefined) as T | undefined;
      const next = await change(current);
      if (next === undefined) return undefined;
      if (next === 'delete' && !current) return undefined;
      // Creating needs no token: the insert of the document's own _id is atomic.
      const token = current ? await this.claimVersion(doc, userId, current.version) : undefined;
      if (current && !token) continue;
      // A token not used must not stay: later writers would wait a whole lease for it.
      const release = () => (token ? this.tokens.deleteOne({ _id: token._id }).then(() => undefined) : Promise.resolve());
      if (token && Date.now() - token.at.getTime() > this.options.writeLeaseMs / 2) {
        await release();
        continue;
      }
      const atVersion = { _id, version: current?.version } as Filter<T>;
      if (next === 'delete') {
        if ((await this.collection.deleteOne(atVersion)).deletedCount === 1) {
          await this.tokens.deleteMany({ doc });
          return next;
        }
        await release();
        continue;
      }
      const document = { ...next, _id, version: token?.version ?? 1 } as T;
      if (!current) {
        const inserted = await this.collection.insertOne(document as OptionalUnlessRequiredId<T>).then(
          () => true,
          (error: unknown) => {
            if ((error as { code?: unknown }).code === 11000) return false;
            throw error;
          },
        );
        if (inserted) return document;
        continue;
      }
      if ((await this.collection.replaceOne(atVersion, document)).matchedCount === 1) {
        await this.tokens.deleteMany({ doc, version: { $lte: document.version } });
        return document;
      }
      await release();
    }
    throw new UnavailableError(`${this.options.what} is being changed concurrently; retry`);
  }

  /** Deletes the document whatever its version (erasure), and its tokens. */
  async deleteNow(_id: string): Promise<number> {
    const { deletedCount } = await this.collection.deleteOne({ _id } as Filter<T>);
    await this.tokens.deleteMany({ doc: `${this.collection.collectionName}/${_id}` });
    return deletedCount;
  }

  /**
   * Inserts the write token for the version after `version`, or — when that token's writer died
   * (older than the lease; the document is still at `version`, as the caller just read) — for the
   * next free one. Undefined when a live writer holds it, or it just went (its version was
   * written): re-read and retry.
   */
  private async claimVersion(doc: string, userId: string, version: number): Promise<WriteToken | undefined> {
    for (let next = version + 1; next <= version + 1 + MAX_STALE_SKIPS; next++) {
      const token: WriteToken = { _id: `${doc}@${next}`, doc, user_id: userId, version: next, at: new Date() };
      const inserted = await this.tokens.insertOne(token).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: unknown }).code === 11000) return false;
          throw error;
        },
      );
      if (inserted) return token;
      const held = await this.tokens.findOne({ _id: token._id });
      if (!held || Date.now() - held.at.getTime() < this.options.writeLeaseMs) return undefined;
    }
    return undefined;
  }
}
