import type { ServerCredentials, ServerInterceptor } from '@grpc/grpc-js';
import { metrics, type BatchObservableCallback, type Meter } from '@opentelemetry/api';
import type { Db } from 'mongodb';
import path from 'node:path';
import { ConfigError, loadConfigOrExit, SERVICES, type EnvReader, type ServerConfig, type ServiceKey } from '@signalpath/config';
import { GrpcServer, serve, type ErrorSink, type RunningService, type ServiceRegistration } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet } from '@signalpath/proto';
import { createAuthInterceptor, DEFAULT_TOKEN_TTL_SECONDS, ensureDevKeys, loadKeyRing, loadTlsIdentity } from '@signalpath/service-auth';
import { configureServiceIdentity } from '@signalpath/service-clients';
import { createMongo, databaseName, ensureIndexes, type IndexPlan } from '@signalpath/mongo';
import { createLogger, shutdownTelemetry, type Logger } from '@signalpath/telemetry';

/** Server options every app passes to its GrpcServer: service-token checks and mTLS. */
export interface ServerSecurity {
  interceptors?: ServerInterceptor[];
  credentials?: ServerCredentials;
}

export interface ServiceDeps<C> {
  config: C;
  db: Db;
  logger: Logger;
  security: ServerSecurity;
}

export interface ServiceInstance {
  server: GrpcServer;
  /** Background work (outbox delivery, retention, erasure jobs); started after listen. */
  start?(): void;
  /** Stops background work and closes clients; runs after the server stopped. */
  close?(): Promise<void>;
}

/**
 * The server every service runs: its one service (grpc-kit bindService), reflection for grpcurl and
 * grpc.health.v1, the host's service-token checks and mTLS, and the config's admission limits.
 */
export function serviceServer(
  deps: Pick<ServiceDeps<ServerConfig>, 'config' | 'security'>,
  service: ServiceRegistration,
  options: { maxReceiveMessageBytes?: number } = {},
): GrpcServer {
  return new GrpcServer({
    services: [service],
    descriptorSets: [descriptorSet, healthDescriptorSet],
    maxReceiveMessageBytes: options.maxReceiveMessageBytes,
    interceptors: deps.security.interceptors,
    credentials: deps.security.credentials,
    admission: deps.config.admission,
  });
}

/** What an app provides; `runService` and the test helper do the rest. */
export interface ServiceModule<C extends ServerConfig = ServerConfig> {
  key: ServiceKey;
  readConfig(env: EnvReader): C;
  indexes: IndexPlan;
  create(deps: ServiceDeps<C>): ServiceInstance;
}

/**
 * The whole of an app's main: config (exit naming a bad variable) → logger → database →
 * indexes → server → listen → health from readiness → graceful shutdown on SIGTERM/SIGINT.
 */
export async function runService<C extends ServerConfig>(module: ServiceModule<C>): Promise<RunningService> {
  const config = loadConfigOrExit((env) => module.readConfig(env));
  const app = SERVICES[module.key].app;
  const logger = createLogger(app, config.logLevel);
  // Keys and certificates first: a bad one is a configuration error, before any connection.
  const security = configureSecurity(config, app, logger);
  const mongo = createMongo({ uri: config.mongoUri, dbName: databaseName(config.dbPrefix, module.key), appName: app });
  // Index creation waits for the database; readiness keeps health NOT_SERVING until it answers.
  const indexesReady = ensureIndexes(mongo.db, module.indexes).then(
    () => true,
    (error: unknown) => {
      logger.warn({ error_name: error instanceof Error ? error.name : 'unknown' }, 'indexes not ensured yet; will retry');
      return false;
    },
  );
  let indexed = await indexesReady;
  let indexing: Promise<boolean> | undefined;
  logger.info({ auth: config.authMode, mtls: Boolean(config.tlsDir) }, 'service identity configured');
  const instance = module.create({ config, db: mongo.db, logger, security });
  const running = await serve({
    name: app,
    server: instance.server,
    host: config.host,
    port: config.port,
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
    shutdownDrainMs: config.shutdownDrainMs,
    readiness: async () => {
      if (!indexed) {
        // One attempt at a time: a check that timed out may leave its attempt running.
        indexing ??= ensureIndexes(mongo.db, module.indexes)
          .then(
            () => true,
            () => false,
          )
          .finally(() => (indexing = undefined));
        indexed = await indexing;
      }
      return indexed && (await mongo.ping());
    },
    closers: [async () => instance.close?.(), () => mongo.close(), () => shutdownTelemetry()],
  });
  instance.start?.();
  const shedding = reportShedding(instance.server, logger);
  const stopAdmissionMetrics = observeAdmission(instance.server);
  return {
    port: running.port,
    stop: async (reason) => {
      clearInterval(shedding);
      stopAdmissionMetrics();
      await running.stop(reason);
    },
  };
}

/** How often calls refused by load shedding are summed up in the log. */
export const SHEDDING_REPORT_INTERVAL_MS = 5_000;

