import { status } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { bench } from '@signalpath/proto';
import { readServerConfig } from '@signalpath/config';
import { requireMongoUri, uniqueDbName } from '@signalpath/mongo';
import { MongoClient } from 'mongodb';
import { runService, type ServiceModule } from './host';

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
});
