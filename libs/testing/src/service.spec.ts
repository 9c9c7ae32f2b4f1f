import { GrpcServer, unary, createClient } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';
import { readServerConfig } from '@signalpath/config';
import type { ServiceModule } from '@signalpath/service-host';
import { MongoClient } from 'mongodb';
import { requireMongoUri } from '@signalpath/mongo';
import { startTestService } from './service';

// A minimal module: Echo that also counts calls in its own database.
const counterModule: ServiceModule = {
  key: 'ranking',
  readConfig: (env) => readServerConfig(env, 'ranking'),
  indexes: { calls: [{ key: { n: 1 }, name: 'n_1' }] },
  create({ db }) {
    const server = new GrpcServer({
      services: [
        {
          name: 'signalpath.bench.v1.EchoService',
          definition: bench.EchoServiceService,
          implementation: {
            echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
              await db.collection('calls').insertOne({ n: 1 });
              return { payload: request.payload };
            }),
          },
        },
      ],
    });
    return { server };
  },
};

describe('startTestService', () => {
  it('runs a real service on port 0 with a fresh database, dropped on stop', async () => {
    const service = await startTestService(counterModule);
    expect(service.port).toBeGreaterThan(0);
    const client = createClient(bench.EchoServiceService, service.address, { serviceName: 'signalpath.bench.v1.EchoService' });
    await client.echo({ payload: Buffer.from('x') });
    expect(await service.mongo.db.collection('calls').countDocuments()).toBe(1);
    const dbName = service.mongo.db.databaseName;
    client.close();
    await service.stop();

    // (listDatabases can stall on FerretDB; a dropped database simply has no collections left.)
    const mongo = new MongoClient(requireMongoUri());
    const collections = await mongo.db(dbName).listCollections().toArray();
    await mongo.close();
    expect(collections).toEqual([]);
  });
});
