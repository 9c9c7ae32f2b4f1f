import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient, type CommandStartedEvent, type Db, type IndexDescription } from 'mongodb';

export interface MongoOptions {
  uri: string;
  /** Database name; one per service (`consent`, `signal`, ...), optionally prefixed. */
  dbName: string;
  appName: string;
  /** How long an operation waits for a server before failing (→ UNAVAILABLE). */
  serverSelectionTimeoutMs?: number;
  /** Pause between attempts at the first connection while the database does not answer (default 1 s). */
  reconnectMs?: number;
  /**
   * Opt-in measurement (tools/bench/capacity.ts): a directory to which the client writes the
   * database commands it started, by command name, as `<appName>.<dbName>.<pid>.json` (every
   * 200 ms while they change, and on close). Default: SIGNALPATH_DB_COMMAND_COUNTS; off when empty.
   */
  commandCountsDir?: string;
}

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  /** Commands started so far by command name, when command counting is on (`commandCountsDir`). */
  commandCounts?: () => Record<string, number>;
  /** Readiness: true when the server answers a ping. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A client for one service's database. It connects lazily and reconnects by itself, so a service
 * started before its database, or outliving a database restart, recovers without a restart.
 */
export function createMongo(options: MongoOptions): MongoHandle {
  const countsDir = options.commandCountsDir ?? process.env.SIGNALPATH_DB_COMMAND_COUNTS?.trim() ?? '';
  const client = new MongoClient(options.uri, {
    appName: options.appName,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 3_000,
    connectTimeoutMS: 3_000,
    maxPoolSize: 50,
    // Off unless measuring: command monitoring costs an event per command.
    monitorCommands: countsDir !== '',
  });
  const db = client.db(options.dbName);
  const counter = countsDir ? countCommands(client, path.join(countsDir, `${options.appName}.${options.dbName}.${process.pid}.json`)) : undefined;
  // The driver connects on the first operation, but when that first connection fails it keeps the
  // closed topology and every later operation fails with MongoTopologyClosedError for good (driver
  // 6.x). An explicit connect() replaces it: retried until one succeeds; after that the driver
  // itself rides out database restarts.
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = () => {
    client.connect().catch(() => {
      if (closed) return;
      retry = setTimeout(connect, options.reconnectMs ?? 1_000);
      retry.unref();
    });
  };
  connect();
  return {
    client,
    db,
    commandCounts: counter?.counts,
    async ping() {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client.close();
      counter?.stop();
    },
  };
}

/** Counts commandStarted events by command name and keeps `file` current (written atomically). */
function countCommands(client: MongoClient, file: string): { counts(): Record<string, number>; stop(): void } {
  const counts: Record<string, number> = {};
  let dirty = true;
  client.on('commandStarted', (event: CommandStartedEvent) => {
    counts[event.commandName] = (counts[event.commandName] ?? 0) + 1;
    dirty = true;
  });
  const flush = () => {
    if (!dirty) return;
    dirty = false;
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pid: process.pid, time: new Date().toISOString(), counts }) + '\n');
    renameSync(tmp, file);
  };
  flush();
  const timer = setInterval(flush, 200);
  timer.unref();
  return {
    counts: () => ({ ...counts }),
    stop: () => {
      clearInterval(timer);
      flush();
    },
  };
}

export type IndexPlan = Record<string, IndexDescription[]>;

/**
 * Creates the collections' indexes (idempotent). Runs at start and in tests; only features both
 * MongoDB and FerretDB v1 support (no TTL, no partial filter expressions).
 */
export async function ensureIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    // One index per command: FerretDB v1 drops the connection when a createIndexes naming two or
    // more indexes that already exist is repeated (every restart of a service).
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
}

/** Database name for a service, honouring an optional prefix (tests, shared servers). */
export function databaseName(prefix: string, service: string): string {
  return `${prefix}${service}`;
}
