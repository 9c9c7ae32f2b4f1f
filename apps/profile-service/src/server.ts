import { ErasureGuard, ErasureMarkers, type ErasureScopeName } from '@signalpath/erasure';
import { bindService } from '@signalpath/grpc-kit';
import { profile, userdata } from '@signalpath/proto';
import { createConsentClient, EligibilityCache, SettingsLookup } from '@signalpath/service-clients';
import { serviceServer, type ServiceInstance, type ServiceModule } from '@signalpath/service-host';

import { readConfig, type ProfileConfig } from './config';
import { ConsentGate } from './consent/consent-gate';
import { applySignalsHandlers } from './handlers/apply-signals';
import { correctionHandlers } from './handlers/corrections';
import { profileReadHandlers } from './handlers/profile-reads';
import { userDataHandlers } from './handlers/user-data';
import { profileIndexes } from './store/collections';
import { CorrectionsStore } from './store/corrections-store';
import { LedgerRetention } from './retention/ledger-retention';
import { LedgerStore } from './store/ledger-store';
import { ProfileStore } from './store/profile-store';
import { SignalApplier } from './apply/signal-applier';
import { eraseUserData } from './store/user-data';

export interface ProfileServiceInstance extends ServiceInstance {
  /** The profile documents, with this process's per-document locks (tests hold one to stage a race). */
  profiles: ProfileStore;
  /** The corrections documents, with this process's per-user locks (tests hold one to stage a race). */
  corrections: CorrectionsStore;
}

export interface ProfileServiceOverrides {
  /** The business clock (decay, event-time clamping, ledger retention); tests inject one. */
  now?: () => Date;
}

/** Builds the ProfileService module; `overrides` exist for tests and benchmarks. */
export function createProfileService(overrides: ProfileServiceOverrides = {}): ServiceModule<ProfileConfig> {
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
      const applier = new SignalApplier(ledger, profiles, corrections, { halfLifeMs: config.halfLifeMs, leaseMs: config.applyLeaseMs, now, ledgerRetentionMs: config.ledgerRetentionMs });
      const retention = new LedgerRetention(ledger, { retentionMs: config.ledgerRetentionMs, intervalMs: config.ledgerSweepIntervalMs, now, logger });
      const readDeps = { consent: new ConsentGate(new SettingsLookup(consentClient), eligibility), profiles, corrections, halfLifeMs: config.halfLifeMs, feedControlFactors: config.feedControlFactors, notInterestedFactor: config.notInterestedFactor, now };
      const markers = new ErasureMarkers(db);
      // ApplySignals must land within half the fence after its marker check (docs/erasure.md).
      const guard = new ErasureGuard(markers, { writeBoundMs: config.erasureFenceMs / 2 });
      const eraseUser = (userId: string, scope: ErasureScopeName) => eraseUserData(profiles, ledger, corrections, userId, scope);
      const userDataDeps = { profiles, ledger, corrections, markers, erasureFenceMs: config.erasureFenceMs, halfLifeMs: config.halfLifeMs, now, logger };

      const correctionDeps = { corrections, profiles, applier, guard, eraseUser, now };

      const server = serviceServer(
        { config, security },
        [
          bindService<profile.ProfileServiceServer>(
            profile.ProfileServiceService,
            {
              ...applySignalsHandlers({ applier, guard, eraseUser, now }),
              ...profileReadHandlers(readDeps),
              ...correctionHandlers(correctionDeps),
            },
            logger,
          ),
          // The user-data contract, next to the service (only ConsentService may call it).
          bindService<userdata.UserDataServiceServer>(userdata.UserDataServiceService, userDataHandlers(userDataDeps), logger),
        ],
      );
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

/** The production ProfileService (main.ts): applies signals exactly once and serves link-gated, decayed interest profiles. */
export const profileService = createProfileService();
