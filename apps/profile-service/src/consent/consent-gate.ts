import { UnavailableError, type ParentCall } from '@signalpath/grpc-kit';
import type { EligibilityOutcome } from '@signalpath/domain';
import { common, type consent } from '@signalpath/proto';
import type { EligibilityCache, SettingsLookup } from '@signalpath/service-clients';

import { eligibilityOutcome } from '../mapping';

/**
 * Reads a user's settings and the purpose eligibility from ConsentService, in parallel. Fails
 * closed: if either call fails for any reason the read fails with UNAVAILABLE, so a profile is
 * never served on unknown consent. Settings are never cached (an unlink or a sharing opt-out
 * applies on the next read), but identical lookups in flight share one call, so a burst of reads
 * for one user costs one GetSettings; eligibility answers may be cached within ConsentService's
 * 2 s bound, and are shared in flight too.
 */
export class ConsentGate {
  constructor(
    private readonly settings: SettingsLookup,
    private readonly eligibility: EligibilityCache,
  ) {}

  /** One settings lookup and each purpose's AI-chat eligibility (in `purposes` order), in parallel. */
  async readPurposes(userId: string, surface: common.Surface, purposes: readonly common.Purpose[], call: ParentCall): Promise<{ settings: consent.Settings; aiChat: EligibilityOutcome[] }> {
    try {
      const [settingsResponse, ...eligibilities] = await Promise.all([
        this.settings.get(userId, call),
        ...purposes.map((purpose) => this.eligibility.check({ userId, surface, purpose, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT }, call)),
      ]);
      if (!settingsResponse.settings) throw new Error('GetSettings answered without settings');
      return { settings: settingsResponse.settings, aiChat: eligibilities.map((eligibility) => eligibilityOutcome(eligibility.allowed, eligibility.reason)) };
    } catch {
      throw new UnavailableError('consent service unavailable; profile not served');
    }
  }
}
