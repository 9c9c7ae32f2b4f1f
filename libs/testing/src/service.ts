import { createMongo, ensureIndexes, requireMongoUri, uniqueDbName, type MongoHandle } from '@signalpath/mongo';
import { envReader, SERVICES, type ServerConfig } from '@signalpath/config';

import type { ServiceInstance, ServiceModule } from '@signalpath/service-host';
import { createAuthInterceptor, type KeyRing } from '@signalpath/service-auth';
import { createLogger } from '@signalpath/telemetry';

export interface TestService<C> {
  /** `127.0.0.1:<port>` of the running server. */
  address: string;
  port: number;
  config: C;
  mongo: MongoHandle;
  instance: ServiceInstance;
  /** Stops the server and background work, drops the test database. */
  stop(): Promise<void>;
}

/**
 * Starts a real service on port 0 against a fresh database on the real server. `env` overrides
 * environment variables the module reads (e.g. other services' addresses, policy knobs).
 */
export async function startTestService<C extends ServerConfig>(
  module: ServiceModule<C>,
  options: {
    env?: Record<string, string>;
    startBackground?: boolean;
    keepDatabase?: boolean;
    dbName?: string;
    /** Check service tokens signed by this key ring (auth is off in tests unless given). */
    auth?: KeyRing;
    /** Listen on this port instead of an ephemeral one (services that must know each other's address up front). */
    port?: number;
    /** Another database server (e.g. a private one the test stops and starts) instead of MONGODB_URI. */
    mongoUri?: string;
  } = {},
): Promise<TestService<C>> {
  const uri = options.mongoUri ?? requireMongoUri();
  // Tests are development runs (built-in secrets allowed) unless a test says otherwise.
  const reader = envReader({ SIGNALPATH_ENV: 'development', ...options.env, MONGODB_URI: uri });
  const config = { ...module.readConfig(reader), port: options.port ?? 0, host: '127.0.0.1' };
  reader.done();
  const mongo = createMongo({ uri, dbName: options.dbName ?? uniqueDbName(module.key), appName: `test-${module.key}` });
  await ensureIndexes(mongo.db, module.indexes);
  const security = options.auth ? { interceptors: [createAuthInterceptor({ publicKeys: options.auth.publicKeys, hostService: SERVICES[module.key]?.grpcService })] } : {};
  const instance = module.create({ config, db: mongo.db, logger: createLogger(`test-${module.key}`, process.env.TEST_LOG_LEVEL ?? 'silent'), security });
  const port = await instance.server.listen('127.0.0.1', options.port ?? 0);
  instance.server.setServing(true);
  if (options.startBackground !== false) instance.start?.();
  return {
    address: `127.0.0.1:${port}`,
    port,
    config,
    mongo,
    instance,
    async stop() {
      await instance.server.shutdown(1_000);
      await instance.close?.();
      if (!options.keepDatabase) await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}
