import type { ServerUnaryCall } from '@grpc/grpc-js';
import { GrpcServer, unary } from '@signalpath/grpc-kit';
import { consent, descriptorSet, healthDescriptorSet } from '@signalpath/proto';
import { SERVICES } from '@signalpath/config';
import type { ServiceInstance, ServiceModule } from '@signalpath/service-host';

import { readConfig, type ConsentConfig } from './config';
import { ConsentDataEraser } from './erasure/consent-eraser';
import { ErasureJobs } from './erasure/jobs';
import { userDataTargetClients } from './erasure/targets';
import { ErasureWorker } from './erasure/worker';
import type { ConsentContext } from './handlers/context';
import { batchCheckEligibility, checkEligibility } from './handlers/eligibility';
import { getErasureJob, requestErasure } from './handlers/erasure';
import { exportUserData } from './handlers/export';
import { linkAccount, unlinkAccount } from './handlers/links';
import { getSettings, listSettingsHistory, updateSettings } from './handlers/settings';
import { listTopics, searchTopics } from './handlers/topics';
import { SettingsCache } from './settings-cache';
import { SettingsChangeFeed } from './settings-change-feed';
import { SettingsWriter } from './settings-writer';
import { ErasureStore } from './store/erasure-store';
import { requestIndexes, RequestStore } from './data-subject-requests/store';
import { DataSubjectRequests } from './data-subject-requests/workflow';
import { createDataSubjectRequest, getDataSubjectRequest, listDataSubjectRequests, rejectDataSubjectRequest, verifyDataSubjectRequest } from './handlers/data-subject-requests';
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

export interface ConsentOverrides {
  /** The clock of the data-subject request workflow (deadlines, overdue): tests move it forward. */
  requestsNow?: () => Date;
}

/** ConsentService: settings, Accounts Center links, eligibility, history, erasure, export and data-subject requests. */
export function createConsentService(overrides: ConsentOverrides = {}): ServiceModule<ConsentConfig> {
  return {
  key: 'consent',
  readConfig,
  indexes: { ...consentIndexes, ...requestIndexes },
  create({ config, db, logger, security }): ConsentServiceInstance {
    const now = () => new Date();
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
    const handle = <Req, Res>(handler: (ctx: ConsentContext, request: Req, call: ServerUnaryCall<unknown, unknown>) => Promise<Res>) =>
      unary<Req, Res>((request, call) => handler(ctx, request, call as ServerUnaryCall<unknown, unknown>), logger);

    const implementation: consent.ConsentServiceServer = {
      getSettings: handle(getSettings),
      updateSettings: handle(updateSettings),
      linkAccount: handle(linkAccount),
      unlinkAccount: handle(unlinkAccount),
      checkEligibility: handle(checkEligibility),
      batchCheckEligibility: handle(batchCheckEligibility),
      listSettingsHistory: handle(listSettingsHistory),
      requestErasure: handle(requestErasure),
      getErasureJob: handle(getErasureJob),
      exportUserData: handle(exportUserData),
      listTopics: handle(listTopics),
      searchTopics: handle(searchTopics),
      createDataSubjectRequest: handle(createDataSubjectRequest),
      getDataSubjectRequest: handle(getDataSubjectRequest),
      listDataSubjectRequests: handle(listDataSubjectRequests),
      verifyDataSubjectRequest: handle(verifyDataSubjectRequest),
      rejectDataSubjectRequest: handle(rejectDataSubjectRequest),
    };
    const server = new GrpcServer({
      services: [{ name: SERVICES.consent.grpcService, definition: consent.ConsentServiceService, implementation }],
      descriptorSets: [descriptorSet, healthDescriptorSet],
      interceptors: security?.interceptors,
      credentials: security?.credentials,
      admission: config.admission,
    });
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

/** The service as the host runs it. */
export const consentService: ServiceModule<ConsentConfig> = createConsentService();
