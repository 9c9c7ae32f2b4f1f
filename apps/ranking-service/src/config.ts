import { readServerConfig, readServiceAddress, type EnvReader, type ServerConfig } from '@signalpath/config';

export interface RankingConfig extends ServerConfig {
  consentAddress: string;
  profileAddress: string;
  /** Load the demo catalog at start when the catalog is empty (RANKING_SEED_DEMO_CATALOG). */
  seedDemoCatalog: boolean;
  /** Pause between attempts to load it while the database does not answer (RANKING_SEED_RETRY, default 2s). */
  seedRetryMs: number;
  /**
   * Upper bound for a ProfileService / ConsentService call (RANKING_DEPENDENCY_TIMEOUT); the
   * caller's deadline lowers it further, so a degraded answer still arrives in time.
   */
  dependencyTimeoutMs: number;
  /** How many interests to read per profile (RANKING_PROFILE_INTERESTS, 1-500). */
  profileInterestLimit: number;
  /** At most this many items of one topic among the first `diversityWindow` results (0 = off). */
  diversityCap: number;
  diversityWindow: number;
  /** Pause between polls of the catalog change log (RANKING_INDEX_POLL): the staleness bound of another process's catalog writes. */
  indexPollMs: number;
  /** Full reload of the in-memory catalog as a backstop (RANKING_INDEX_RESYNC; 0 = never). */
  indexResyncMs: number;
  /** Catalog change records older than this are pruned (RANKING_CHANGE_RETENTION); a process paused longer reloads. */
  changeRetentionMs: number;
}

export function readConfig(env: EnvReader): RankingConfig {
  return {
    ...readServerConfig(env, 'ranking'),
    consentAddress: readServiceAddress(env, 'consent'),
    profileAddress: readServiceAddress(env, 'profile'),
    seedDemoCatalog: env.bool('RANKING_SEED_DEMO_CATALOG', true),
    seedRetryMs: env.durationMs('RANKING_SEED_RETRY', 2_000),
    dependencyTimeoutMs: env.durationMs('RANKING_DEPENDENCY_TIMEOUT', 300),
    profileInterestLimit: env.int('RANKING_PROFILE_INTERESTS', 100, { min: 1, max: 500 }),
    diversityCap: env.int('RANKING_DIVERSITY_CAP', 5, { min: 0, max: 1000 }),
    diversityWindow: env.int('RANKING_DIVERSITY_WINDOW', 20, { min: 1, max: 5000 }),
    indexPollMs: env.durationMs('RANKING_INDEX_POLL', 500),
    indexResyncMs: env.durationMs('RANKING_INDEX_RESYNC', 15 * 60_000),
    changeRetentionMs: env.durationMs('RANKING_CHANGE_RETENTION', 60 * 60_000),
  };
}
