import { ErasureGuard, ErasureMarkers, type ErasureScopeName } from '@signalpath/erasure';
import { GrpcServer, unary } from '@signalpath/grpc-kit';
import { descriptorSet, healthDescriptorSet, profile } from '@signalpath/proto';
import { createConsentClient, EligibilityCache, SettingsLookup } from '@signalpath/service-clients';
import type { ServiceInstance, ServiceModule } from '@signalpath/service-host';

import { readConfig, type ProfileConfig } from './config';
import { ConsentGate } from './consent/consent-gate';
import { applySignalsHandler } from './handlers/apply-signals';
import { listCorrectionsHandler, markItemNotInterestedHandler, removeInterestHandler, undoItemNotInterestedHandler } from './handlers/corrections';
import { explainInterestHandler, getProfileHandler, getReadContextHandler } from './handlers/profile-reads';
import { deleteUserDataHandler, exportUserDataHandler } from './handlers/user-data';
import { profileIndexes } from './store/collections';
import { CorrectionsStore } from './store/corrections-store';
import { LedgerRetention } from './store/ledger-retention';
import { LedgerStore } from './store/ledger-store';
import { ProfileStore } from './store/profile-store';
import { SignalApplier } from './store/signal-applier';
import { eraseUserData } from './store/user-data';

export interface ProfileServiceInstance extends ServiceInstance {
  /** The profile documents, with this process's per-document locks (tests hold one to stage a race). */
  profiles: ProfileStore;
  /** The corrections documents, with this process's per-user locks (tests hold one to stage a race). */
  corrections: CorrectionsStore;
}

export interface ProfileModuleOverrides {
  /** The business clock (decay, event-time clamping, ledger retention); tests inject one. */
  now?: () => Date;
}

/** Builds the ProfileService module; `overrides` exist for tests and benchmarks. */
export function createProfileModule(overrides: ProfileModuleOverrides = {}): ServiceModule<ProfileConfig> {
  const now = overrides.now ?? (() => new Date());
  return {
    key: 'profile',
    readConfig,
    indexes: profileIndexes,
    create({ config, db, logger, security }): ProfileServiceInstance {
      const profiles = new ProfileStore(db, { writeLeaseMs: config.applyLeaseMs });
      const ledger = new LedgerStore(db);
      const corrections = new CorrectionsStore(db, { writeLeaseMs: config.applyLeaseMs });
      const consentClient = createConsentClient(config.consentAddress, { timeoutMs: config.consentTimeoutMs });
      // A negative age never hits the cache: 0 means "always ask".
      const eligibility = new EligibilityCache(consentClient, { maxAgeMs: config.eligibilityCacheMaxAgeMs > 0 ? config.eligibilityCacheMaxAgeMs : -1 });
      const applier = new SignalApplier(ledger, profiles, corrections, { halfLifeMs: config.halfLifeMs, leaseMs: config.applyLeaseMs, now });
      const retention = new LedgerRetention(ledger, { retentionMs: config.ledgerRetentionMs, intervalMs: config.ledgerSweepIntervalMs, now, logger });
      const readDeps = { consent: new ConsentGate(new SettingsLookup(consentClient), eligibility), profiles, corrections, halfLifeMs: config.halfLifeMs, feedControlFactors: config.feedControlFactors, notInterestedFactor: config.notInterestedFactor, now };
      const markers = new ErasureMarkers(db);
      // ApplySignals must land within half the fence after its marker check (docs/erasure.md).
      const guard = new ErasureGuard(markers, { writeBoundMs: config.erasureFenceMs / 2 });
      const eraseUser = (userId: string, scope: ErasureScopeName) => eraseUserData(profiles, ledger, corrections, userId, scope);
      const userDataDeps = { profiles, ledger, corrections, markers, erasureFenceMs: config.erasureFenceMs, halfLifeMs: config.halfLifeMs, now, logger };

      const correctionDeps = { corrections, profiles, guard, eraseUser, now };

      const implementation: profile.ProfileServiceServer = {
        applySignals: unary(applySignalsHandler({ applier, guard, eraseUser, now }), logger),
        getProfile: unary(getProfileHandler(readDeps), logger),
        explainInterest: unary(explainInterestHandler(readDeps), logger),
        getReadContext: unary(getReadContextHandler(readDeps), logger),
        deleteUserData: unary(deleteUserDataHandler(userDataDeps), logger),
        exportUserData: unary(exportUserDataHandler(userDataDeps), logger),
        removeInterest: unary(removeInterestHandler(correctionDeps), logger),
        listCorrections: unary(listCorrectionsHandler(correctionDeps), logger),
        markItemNotInterested: unary(markItemNotInterestedHandler(correctionDeps), logger),
        undoItemNotInterested: unary(undoItemNotInterestedHandler(correctionDeps), logger),
      };
      const server = new GrpcServer({
        services: [{ name: 'signalpath.profile.v1.ProfileService', definition: profile.ProfileServiceService, implementation }],
        descriptorSets: [descriptorSet, healthDescriptorSet],
        ...security,
        admission: config.admission,
      });
      return {
        server,
        profiles,
        corrections,
        start: () => retention.start(),
        close: async () => {
          await retention.stop();
          consentClient.close();
        },
      };
    },
  };
}

/** ProfileService: applies signals exactly once and serves link-gated, decayed interest profiles. */
export const profileService = createProfileModule();
