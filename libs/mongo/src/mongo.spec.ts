import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { createMongo, ensureIndexes, type IndexPlan } from './mongo';
import { requireMongoUri, uniqueDbName } from './test-database';

describe('mongo (real database)', () => {
  const handle = createMongo({ uri: requireMongoUri(), dbName: uniqueDbName('mongo_lib'), appName: 'mongo-spec' });

  afterAll(async () => {
    await handle.db.dropDatabase();
    await handle.close();
  });

  it('answers readiness once the server is reachable', async () => {
    await expect(handle.ping()).resolves.toBe(true);
  });

  it('creates unique indexes idempotently and enforces them', async () => {
    const plan = { things: [{ key: { thing_id: 1 }, name: 'thing_id_unique', unique: true }] };
    await ensureIndexes(handle.db, plan);
    await ensureIndexes(handle.db, plan);
    const things = handle.db.collection('things');
    await things.insertOne({ thing_id: 'a' });
    await expect(things.insertOne({ thing_id: 'a' })).rejects.toMatchObject({ code: 11000 });
  });

  it('ensures a plan with several indexes per collection again (a service restart)', async () => {
    const plan: IndexPlan = { multi: [{ key: { a: 1 }, name: 'a' }, { key: { b: 1, c: -1 }, name: 'b_c_unique', unique: true }] };
    await ensureIndexes(handle.db, plan);
    await expect(ensureIndexes(handle.db, plan)).resolves.toBeUndefined();
    const names = (await handle.db.collection('multi').indexes()).map((index) => index.name);
    expect(names).toEqual(expect.arrayContaining(['a', 'b_c_unique']));
  });

  it('counts the commands it sent to the real database when SIGNALPATH_DB_COMMAND_COUNTS names a directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'db-counts-'));
    const before = process.env.SIGNALPATH_DB_COMMAND_COUNTS;
    process.env.SIGNALPATH_DB_COMMAND_COUNTS = dir;
    const dbName = uniqueDbName('mongo_counts');
    const counted = createMongo({ uri: requireMongoUri(), dbName, appName: 'counts-spec' });
    try {
      const things = counted.db.collection('things');
      await things.insertOne({ a: 1 });
      await things.insertMany([{ a: 2 }, { a: 3 }]);
      await things.findOne({ a: 1 });
      await things.find({ a: { $gt: 1 } }).toArray();
      await things.updateOne({ a: 1 }, { $set: { b: 1 } });
      await things.deleteOne({ a: 3 });
      expect(counted.commandCounts?.()).toEqual({ insert: 2, find: 2, update: 1, delete: 1 });
      await counted.db.dropDatabase();
    } finally {
      await counted.close();
      if (before === undefined) delete process.env.SIGNALPATH_DB_COMMAND_COUNTS;
      else process.env.SIGNALPATH_DB_COMMAND_COUNTS = before;
    }
    // Written on close, one file per client, named by app, database and process.
    expect(readdirSync(dir)).toEqual([`counts-spec.${dbName}.${process.pid}.json`]);
    const file = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8'));
    expect(file).toMatchObject({ pid: process.pid, counts: { insert: 2, find: 2, update: 1, delete: 1, dropDatabase: 1 } });
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts nothing and writes nothing by default', async () => {
    expect(process.env.SIGNALPATH_DB_COMMAND_COUNTS ?? '').toBe('');
    expect(handle.commandCounts).toBeUndefined();
    expect(handle.client.options.monitorCommands).toBe(false);
  });

  it('reports not ready when nothing listens', async () => {
    const down = createMongo({ uri: 'mongodb://127.0.0.1:9/', dbName: 'x', appName: 'down', serverSelectionTimeoutMs: 300 });
    await expect(down.ping()).resolves.toBe(false);
    await down.close();
  });

  it('recovers when the database was away at its first operation (the driver alone stays closed for good)', async () => {
    // A proxy in front of the real database that refuses connections until opened.
    const target = new URL(requireMongoUri());
    let open = false;
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((socket) => {
      if (!open) return socket.destroy();
      const upstream = tcpConnect(Number(target.port || 27017), target.hostname);
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => (socket.destroy(), upstream.destroy()));
      }
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const late = createMongo({ uri: `mongodb://127.0.0.1:${port}/`, dbName: uniqueDbName('mongo_late'), appName: 'late', serverSelectionTimeoutMs: 300, reconnectMs: 50 });
    try {
      await expect(late.db.collection('a').findOne({})).rejects.toThrow();
      open = true;
      // Bounded by attempts, not time: each failed one waits out server selection.
      let answered = false;
      for (let attempt = 0; attempt < 200 && !answered; attempt++) {
        answered = await late.db.collection('a').findOne({}).then(() => true, () => false);
        if (!answered) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answered).toBe(true);
    } finally {
      await late.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 60_000);
});
