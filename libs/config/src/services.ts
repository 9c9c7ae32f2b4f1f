import { DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from '@signalpath/grpc-kit';
import { ConfigError, type EnvReader } from './env';
import stack from './stack.json';

/** One service of the stack description (stack.json): names, port, variables, node flags. */
export interface ServiceSpec {
  key: string;
  app: string;
  grpcService: string;
  portVar: string;
  addrVar: string;
  defaultPort: number;
  /** The Prometheus scrape endpoint's port variable and default (docs/deploy.md, "Ports"). */
  metricsPortVar: string;
  defaultMetricsPort: number;
  /** Holds user data: implements signalpath.userdata.v1.UserDataService (a default erasure and export target). */
  userData?: boolean;
  nodeFlags?: string[];
}

/** A service's key in the stack description: `consent`, `signal`, … */
export type ServiceKey = string;

/**
 * The services, their default ports (DESIGN.md) and the variables that override them, keyed by
 * service key. Read from stack.json, the description npm start, the Nx targets, the tests and the
 * benchmarks share.
 */
export const SERVICES: Readonly<Record<ServiceKey, ServiceSpec>> = Object.fromEntries(stack.services.map((s) => [s.key, s]));

/** The spec of service `key`; an unknown key names the services the description has. */
export function serviceSpec(key: ServiceKey): ServiceSpec {
  const spec = SERVICES[key];
  if (!spec) throw new Error(`unknown service "${key}": libs/config/src/stack.json describes ${Object.keys(SERVICES).join(', ')}`);
  return spec;
}

/**
 * `SIGNALPATH_ENV`: `production` (the default) or `development`, which `npm start`, the test
 * suites and the benchmarks set. Only development may fall back to built-in secrets.
 */
export type Environment = 'development' | 'production';

export interface ServerConfig {
  environment: Environment;
  host: string;
  port: number;
  mongoUri: string;
  /** Prefix for database names: `${prefix}consent` etc. Empty in production. */
  dbPrefix: string;
  shutdownGraceMs: number;
  /** After a shutdown signal: NOT_SERVING but still accepting calls for this long. */
  shutdownDrainMs: number;
  logLevel: string;
  /** Service identity: `required` checks signed service tokens on every call; `off` trusts the network. */
  authMode: 'required' | 'off';
  /** Ed25519 keys of the identities (`<identity>.key` / `.pub`). */
  keysDir: string;
  /**
   * Development mode for keys: generate missing development keys into keysDir and accept them.
   * Off unless SIGNALPATH_DEV_KEYS=true (npm start and the test tooling set it); off, a missing
   * key is a start-up error and generated keys are refused.
   */
  generateDevKeys: boolean;
  /** Tokens living longer than this (exp − iat) are refused. */
  tokenMaxLifetimeSeconds: number;
  /** Clock difference tolerated when checking token times. */
  tokenClockSkewSeconds: number;
  /** Directory with one subdirectory of certificates per identity (tools/certs.mjs): when set, every connection is mTLS. */
  tlsDir: string;
  /** Load shedding: calls handled at once and calls waiting, beyond which calls are refused. */
  admission: AdmissionLimits;
}

/** Common settings for the service `key`: listen address, database, shutdown bound, logging. */
export function readServerConfig(env: EnvReader, key: ServiceKey): ServerConfig {
  const spec = serviceSpec(key);
  const config: ServerConfig = {
    environment: readEnvironment(env),
    host: env.string('SIGNALPATH_HOST', '127.0.0.1'),
    port: env.port(spec.portVar, spec.defaultPort),
    mongoUri: env.string('MONGODB_URI', 'mongodb://127.0.0.1:27017/'),
    dbPrefix: env.string('MONGODB_DB_PREFIX', ''),
    shutdownGraceMs: env.durationMs('SHUTDOWN_GRACE', 10_000),
    shutdownDrainMs: env.durationMs('SHUTDOWN_DRAIN', 300),
    logLevel: env.string('LOG_LEVEL', 'info'),
    authMode: env.oneOf('SIGNALPATH_AUTH', ['required', 'off'] as const, 'required'),
    keysDir: env.string('SIGNALPATH_KEYS_DIR', '.keys'),
    generateDevKeys: env.bool('SIGNALPATH_DEV_KEYS', false),
    tokenMaxLifetimeSeconds: Math.floor(env.durationMs('SIGNALPATH_TOKEN_MAX_LIFETIME', 600_000) / 1000),
    tokenClockSkewSeconds: Math.floor(env.durationMs('SIGNALPATH_TOKEN_CLOCK_SKEW', 30_000) / 1000),
    tlsDir: env.string('SIGNALPATH_TLS_DIR', ''),
    admission: readAdmissionLimits(env, key),
  };
  if (config.tokenMaxLifetimeSeconds < 10 || config.tokenMaxLifetimeSeconds > 86_400) {
    throw new ConfigError([`SIGNALPATH_TOKEN_MAX_LIFETIME must be between 10s and 24h (got ${config.tokenMaxLifetimeSeconds} s)`]);
  }
  if (config.tokenClockSkewSeconds > 300) throw new ConfigError([`SIGNALPATH_TOKEN_CLOCK_SKEW must be at most 5m (got ${config.tokenClockSkewSeconds} s)`]);
  return config;
}

/**
 * `<SERVICE>_MAX_CONCURRENT_CALLS` / `<SERVICE>_MAX_QUEUED_CALLS` (e.g. PROFILE_…), else
 * `SIGNALPATH_MAX_CONCURRENT_CALLS` / `SIGNALPATH_MAX_QUEUED_CALLS`, else the toolkit's defaults.
 */
export function readAdmissionLimits(env: EnvReader, key: ServiceKey): AdmissionLimits {
  const prefix = SERVICES[key].portVar.replace(/_PORT$/, '');
  const maxConcurrent = env.int('SIGNALPATH_MAX_CONCURRENT_CALLS', DEFAULT_ADMISSION_LIMITS.maxConcurrent, { min: 1, max: 100_000 });
  const maxQueue = env.int('SIGNALPATH_MAX_QUEUED_CALLS', DEFAULT_ADMISSION_LIMITS.maxQueue, { min: 0, max: 1_000_000 });
  return {
    maxConcurrent: env.int(`${prefix}_MAX_CONCURRENT_CALLS`, maxConcurrent, { min: 1, max: 100_000 }),
    maxQueue: env.int(`${prefix}_MAX_QUEUED_CALLS`, maxQueue, { min: 0, max: 1_000_000 }),
  };
}

/** Where to reach another service: `<KEY>_ADDR`, else 127.0.0.1:`<KEY>_PORT`. */
export function readServiceAddress(env: EnvReader, key: ServiceKey): string {
  const spec = serviceSpec(key);
  const port = env.port(spec.portVar, spec.defaultPort);
  return env.string(spec.addrVar, `127.0.0.1:${port}`);
}

export function readEnvironment(env: EnvReader): Environment {
  return env.oneOf('SIGNALPATH_ENV', ['development', 'production'] as const, 'production');
}

/** The user-data contract every data-holding service implements (protos/signalpath/userdata/v1). */
export const USER_DATA_GRPC_SERVICE = 'signalpath.userdata.v1.UserDataService';

/** The variable listing ConsentService's erasure and export targets. */
export const USER_DATA_TARGETS_VAR = 'CONSENT_USER_DATA_TARGETS';

/**
 * One service ConsentService erases and exports through (UserDataService). `key` names it in jobs
 * and in the export document; `audience` is the gRPC service its tokens name (the hosting
 * service, so a token made for one implementation is refused by another).
 */
export interface UserDataTarget {
  key: string;
  address: string;
  audience: string;
}

const TARGET_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * The erasure and export targets: `CONSENT_USER_DATA_TARGETS`, a comma list whose entries are a
 * service key of the stack description (`signal`: reached at SIGNAL_ADDR / SIGNAL_PORT, tokens for
 * its gRPC service) or `key@address` (the address given; for a service outside the stack
 * description, tokens name the UserDataService itself). Default: every service stack.json marks
 * `userData`. Adding a data-holding service is therefore one line of configuration.
 */
export function readUserDataTargets(env: EnvReader, services: Readonly<Record<ServiceKey, ServiceSpec>> = SERVICES): UserDataTarget[] {
  const defaults = Object.values(services)
    .filter((spec) => spec.userData)
    .map((spec) => spec.key);
  const entries = env.list(USER_DATA_TARGETS_VAR, defaults);
  const problems: string[] = [];
  const targets: UserDataTarget[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('@');
    const key = at < 0 ? entry : entry.slice(0, at);
    const given = at < 0 ? undefined : entry.slice(at + 1);
    const spec = Object.hasOwn(services, key) ? services[key] : undefined;
    if (!TARGET_KEY.test(key)) problems.push(`${USER_DATA_TARGETS_VAR}: "${key}" is not a target name (lower-case letters, digits, - and _)`);
    else if (key === 'consent') problems.push(`${USER_DATA_TARGETS_VAR}: ConsentService erases its own data itself; it is not a target`);
    else if (targets.some((t) => t.key === key)) problems.push(`${USER_DATA_TARGETS_VAR}: "${key}" is listed twice`);
    else if (given !== undefined && given.trim() === '') problems.push(`${USER_DATA_TARGETS_VAR}: "${entry}" has an empty address`);
    else if (!spec && given === undefined) problems.push(`${USER_DATA_TARGETS_VAR}: "${key}" is not a service of libs/config/src/stack.json (${Object.keys(services).join(', ')}); give its address as ${key}@host:port`);
    else targets.push({ key, address: given ?? readServiceAddress(env, key), audience: spec ? spec.grpcService : USER_DATA_GRPC_SERVICE });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (targets.length === 0) throw new ConfigError([`${USER_DATA_TARGETS_VAR} names no target: erasure would confirm without erasing anything`]);
  return targets;
}
