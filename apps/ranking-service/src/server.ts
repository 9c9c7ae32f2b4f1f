import { bindService } from '@signalpath/grpc-kit';
import { ranking } from '@signalpath/proto';
import { Ranker } from '@signalpath/ranking-model';
import { serviceServer, type ServiceInstance, type ServiceModule } from '@signalpath/service-host';
import { createConsentClient, createProfileClient } from '@signalpath/service-clients';

import { readConfig, type RankingConfig } from './config';
import { catalogHandlers } from './handlers/catalog';
import { feedbackHandlers } from './handlers/feedback';
import { rankingHandlers } from './handlers/ranking';
import { keepTrying, seedDemoCatalogIfEmpty } from './seed/seed-catalog';
import { CatalogStore, catalogIndexes } from './store/catalog-store';
import { CatalogFeed } from './catalog/catalog-feed';
import { UserContextLoader } from './users/user-context';

/** A running RankingService; `seeded` settles when the start-up demo-catalog load is done. */
export interface RankingInstance extends ServiceInstance {
  seeded?: Promise<number>;
  /** The in-memory catalog and its change feed. */
  catalog: CatalogFeed;
}

/** Nothing to override yet: the parameter keeps the template's shape (a clock or a ranker would go here). */
export type RankingServiceOverrides = Record<string, never>;

/** Builds the RankingService module: catalog, Rank, Recommend and ExplainItem over ProfileService and ConsentService. */
export function createRankingService(overrides: RankingServiceOverrides = {}): ServiceModule<RankingConfig> {
  void overrides;
  return {
    key: 'ranking',
    readConfig,
    indexes: catalogIndexes,
    create({ config, db, logger, security }): RankingInstance {
      const store = new CatalogStore(db);
      // The catalog in memory, kept current from the change log: no request reads the catalog from the database.
      const catalog = new CatalogFeed(store, logger, {
        pollMs: config.indexPollMs,
        resyncMs: config.indexResyncMs,
        retentionMs: config.changeRetentionMs,
        retryMs: config.seedRetryMs,
      });
      const consentClient = createConsentClient(config.consentAddress);
      const profileClient = createProfileClient(config.profileAddress);
      const users = new UserContextLoader(consentClient, profileClient, logger, {
        dependencyTimeoutMs: config.dependencyTimeoutMs,
        profileInterestLimit: config.profileInterestLimit,
      });
      const ranker = new Ranker({ diversityCap: config.diversityCap, diversityWindow: config.diversityWindow });
      const server = serviceServer(
        { config, security },
        bindService<ranking.RankingServiceServer>(
          ranking.RankingServiceService,
          {
            ...catalogHandlers({ store, catalog }),
            ...rankingHandlers({ catalog, users, ranker }),
            ...feedbackHandlers({ catalog, profileClient, dependencyTimeoutMs: config.dependencyTimeoutMs }),
          },
          logger,
        ),
      );

      let seeding: ReturnType<typeof keepTrying> | undefined;
      const instance: RankingInstance = {
        server,
        catalog,
        start() {
          catalog.start();
          if (!config.seedDemoCatalog) return;
          // The database may not answer yet, or go away for a while: retried until loaded or closed.
          seeding = keepTrying(() => seedDemoCatalogIfEmpty(store, logger, catalog), {
            retryMs: config.seedRetryMs,
            onError: (error, attempts) => logger.warn({ error_name: error instanceof Error ? error.name : 'unknown', attempts }, 'demo catalog not loaded yet; will retry'),
          });
          instance.seeded = seeding.result;
        },
        async close() {
          seeding?.stop();
          await instance.seeded;
          await catalog.stop();
          consentClient.close();
          profileClient.close();
        },
      };
      return instance;
    },
  };
}

/** The production RankingService (main.ts). */
export const rankingService = createRankingService();
