import { MongoClient } from 'mongodb';
import { UnavailableError } from '@signalpath/grpc-kit';
import { requireMongoUri, uniqueDbName } from '@signalpath/testing';
import { WRITE_TOKENS } from './collections';
import { CorrectionsStore, newEntry } from './corrections-store';
import { profileId, ProfileStore, type ProfileDocument } from './profile-store';

/**
 * Several ProfileService processes write one profile document: each store below has its own
 * database connection and its own in-process locks, as a process would. Against the real local
 * database (FerretDB v1 in CI), whose compare-and-set is not isolated between connections.
 */
describe('ProfileStore with several writers (processes) on one document', () => {
  const LEASE_MS = 30_000;
  const dbName = uniqueDbName('profile_store');
  const connections: MongoClient[] = [];
  let stores: ProfileStore[];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) connections.push(await new MongoClient(requireMongoUri()).connect());
    stores = connections.map((connection) => new ProfileStore(connection.db(dbName), { writeLeaseMs: LEASE_MS }));
  });

  afterAll(async () => {
    await connections[0]?.db(dbName).dropDatabase();
    await Promise.all(connections.map((c) => c.close()));
  });

  const countOf = (document: ProfileDocument | undefined) => document?.kinds.count?.n?.total.score ?? 0;
  const withCount = (document: ProfileDocument | undefined, n: number, userId: string, surface: number): ProfileDocument => ({
    _id: profileId(userId, surface),
    user_id: userId,
    surface,
    version: document?.version ?? 0,
    update_time: new Date(),
    kinds: { count: { n: { total: { score: n, at: new Date() }, last_time: new Date() } } },
    in_flight: [],
  });

  /** One increment, through the store's lock, retried on UnavailableError as SignalService retries a delivery. */
  async function increment(store: ProfileStore, userId: string): Promise<void> {
    for (;;) {
      try {
        await store.withLock(userId, 1, () => store.modify(userId, 1, (current) => withCount(current, countOf(current) + 1, userId, 1)));
        return;
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
      }
    }
  }

  it('no increment is lost when four writers change the same document at once', async () => {
    const userId = 'contended-user';
    const perWriter = 15;
    const started = Date.now();
    await Promise.all(stores.map(async (store) => {
      for (let i = 0; i < perWriter; i++) await increment(store, userId);
    }));
    const document = await stores[0].get(userId, 1);
    console.log(`${stores.length * perWriter} increments in ${Date.now() - started} ms`);
    expect(countOf(document)).toBe(stores.length * perWriter);
    expect(document?.version).toBeGreaterThanOrEqual(stores.length * perWriter);
    // Tokens are spent once their version is written: none is left behind.
    expect(await connections[0].db(dbName).collection(WRITE_TOKENS).countDocuments({ doc: `profiles/${profileId(userId, 1)}` })).toBe(0);
  });

  it("skips past the token of a writer that died before writing, and waits for a live writer's", async () => {
    const userId = 'dead-writer-user';
    await increment(stores[0], userId);
    const version = (await stores[0].get(userId, 1))!.version;
    const tokens = connections[0].db(dbName).collection<{ _id: string; doc: string; user_id: string; version: number; at: Date }>(WRITE_TOKENS);
    const doc = `profiles/${profileId(userId, 1)}`;
    // A live writer holds the next version: the write cannot go ahead, and says so (UNAVAILABLE).
    await tokens.insertOne({ _id: `${doc}@${version + 1}`, doc, user_id: userId, version: version + 1, at: new Date() });
    await expect(stores[1].modify(userId, 1, (current) => withCount(current, countOf(current) + 1, userId, 1))).rejects.toBeInstanceOf(UnavailableError);
    expect(countOf(await stores[0].get(userId, 1))).toBe(1);
    // That writer died (its token is older than the lease): the next write takes the version after it.
    await tokens.updateOne({ _id: `${doc}@${version + 1}` }, { $set: { at: new Date(Date.now() - 2 * LEASE_MS) } });
    await increment(stores[1], userId);
    const after = await stores[0].get(userId, 1);
    expect(countOf(after)).toBe(2);
    expect(after?.version).toBe(version + 2);
    expect(await tokens.countDocuments({ doc })).toBe(0);
  });

  it('deleting a document removes its tokens with it', async () => {
    const userId = 'deleted-user';
    await increment(stores[0], userId);
    await increment(stores[1], userId);
    await stores[2].withLock(userId, 1, () => stores[2].modify(userId, 1, () => 'delete'));
    expect(await stores[0].get(userId, 1)).toBeUndefined();
    expect(await connections[0].db(dbName).collection(WRITE_TOKENS).countDocuments({ user_id: userId })).toBe(0);
  });
});

describe('CorrectionsStore with several writers (processes) on one user', () => {
  const dbName = uniqueDbName('corrections_store');
  const connections: MongoClient[] = [];
  let stores: CorrectionsStore[];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) connections.push(await new MongoClient(requireMongoUri()).connect());
    stores = connections.map((connection) => new CorrectionsStore(connection.db(dbName), { writeLeaseMs: 30_000 }));
  });

  afterAll(async () => {
    await connections[0]?.db(dbName).dropDatabase();
    await Promise.all(connections.map((c) => c.close()));
  });

  it('every correction made at once through three processes is kept, in state and history', async () => {
    const userId = 'corrected-user';
    const perWriter = 6;
    await Promise.all(
      stores.map(async (store, writer) => {
        for (let i = 0; i < perWriter; i++) {
          const topicId = `${writer}-${i}`;
          for (;;) {
            try {
              await store.modify(userId, (current) => ({
                removed: [...(current?.removed ?? []), { topic_id: topicId, purpose: 'ads', time: new Date() }],
                not_interested: current?.not_interested ?? [],
                entry: newEntry({ kind: 'remove_interest', time: new Date(), purposes: ['ads'], topic_id: topicId, actor: 'test', user_asserted: false }),
              }));
              break;
            } catch (error) {
              if (!(error instanceof UnavailableError)) throw error;
            }
          }
        }
      }),
    );
    const document = await stores[0].get(userId);
    expect(document?.removed).toHaveLength(stores.length * perWriter);
    expect(document?.history).toHaveLength(stores.length * perWriter);
    expect(await stores[1].erase(userId)).toBe(1);
    expect(await connections[0].db(dbName).collection(WRITE_TOKENS).countDocuments({ user_id: userId })).toBe(0);
  });
});
