import { ConfigError, readServerConfig, readServiceAddress, type EnvReader, type ServerConfig } from '@signalpath/config';

/**
 * Used when SIGNAL_HASH_SECRET is not set in development (SIGNALPATH_ENV=development), logged as
 * a warning at start. Outside development the service refuses to start without a secret: the
 * keyed hashes of ids are only as private as the secret.
 */
export const DEV_HASH_SECRET = 'signalpath-dev-only-hash-secret';

const DAY_MS = 86_400_000;

export interface SignalConfig extends ServerConfig {
  consentAddress: string;
  profileAddress: string;
  /** Signals (and the records that hold them) older than this, by event time, are purged. */
  retentionMs: number;
  /** How often the retention sweep runs. */
  retentionSweepIntervalMs: number;
  /** Keep topics derived from sensitive content for content use (never ads). Off by default: dropped. */
  allowSensitiveContent: boolean;
  /** Most signals per ProfileService.ApplySignals call (ProfileService accepts up to 1000). */
  deliveryBatchSize: number;
  /** Calls' worth of outbox entries one delivery round claims (amortizes the outbox scans). */
  deliveryClaimBatches: number;
  /** Outbox poll interval while there is work; idle polling backs off from here to deliveryIdleMaxMs. */
  deliveryIntervalMs: number;
  deliveryIdleMaxMs: number;
  /** How long a claimed outbox entry stays invisible to other instances before it may be re-claimed. */
  deliveryLeaseMs: number;
  /** Upper bound of the exponential backoff after a failed delivery. */
  deliveryMaxBackoffMs: number;
  /** Retry interval of entries ProfileService refused as invalid (kept pending, never dropped). */
  deliveryRefusedRetryMs: number;
  /** Deadline of one ApplySignals call. */
  deliveryTimeoutMs: number;
  /** OutboxWriter heartbeat; a writer silent for outboxWriterStaleMs is recovered by another instance. */
  outboxHeartbeatMs: number;
  outboxWriterStaleMs: number;
  outboxRecoveryIntervalMs: number;
  /** How long outbox entries gather before they are written together. */
  outboxFlushDelayMs: number;
  /** Secret for the keyed hashes (HMAC-SHA-256) of interaction and activity ids. */
  hashSecret: string;
  /**
   * How long an erasure waits after recording its marker before its final pass; writes must
   * finish within half of it after their marker check, or re-check and undo (docs/erasure.md).
   */
  erasureFenceMs: number;
}

/**
 * SignalService settings. Every knob is an environment variable; a bad value stops the process
 * naming the variable.
 */
export function readConfig(env: EnvReader): SignalConfig {
  const config: SignalConfig = {
    ...readServerConfig(env, 'signal'),
    consentAddress: readServiceAddress(env, 'consent'),
    profileAddress: readServiceAddress(env, 'profile'),
    retentionMs: env.durationMs('SIGNAL_RETENTION', 90 * DAY_MS),
    retentionSweepIntervalMs: env.durationMs('SIGNAL_RETENTION_SWEEP_INTERVAL', 60 * 60_000),
    allowSensitiveContent: env.bool('SIGNAL_ALLOW_SENSITIVE_CONTENT', false),
    deliveryBatchSize: env.int('SIGNAL_DELIVERY_BATCH_SIZE', 500, { min: 1, max: 1000 }),
    deliveryClaimBatches: env.int('SIGNAL_DELIVERY_CLAIM_BATCHES', 10, { min: 1, max: 100 }),
    deliveryIntervalMs: env.durationMs('SIGNAL_DELIVERY_INTERVAL', 50),
    deliveryIdleMaxMs: env.durationMs('SIGNAL_DELIVERY_IDLE_MAX', 1_000),
    deliveryLeaseMs: env.durationMs('SIGNAL_DELIVERY_LEASE', 30_000),
    deliveryMaxBackoffMs: env.durationMs('SIGNAL_DELIVERY_MAX_BACKOFF', 10_000),
    deliveryRefusedRetryMs: env.durationMs('SIGNAL_DELIVERY_REFUSED_RETRY', 5 * 60_000),
    deliveryTimeoutMs: env.durationMs('SIGNAL_DELIVERY_TIMEOUT', 10_000),
    outboxHeartbeatMs: env.durationMs('SIGNAL_OUTBOX_HEARTBEAT', 1_000),
    outboxWriterStaleMs: env.durationMs('SIGNAL_OUTBOX_WRITER_STALE', 30_000),
    outboxRecoveryIntervalMs: env.durationMs('SIGNAL_OUTBOX_RECOVERY_INTERVAL', 10_000),
    outboxFlushDelayMs: env.durationMs('SIGNAL_OUTBOX_FLUSH_DELAY', 10),
    hashSecret: env.string('SIGNAL_HASH_SECRET', ''),
    erasureFenceMs: env.durationMs('SIGNAL_ERASURE_FENCE', 5_000),
  };
  const problems: string[] = [];
  if (config.hashSecret === '') {
    if (config.environment === 'development') config.hashSecret = DEV_HASH_SECRET;
    else problems.push('SIGNAL_HASH_SECRET must be set (at least 16 bytes) unless SIGNALPATH_ENV=development');
  }
  const positive: Array<[keyof SignalConfig, string]> = [
    ['retentionMs', 'SIGNAL_RETENTION'],
    ['retentionSweepIntervalMs', 'SIGNAL_RETENTION_SWEEP_INTERVAL'],
    ['deliveryIntervalMs', 'SIGNAL_DELIVERY_INTERVAL'],
    ['deliveryLeaseMs', 'SIGNAL_DELIVERY_LEASE'],
    ['deliveryMaxBackoffMs', 'SIGNAL_DELIVERY_MAX_BACKOFF'],
    ['deliveryRefusedRetryMs', 'SIGNAL_DELIVERY_REFUSED_RETRY'],
    ['deliveryTimeoutMs', 'SIGNAL_DELIVERY_TIMEOUT'],
    ['outboxHeartbeatMs', 'SIGNAL_OUTBOX_HEARTBEAT'],
    ['outboxRecoveryIntervalMs', 'SIGNAL_OUTBOX_RECOVERY_INTERVAL'],
    ['erasureFenceMs', 'SIGNAL_ERASURE_FENCE'],
  ];
  for (const [key, variable] of positive) if (!((config[key] as number) > 0)) problems.push(`${variable} must be a positive duration`);
  if (config.deliveryIdleMaxMs < config.deliveryIntervalMs) problems.push('SIGNAL_DELIVERY_IDLE_MAX must not be shorter than SIGNAL_DELIVERY_INTERVAL');
  if (config.deliveryLeaseMs < 2 * config.deliveryTimeoutMs) problems.push('SIGNAL_DELIVERY_LEASE must be at least twice SIGNAL_DELIVERY_TIMEOUT');
  if (config.outboxFlushDelayMs > 1_000) problems.push('SIGNAL_OUTBOX_FLUSH_DELAY must be at most 1s');
  if (config.outboxWriterStaleMs < 3 * config.outboxHeartbeatMs) problems.push('SIGNAL_OUTBOX_WRITER_STALE must be at least 3 heartbeats (SIGNAL_OUTBOX_HEARTBEAT)');
  if (config.hashSecret !== '' && Buffer.byteLength(config.hashSecret, 'utf8') < 16) problems.push('SIGNAL_HASH_SECRET must be at least 16 bytes');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
