import { status } from '@grpc/grpc-js';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { ensureDevKeys, loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { bench } from '@signalpath/proto';
import { ConfigError, readServerConfig } from '@signalpath/config';
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

  it('with auth required (the default) in development mode, generates dev keys, rejects calls without a valid token and signs its own clients', async () => {
    const keysDir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    const prefix = `${uniqueDbName('hostauth')}_`;
    Object.assign(process.env, { MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: prefix, PROFILE_PORT: '0', LOG_LEVEL: 'silent', SIGNALPATH_KEYS_DIR: keysDir, SIGNALPATH_DEV_KEYS: 'true' });
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
    const ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
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

  describe('keys outside development mode (SIGNALPATH_DEV_KEYS unset)', () => {
    const profileModule = (): ServiceModule => ({
      key: 'profile',
      readConfig: (env) => readServerConfig(env, 'profile'),
      indexes: {},
      create({ security }) {
        const server = new GrpcServer({
          ...security,
          services: [{ name: 'signalpath.profile.v1.ProfileService', definition: bench.EchoServiceService, implementation: { echo: unary(async (r: bench.EchoRequest) => ({ payload: r.payload })) } }],
        });
        return { server };
      },
    });
    const env = (keysDir: string) => {
      Object.assign(process.env, { MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: `${uniqueDbName('hostkeys')}_`, PROFILE_PORT: '0', LOG_LEVEL: 'silent', SIGNALPATH_KEYS_DIR: keysDir });
      delete process.env.SIGNALPATH_AUTH;
      delete process.env.SIGNALPATH_DEV_KEYS;
    };
    const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ type, format: 'pem' }) as string;

    it('a missing key is a configuration error naming the variable and the directory, and nothing is written', async () => {
      const keysDir = mkdtempSync(path.join(tmpdir(), 'keys-'));
      env(keysDir);
      const failure = await runService(profileModule()).then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as Error).message).toContain(`no private key for profile-service in ${keysDir} (SIGNALPATH_KEYS_DIR)`);
      expect((failure as Error).message).toContain('SIGNALPATH_DEV_KEYS=true');
      expect(readdirSync(keysDir)).toEqual([]);
    });

    it('the production layout starts without writing anything, and checks tokens with the real keys', async () => {
      const keysDir = mkdtempSync(path.join(tmpdir(), 'keys-'));
      const own = generateKeyPairSync('ed25519');
      const operator = generateKeyPairSync('ed25519');
      writeFileSync(path.join(keysDir, 'profile-service.key'), pem(own.privateKey, 'pkcs8'));
      writeFileSync(path.join(keysDir, 'operator.pub'), pem(operator.publicKey, 'spki'));
      const before = readdirSync(keysDir).sort();
      env(keysDir);
      const running = await runService(profileModule());
      expect(readdirSync(keysDir).sort()).toEqual(before);
      const operatorRing = { publicKeys: new Map(), signer: () => ({ kid: 'operator', identity: 'operator', key: operator.privateKey }), privateKey: () => operator.privateKey };
      const signed = createClient(bench.EchoServiceService, `127.0.0.1:${running.port}`, { serviceName: 'x', metadataProvider: tokenMetadataProvider(operatorRing, 'operator', 'signalpath.bench.v1.EchoService') });
      // Authenticated by the real public key; Echo is on no allow-list: denied (fail closed).
      await expect(signed.echo({ payload: Buffer.from('x') })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
      signed.close();
      await running.stop('test');
    });

    it('refuses generated development keys, and a directory mixing them with real ones', async () => {
      const generated = mkdtempSync(path.join(tmpdir(), 'keys-'));
      ensureDevKeys(generated);
      env(generated);
      await expect(runService(profileModule())).rejects.toThrow(/generated development keys .* allowed only with SIGNALPATH_DEV_KEYS=true/);
      const mixed = mkdtempSync(path.join(tmpdir(), 'keys-'));
      writeFileSync(path.join(mixed, 'profile-service.key'), pem(generateKeyPairSync('ed25519').privateKey, 'pkcs8'));
      copyFileSync(path.join(generated, 'operator.pub'), path.join(mixed, 'operator.pub'));
      env(mixed);
      await expect(runService(profileModule())).rejects.toThrow(/mixes generated development keys \(operator\.pub\) with real keys \(profile-service\.key\)/);
      // In development mode too: nothing is generated beside the real key, and the start is refused.
      process.env.SIGNALPATH_DEV_KEYS = 'true';
      await expect(runService(profileModule())).rejects.toThrow(/holds real keys \(profile-service\.key\)/);
      expect(readdirSync(mixed).sort()).toEqual(['operator.pub', 'profile-service.key']);
    });
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