/**
 * One log line per interval in which load shedding refused calls (counts only): overload shows
 * in the log without a line per refused call, which would add load when there is already too much.
 */
export function reportShedding(server: GrpcServer, logger: Pick<Logger, 'warn'>, intervalMs = SHEDDING_REPORT_INTERVAL_MS): NodeJS.Timeout {
  let last = server.admission?.stats();
  const timer = setInterval(() => {
    const now = server.admission?.stats();
    const before = last;
    if (!now || !before) return;
    const refused = Object.fromEntries(Object.entries(now.refused).map(([reason, count]) => [reason, count - before.refused[reason as keyof typeof now.refused]]));
    const total = Object.values(refused).reduce((a, b) => a + b, 0);
    if (total > 0) {
      logger.warn(
        { refused_total: total, refused, admitted: now.admitted - before.admitted, running: now.running, queued: now.queued, service_ms: now.serviceMs, limits: server.admission?.limits },
        'load shedding: calls refused with RESOURCE_EXHAUSTED',
      );
    }
    last = now;
  }, intervalMs);
  timer.unref();
  return timer;
}

/**
 * Load shedding as metrics, from the admission gate's own counters (read when metrics are
 * collected, nothing added to the call path): calls refused by reason, admitted, running and
 * queued. Returns the unregistration.
 */
export function observeAdmission(server: GrpcServer, meter: Meter = metrics.getMeter('@signalpath/service-host')): () => void {
  const gate = server.admission;
  if (!gate) return () => undefined;
  const refused = meter.createObservableCounter('signalpath.admission.refused', { description: 'Calls refused by load shedding (RESOURCE_EXHAUSTED), by reason' });
  const admitted = meter.createObservableCounter('signalpath.admission.admitted', { description: 'Calls admitted past load shedding' });
  const running = meter.createObservableUpDownCounter('signalpath.admission.running', { description: 'Calls being handled' });
  const queued = meter.createObservableUpDownCounter('signalpath.admission.queued', { description: 'Calls waiting for a slot' });
  const callback: BatchObservableCallback = (result) => {
    const stats = gate.stats();
    for (const [reason, count] of Object.entries(stats.refused)) result.observe(refused, count, { reason });
    result.observe(admitted, stats.admitted);
    result.observe(running, stats.running);
    result.observe(queued, stats.queued);
  };
  const observables = [refused, admitted, running, queued];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/**
 * Service identity for this process: with auth required, the server checks every caller's token
 * against the allow-list and every client this process makes signs its calls as `app`. Keys come
 * from SIGNALPATH_KEYS_DIR; only in development mode (SIGNALPATH_DEV_KEYS=true) are missing ones
 * generated and generated ones accepted. With SIGNALPATH_TLS_DIR every connection is mTLS: the
 * server requires a client certificate whose identity issued the token, and clients accept only
 * the service they meant to reach. A key or certificate problem is a configuration error.
 */
export function configureSecurity(config: ServerConfig, app: string, errorSink?: ErrorSink): ServerSecurity {
  const tls = config.tlsDir ? asConfigError(() => loadTlsIdentity(path.resolve(config.tlsDir), app)) : undefined;
  if (tls && !tls.server) throw new ConfigError([`${path.resolve(config.tlsDir, app)} has no server certificate (server.pem, server.key) for ${app} (SIGNALPATH_TLS_DIR)`]);
  if (config.authMode === 'off') {
    configureServiceIdentity(tls ? { identity: app, tls } : undefined);
    return { credentials: tls?.server };
  }
  const keysDir = path.resolve(config.keysDir);
  const keyRing = asConfigError(() => {
    if (config.generateDevKeys) ensureDevKeys(keysDir);
    return loadKeyRing(keysDir, { allowDevelopmentKeys: config.generateDevKeys });
  });
  if (!keyRing.signer(app)) {
    throw new ConfigError([
      `no private key for ${app} in ${keysDir} (SIGNALPATH_KEYS_DIR): install ${app}.key there, or for local development set SIGNALPATH_DEV_KEYS=true to generate development keys`,
    ]);
  }
  configureServiceIdentity({ identity: app, keyRing, tls, tokenTtlSeconds: Math.min(DEFAULT_TOKEN_TTL_SECONDS, config.tokenMaxLifetimeSeconds) });
  const interceptor = createAuthInterceptor({
    publicKeys: keyRing.publicKeys,
    maxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
    skewSeconds: config.tokenClockSkewSeconds,
    requirePeerCertificate: Boolean(tls),
    errorSink,
  });
  return { interceptors: [interceptor], credentials: tls?.server };
}

/** Runs `load`, reporting a key or certificate problem as the configuration error it is. */
function asConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
}

/** Entry point for main.ts: exits non-zero on a start-up failure instead of hanging. */
export function main<C extends ServerConfig>(module: ServiceModule<C>): void {
  runService(module).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`${SERVICES[module.key].app}: configuration error: ${problem}\n`);
      process.exit(78); // EX_CONFIG, as loadConfigOrExit
    }
    process.stderr.write(`${SERVICES[module.key].app} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
