import { bindService } from '@signalpath/grpc-kit';
import { consent } from '@signalpath/proto';
import { serviceServer, type ServiceInstance, type ServiceModule } from '@signalpath/service-host';

import { readConfig, type ConsentConfig } from './config';
import { ConsentDataEraser } from './erasure/consent-eraser';
import { ErasureJobs } from './erasure/jobs';
import { userDataTargetClients } from './erasure/targets';
import { ErasureWorker } from './erasure/worker';
import type { ConsentContext } from './handlers/context';
import { consentStringHandlers } from './handlers/consent-strings';
import { eligibilityHandlers } from './handlers/eligibility';
import { erasureHandlers } from './handlers/erasure';
import { exportHandlers } from './handlers/export';
import { linkHandlers } from './handlers/links';
import { settingsHandlers } from './handlers/settings';
import { topicHandlers } from './handlers/topics';
import { SettingsCache } from './settings/settings-cache';
import { SettingsChangeFeed } from './settings/settings-change-feed';
import { SettingsWriter } from './settings/settings-writer';
import { ErasureStore } from './store/erasure-store';
import { requestIndexes, RequestStore } from './store/request-store';
import { DataSubjectRequests } from './data-subject-requests/workflow';
import { dataSubjectRequestHandlers } from './handlers/data-subject-requests';
import { observeConsent } from './telemetry/meters';
import { consentIndexes } from './store/indexes';
import { LinksStore } from './store/links-store';
import { SettingsStore } from './store/settings-store';
import { TopicDirectory } from './topics/topic-directory';

/** A running ConsentService; the background tasks are exposed for tests. */
export interface ConsentServiceInstance extends ServiceInstance {
  changeFeed: SettingsChangeFeed;
  worker: ErasureWorker;
}

export interface ConsentServiceOverrides {
  /** The clock (erasure jobs, settings history); tests inject one. */
  now?: () => Date;
  /** The clock of the data-subject request workflow (deadlines, overdue) alone; default `now`. */
  requestsNow?: () => Date;
}

/** Builds the ConsentService module: settings, Accounts Center links, eligibility, history, erasure, export and data-subject requests. */
export function createConsentService(overrides: ConsentServiceOverrides = {}): ServiceModule<ConsentConfig> {
  return {
    key: 'consent',
    readConfig,
    indexes: { ...consentIndexes, ...requestIndexes },
    create({ config, db, logger, security }): ConsentServiceInstance {
      const now = overrides.now ?? (() => new Date());
      const requestsNow = overrides.requestsNow ?? now;
      const settings = new SettingsStore(db);
      const links = new LinksStore(db);
      const erasureStore = new ErasureStore(db);
      const cache = new SettingsCache(settings, { maxStalenessMs: config.settingsCacheMaxStalenessMs, maxEntries: config.settingsCacheMaxEntries });
      const changeFeed = new SettingsChangeFeed(settings, cache, config.settingsCacheMaxStalenessMs, logger);
      // These clients carry this process's service identity (set up by the service host).
      const userData = userDataTargetClients(config.userDataTargets, config.erasure.callTimeoutMs);
      const jobs = new ErasureJobs(erasureStore, userData, now);
      const writer = new SettingsWriter(settings, cache, jobs, logger, now);
      const requestStore = new RequestStore(db);
      const requests = new DataSubjectRequests({ store: requestStore, jobs, erasureJobs: erasureStore, regionOf: async (userId) => (await writer.load(userId)).region, now: requestsNow, logger });
      const worker = new ErasureWorker(
        erasureStore,
        userData,
        new ConsentDataEraser(writer, settings, links, now),
        // Each poll also rolls forward unfinished settings changes and moves data-subject requests along.
        () => Promise.all([writer.sweep(), requests.reconcile()]),
        config.erasure,
        logger,
        now,
      );
      jobs.onCreated(() => worker.wake());

      const ctx: ConsentContext = { policy: config.policy, cache, writer, settings, links, erasureStore, jobs, requests, userData, topics: new TopicDirectory(), logger, now };
      const server = serviceServer(
        { config, security },
        bindService<consent.ConsentServiceServer>(
          consent.ConsentServiceService,
          {
            ...settingsHandlers(ctx),
            ...linkHandlers(ctx),
            ...eligibilityHandlers(ctx),
            ...erasureHandlers(ctx),
            ...exportHandlers(ctx),
            ...topicHandlers(ctx),
            ...dataSubjectRequestHandlers(ctx),
            ...consentStringHandlers(ctx),
          },
          logger,
        ),
      );
      let stopMetrics: (() => void) | undefined;
      return {
        server,
        changeFeed,
        worker,
        start() {
          changeFeed.start();
          worker.start();
          stopMetrics = observeConsent(erasureStore, cache, now, requestStore, requestsNow);
        },
        async close() {
          stopMetrics?.();
          await changeFeed.close();
          await worker.close();
          for (const target of userData) target.close();
        },
      };
    },
  };
}

/** The production ConsentService (main.ts). */
export const consentService = createConsentService();
