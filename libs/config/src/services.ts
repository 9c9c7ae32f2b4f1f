import { ConfigError, type EnvReader } from './env';

/** The four services, their default ports (DESIGN.md) and the variables that override them. */
export const SERVICES = {
  consent: { app: 'consent-service', grpcService: 'signalpath.consent.v1.ConsentService', portVar: 'CONSENT_PORT', addrVar: 'CONSENT_ADDR', defaultPort: 50051 },
  signal: { app: 'signal-service', grpcService: 'signalpath.signal.v1.SignalService', portVar: 'SIGNAL_PORT', addrVar: 'SIGNAL_ADDR', defaultPort: 50052 },
  profile: { app: 'profile-service', grpcService: 'signalpath.profile.v1.ProfileService', portVar: 'PROFILE_PORT', addrVar: 'PROFILE_ADDR', defaultPort: 50053 },
  ranking: { app: 'ranking-service', grpcService: 'signalpath.ranking.v1.RankingService', portVar: 'RANKING_PORT', addrVar: 'RANKING_ADDR', defaultPort: 50054 },
} as const;

export type ServiceKey = keyof typeof SERVICES;

export interface ServerConfig {
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
}

/** Common settings for the service `key`: listen address, database, shutdown bound, logging. */
export function readServerConfig(env: EnvReader, key: ServiceKey): ServerConfig {
  const spec = SERVICES[key];
  const config: ServerConfig = {
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
  };
  if (config.tokenMaxLifetimeSeconds < 10 || config.tokenMaxLifetimeSeconds > 86_400) {
    throw new ConfigError([`SIGNALPATH_TOKEN_MAX_LIFETIME must be between 10s and 24h (got ${config.tokenMaxLifetimeSeconds} s)`]);
  }
  if (config.tokenClockSkewSeconds > 300) throw new ConfigError([`SIGNALPATH_TOKEN_CLOCK_SKEW must be at most 5m (got ${config.tokenClockSkewSeconds} s)`]);
  return config;
}

/** Where to reach another service: `<KEY>_ADDR`, else 127.0.0.1:`<KEY>_PORT`. */
export function readServiceAddress(env: EnvReader, key: ServiceKey): string {
  const spec = SERVICES[key];
  const port = env.port(spec.portVar, spec.defaultPort);
  return env.string(spec.addrVar, `127.0.0.1:${port}`);
}
