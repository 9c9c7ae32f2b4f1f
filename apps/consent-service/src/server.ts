import { bindService } from '@signalpath/grpc-kit';
import { consent } from '@signalpath/proto';
import { createProfileClient, createSignalClient } from '@signalpath/service-clients';
import { serviceServer, type ServiceInstance, type ServiceModule } from '@signalpath/service-host';

import { readConfig, type ConsentConfig } from './config';
import { ConsentDataEraser } from './erasure/consent-eraser';
import { ErasureJobs } from './erasure/jobs';
import { grpcErasureTargets } from './erasure/targets';
import { ErasureWorker } from './erasure/worker';
import type { ConsentContext } from './handlers/context';
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
}

/** Builds the ConsentService module: settings, Accounts Center links, eligibility, history, erasure and export. */
export function createConsentService(overrides: ConsentServiceOverrides = {}): ServiceModule<ConsentConfig> {
  return {
    key: 'consent',
    readConfig,
    indexes: consentIndexes,
    create({ config, db, logger, security }): ConsentServiceInstance {
      const now = overrides.now ?? (() => new Date());
      const settings = new SettingsStore(db);
      const links = new LinksStore(db);
      const erasureStore = new ErasureStore(db);
      const cache = new SettingsCache(settings, { maxStalenessMs: config.settingsCacheMaxStalenessMs, maxEntries: config.settingsCacheMaxEntries });
      const changeFeed = new SettingsChangeFeed(settings, cache, config.settingsCacheMaxStalenessMs, logger);
      const jobs = new ErasureJobs(erasureStore, now);
      const writer = new SettingsWriter(settings, cache, jobs, logger, now);
      // These clients carry this process's service identity (set up by the service host).
      const signal = createSignalClient(config.signalAddress);
      const profile = createProfileClient(config.profileAddress);
      const worker = new ErasureWorker(
        erasureStore,
        grpcErasureTargets(signal, profile, config.erasure.callTimeoutMs),
        new ConsentDataEraser(writer, settings, links, now),
        () => writer.sweep(),
        config.erasure,
        logger,
        now,
      );
      jobs.onCreated(() => worker.wake());

      const ctx: ConsentContext = { policy: config.policy, cache, writer, settings, links, erasureStore, jobs, signal, profile, topics: new TopicDirectory(), logger, now };
      const server = serviceServer(
        { config, security },
        bindService<consent.ConsentServiceServer>(
          consent.ConsentServiceService,
          { ...settingsHandlers(ctx), ...linkHandlers(ctx), ...eligibilityHandlers(ctx), ...erasureHandlers(ctx), ...exportHandlers(ctx), ...topicHandlers(ctx) },
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
          stopMetrics = observeConsent(erasureStore, cache, now);
        },
        async close() {
          stopMetrics?.();
          await changeFeed.close();
          await worker.close();
          signal.close();
          profile.close();
        },
      };
    },
  };
}

/** The production ConsentService (main.ts). */
export const consentService = createConsentService();
