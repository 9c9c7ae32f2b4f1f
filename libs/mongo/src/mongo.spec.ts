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

  it('reports not ready when nothing listens', async () => {
    const down = createMongo({ uri: 'mongodb://127.0.0.1:9/', dbName: 'x', appName: 'down', serverSelectionTimeoutMs: 300 });
    await expect(down.ping()).resolves.toBe(false);
    await down.close();
  });
});
