import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
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
    Object.assign(process.env, { MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: prefix, SIGNAL_PORT: '0', LOG_LEVEL: 'silent' });
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
});
