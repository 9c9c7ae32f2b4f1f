import { createPolicy, DEFAULT_EFFECTIVE_DATE, DEFAULT_EXCLUDED_REGIONS, PolicyConfigError, type ConsentPolicy } from '@signalpath/consent-policy';
import { ConfigError, readServerConfig, readUserDataTargets, type EnvReader, type ServerConfig, type UserDataTarget } from '@signalpath/config';
import { EARLIEST_EVENT_TIME } from '@signalpath/grpc-kit';

/**
 * ConsentService configuration. Every knob is an environment variable, documented in
 * docs/consent.md; a bad value stops the process naming the variable.
 */
export interface ConsentConfig extends ServerConfig {
  /** The policy table: effective date and excluded regions. */
  policy: ConsentPolicy;
  /**
   * The most this process's settings cache may lag a change made through another ConsentService
   * replica (changes made through this process are seen at once). 0 turns the cache off.
   */
  settingsCacheMaxStalenessMs: number;
  settingsCacheMaxEntries: number;
  /**
   * The services holding user data, erased and exported through their UserDataService
   * (CONSENT_USER_DATA_TARGETS; default: the stack description's userData services).
   */
  userDataTargets: UserDataTarget[];
  erasure: ErasureConfig;
}

export interface ErasureConfig {
  /** How often the worker looks for due jobs (new jobs start at once in this process). */
  pollIntervalMs: number;
  /** How long a claimed job is reserved for one worker; an expired lease is claimed again. */
  leaseMs: number;
  /** Backoff after a failed round: initial × 2^(round−1), capped, with jitter. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Deadline of one UserDataService.Delete call. */
  callTimeoutMs: number;
}

export const POLICY_EFFECTIVE_DATE_VAR = 'CONSENT_POLICY_EFFECTIVE_DATE';
export const POLICY_EXCLUDED_REGIONS_VAR = 'CONSENT_POLICY_EXCLUDED_REGIONS';

export function readConfig(env: EnvReader): ConsentConfig {
  const server = readServerConfig(env, 'consent');
  const effectiveDate = env.date(POLICY_EFFECTIVE_DATE_VAR, DEFAULT_EFFECTIVE_DATE);
  // Other services refuse event times before this floor (ProfileService.ApplySignals), trusting
  // that no policy can allow them.
  if (effectiveDate.getTime() < EARLIEST_EVENT_TIME.getTime()) {
    throw new ConfigError([`${POLICY_EFFECTIVE_DATE_VAR} must not be before ${EARLIEST_EVENT_TIME.toISOString().slice(0, 10)}`]);
  }
  const excludedRegions = env.list(POLICY_EXCLUDED_REGIONS_VAR, [...DEFAULT_EXCLUDED_REGIONS]);
  let policy: ConsentPolicy;
  try {
    policy = createPolicy({ effectiveDate, excludedRegions });
  } catch (error) {
    if (error instanceof PolicyConfigError) throw new ConfigError([`${error.variable === 'effectiveDate' ? POLICY_EFFECTIVE_DATE_VAR : POLICY_EXCLUDED_REGIONS_VAR}: ${error.message}`]);
    throw error;
  }
  const erasure: ErasureConfig = {
    pollIntervalMs: env.durationMs('CONSENT_ERASURE_POLL_INTERVAL', 1_000),
    leaseMs: env.durationMs('CONSENT_ERASURE_LEASE', 30_000),
    backoffInitialMs: env.durationMs('CONSENT_ERASURE_BACKOFF_INITIAL', 1_000),
    backoffMaxMs: env.durationMs('CONSENT_ERASURE_BACKOFF_MAX', 5 * 60_000),
    callTimeoutMs: env.durationMs('CONSENT_ERASURE_CALL_TIMEOUT', 10_000),
  };
  if (erasure.callTimeoutMs >= erasure.leaseMs) {
    throw new ConfigError(['CONSENT_ERASURE_CALL_TIMEOUT must be shorter than CONSENT_ERASURE_LEASE (a lease must outlive the calls made under it)']);
  }
  const settingsCacheMaxStalenessMs = env.durationMs('CONSENT_SETTINGS_CACHE_MAX_STALENESS', 500);
  if (settingsCacheMaxStalenessMs > 1_000) {
    // Callers may cache answers for 2 s; across replicas this bound adds to theirs.
    throw new ConfigError(['CONSENT_SETTINGS_CACHE_MAX_STALENESS must be at most 1s (it adds to the 2 s callers may cache)']);
  }
  return {
    ...server,
    policy,
    settingsCacheMaxStalenessMs,
    settingsCacheMaxEntries: env.int('CONSENT_SETTINGS_CACHE_MAX_ENTRIES', 100_000, { min: 1 }),
    userDataTargets: readUserDataTargets(env),
    erasure,
  };
}
