import { status } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { bench } from '@signalpath/proto';
import { readServerConfig } from '@signalpath/config';
import { requireMongoUri, startPrivateDatabase, testPort, uniqueDbName } from '@signalpath/mongo';
import { MongoClient } from 'mongodb';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { runService, type ServiceModule } from './host';

function health(port: number): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client['check']({ service: '' }, { deadline: Date.now() + 2_000 }, (error: Error | null, response: { status: string }) => {
      client.close();
      resolve(error ? 'DOWN' : response.status);
    });
  });
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

describe('runService', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('wires config, database, indexes, server and readiness, and stops cleanly', async () => {
    const prefix = `${uniqueDbName('host')}_`;
    Object.assign(process.env, { MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: prefix, SIGNAL_PORT: '0', LOG_LEVEL: 'silent', SIGNALPATH_AUTH: 'off' });
    const lifecycle: string[] = [];
    let dbName = '';
    const module: ServiceModule = {
      key: 'signal',
      readConfig: (env) => readServerConfig(env, 'signal'),
      indexes: { things: [{ key: { id: 1 }, name: 'id_unique', unique: true }] },
      create({ db }) {
        dbName = db.databaseName;
        const server = new GrpcServer({
          services: [{ name: 'signalpath.bench.v1.EchoService', definition: bench.EchoServiceService, implementation: { echo: unary(async (r: bench.EchoRequest) => ({ payload: r.payload })) } }],
        });
        return { server, start: () => lifecycle.push('start'), close: async () => void lifecycle.push('close') };
      },
    };
    const running = await runService(module);
    expect(dbName).toBe(`${prefix}signal`);
    expect(lifecycle).toEqual(['start']);
    const client = createClient(bench.EchoServiceService, `127.0.0.1:${running.port}`, { serviceName: 'signalpath.bench.v1.EchoService' });
    await expect(client.echo({ payload: Buffer.from('ok') })).resolves.toEqual({ payload: Buffer.from('ok') });
    client.close();
    await running.stop('test');
    expect(lifecycle).toEqual(['start', 'close']);
    const mongo = new MongoClient(requireMongoUri());
    await mongo.db(dbName).dropDatabase();
    await mongo.close();
  });

  it('with auth required (the default), generates dev keys, rejects calls without a valid token and signs its own clients', async () => {
    const keysDir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    const prefix = `${uniqueDbName('hostauth')}_`;
    Object.assign(process.env, { MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: prefix, PROFILE_PORT: '0', LOG_LEVEL: 'silent', SIGNALPATH_KEYS_DIR: keysDir });
    delete process.env.SIGNALPATH_AUTH;
    let dbName = '';
    const module: ServiceModule = {
      key: 'profile',
      readConfig: (env) => readServerConfig(env, 'profile'),
      indexes: {},
      create({ db, security }) {
        dbName = db.databaseName;
        const server = new GrpcServer({
          ...security,
          services: [{ name: 'signalpath.profile.v1.ProfileService', definition: bench.EchoServiceService, implementation: { echo: unary(async (r: bench.EchoRequest) => ({ payload: r.payload })) } }],
        });
        return { server };
      },
    };
    const running = await runService(module);
    const address = `127.0.0.1:${running.port}`;
    const anonymous = createClient(bench.EchoServiceService, address, { serviceName: 'x' });
    await expect(anonymous.echo({ payload: Buffer.from('x') })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const ring = loadKeyRing(keysDir);
    expect(ring.privateKey('profile-service')).toBeDefined();
    const signed = createClient(bench.EchoServiceService, address, { serviceName: 'x', metadataProvider: tokenMetadataProvider(ring, 'operator', 'signalpath.bench.v1.EchoService') });
    // A valid token, but Echo is on no allow-list: denied (fail closed).
    await expect(signed.echo({ payload: Buffer.from('x') })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    anonymous.close();
    signed.close();
    await running.stop('test');
    const mongo = new MongoClient(requireMongoUri());
    await mongo.db(dbName).dropDatabase();
    await mongo.close();
  });

  it('goes NOT_SERVING while its database is down and SERVING again by itself when it is back', async () => {
    const database = await startPrivateDatabase(testPort(27118));
    let running: Awaited<ReturnType<typeof runService>> | undefined;
    try {
      Object.assign(process.env, { MONGODB_URI: database.uri, MONGODB_DB_PREFIX: `${uniqueDbName('hostdb')}_`, RANKING_PORT: '0', LOG_LEVEL: 'silent', SIGNALPATH_AUTH: 'off' });
      const module: ServiceModule = {
        key: 'ranking',
        readConfig: (env) => readServerConfig(env, 'ranking'),
        indexes: { things: [{ key: { id: 1 }, name: 'id_unique', unique: true }] },
        create: () => ({ server: new GrpcServer({ services: [] }) }),
      };
      running = await runService(module);
      const port = running.port;
      expect(await health(port)).toBe('SERVING');
      await database.stop();
      // Bounded by the database client's server selection (3 s) plus the readiness bound (5 s).
      await until('NOT_SERVING', async () => (await health(port)) === 'NOT_SERVING', 30_000);
      await database.start();
      const back = await until('SERVING again', async () => (await health(port)) === 'SERVING', 30_000);
      console.log(`SERVING again ${back} ms after the database came back`);
    } finally {
      await running?.stop('test');
      await database.close();
    }
  }, 90_000);
});
