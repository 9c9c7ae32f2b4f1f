import { ConfigError, readServerConfig, readServiceAddress, type EnvReader, type ServerConfig } from '@signalpath/config';
import { DEFAULT_FEED_CONTROL_FACTORS, DEFAULT_HALF_LIFE_MS, type FeedControlFactors } from '@signalpath/interest-profile';

export interface ProfileConfig extends ServerConfig {
  /** Where ConsentService listens (CONSENT_ADDR, else 127.0.0.1:CONSENT_PORT). */
  consentAddress: string;
  /**
   * Deadline of each ConsentService call (PROFILE_CONSENT_TIMEOUT, default 2s, as every other
   * call between services). Not shorter: under a burst this process reads consent's answers late,
   * and a lookup shared by many reads that times out fails all of them (1s failed ~10% of a
   * 2,000-read burst in CI while ConsentService itself was idle).
   */
  consentTimeoutMs: number;
  /**
   * How long a CheckEligibility answer may be reused (PROFILE_ELIGIBILITY_CACHE_MAX_AGE, default
   * and maximum 2s, as ConsentService allows; 0 disables). Settings (links, sharing, blocked
   * topics, feed controls) are read fresh on every profile read, so an unlink applies at once.
   */
  eligibilityCacheMaxAgeMs: number;
  /** Half-life of interest scores (PROFILE_HALF_LIFE, default 30d). */
  halfLifeMs: number;
  /** Content score multipliers for show-more / show-less topics (PROFILE_SHOW_MORE_PERCENT, PROFILE_SHOW_LESS_PERCENT). */
  feedControlFactors: FeedControlFactors;
  /**
   * Score multiplier per active "not interested" mark on a topic, for the mark's purpose
   * (PROFILE_NOT_INTERESTED_PERCENT, default 50, 0–100).
   */
  notInterestedFactor: number;
  /** How long applied-signal ledger entries are kept (PROFILE_LEDGER_RETENTION, default 30d). */
  ledgerRetentionMs: number;
  /** How often expired ledger entries are removed (PROFILE_LEDGER_SWEEP_INTERVAL, default 1h). */
  ledgerSweepIntervalMs: number;
  /**
   * How long a call that claimed a signal owns it (PROFILE_APPLY_LEASE, default 30s). A duplicate
   * delivery waits for a live owner and takes over only after the lease, e.g. after a crash.
   */
  applyLeaseMs: number;
  /**
   * How long an erasure waits after recording its marker before its final pass
   * (PROFILE_ERASURE_FENCE, default 5s); an ApplySignals call that finishes later than half of it
   * after its marker check re-checks and undoes (docs/erasure.md).
   */
  erasureFenceMs: number;
}

const MAX_ELIGIBILITY_CACHE_MS = 2_000;

export function readConfig(env: EnvReader): ProfileConfig {
  const config: ProfileConfig = {
    ...readServerConfig(env, 'profile'),
    consentAddress: readServiceAddress(env, 'consent'),
    consentTimeoutMs: env.durationMs('PROFILE_CONSENT_TIMEOUT', 2_000),
    eligibilityCacheMaxAgeMs: env.durationMs('PROFILE_ELIGIBILITY_CACHE_MAX_AGE', MAX_ELIGIBILITY_CACHE_MS),
    halfLifeMs: env.durationMs('PROFILE_HALF_LIFE', DEFAULT_HALF_LIFE_MS),
    feedControlFactors: {
      showMore: env.int('PROFILE_SHOW_MORE_PERCENT', DEFAULT_FEED_CONTROL_FACTORS.showMore * 100, { min: 100, max: 1000 }) / 100,
      showLess: env.int('PROFILE_SHOW_LESS_PERCENT', DEFAULT_FEED_CONTROL_FACTORS.showLess * 100, { min: 0, max: 100 }) / 100,
    },
    notInterestedFactor: env.int('PROFILE_NOT_INTERESTED_PERCENT', 50, { min: 0, max: 100 }) / 100,
    ledgerRetentionMs: env.durationMs('PROFILE_LEDGER_RETENTION', 30 * 86_400_000),
    ledgerSweepIntervalMs: env.durationMs('PROFILE_LEDGER_SWEEP_INTERVAL', 3_600_000),
    applyLeaseMs: env.durationMs('PROFILE_APPLY_LEASE', 30_000),
    erasureFenceMs: env.durationMs('PROFILE_ERASURE_FENCE', 5_000),
  };
  const problems: string[] = [];
  const positive: Array<[string, number]> = [
    ['PROFILE_CONSENT_TIMEOUT', config.consentTimeoutMs],
    ['PROFILE_HALF_LIFE', config.halfLifeMs],
    ['PROFILE_LEDGER_RETENTION', config.ledgerRetentionMs],
    ['PROFILE_LEDGER_SWEEP_INTERVAL', config.ledgerSweepIntervalMs],
    ['PROFILE_APPLY_LEASE', config.applyLeaseMs],
    ['PROFILE_ERASURE_FENCE', config.erasureFenceMs],
  ];
  for (const [name, value] of positive) if (!(value > 0)) problems.push(`${name} must be a positive duration`);
  if (config.eligibilityCacheMaxAgeMs > MAX_ELIGIBILITY_CACHE_MS) problems.push(`PROFILE_ELIGIBILITY_CACHE_MAX_AGE must be at most 2s (ConsentService's caching bound)`);
  // Sanity only: the real bound is SignalService's redelivery horizon (see store/signal-applier.ts).
  if (config.ledgerRetentionMs <= config.applyLeaseMs) problems.push('PROFILE_LEDGER_RETENTION must be longer than PROFILE_APPLY_LEASE');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
