import { GrpcServer, UnavailableError, unary } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';

/** What a test controls per user; everything else takes adult/US/all-allowed defaults. */
export interface FakeUser {
  linkedSurfaces: common.Surface[];
  crossAppSharing: boolean;
  ageBand: consent.AgeBand;
  blockedTopicIds: string[];
  showMoreTopicIds: string[];
  showLessTopicIds: string[];
  nonPersonalizedFeed: boolean;
  /** Eligibility answer per purpose; allowed by default. */
  eligibility: Partial<Record<common.Purpose, consent.EligibilityReason>>;
  version: number;
}

const defaults = (): FakeUser => ({
  linkedSurfaces: [],
  crossAppSharing: true,
  ageBand: consent.AgeBand.AGE_BAND_ADULT,
  blockedTopicIds: [],
  showMoreTopicIds: [],
  showLessTopicIds: [],
  nonPersonalizedFeed: false,
  eligibility: {},
  version: 1,
});

/**
 * A stand-in ConsentService for tests and benchmarks: GetSettings and CheckEligibility answer
 * from state the test changes between reads; `unavailable` makes every call fail.
 */
export class FakeConsentService {
  private readonly users = new Map<string, FakeUser>();
  private server?: GrpcServer;
  unavailable = false;
  calls = 0;

  user(userId: string): FakeUser {
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = defaults()));
    return user;
  }

  /** Changes a user's settings and bumps the version, like UpdateSettings would. */
  update(userId: string, change: Partial<FakeUser>): void {
    const user = this.user(userId);
    Object.assign(user, change);
    user.version++;
  }

  settingsOf(userId: string): consent.Settings {
    const user = this.user(userId);
    return {
      userId,
      aiChatAds: consent.Choice.CHOICE_UNSPECIFIED,
      aiChatContent: consent.Choice.CHOICE_UNSPECIFIED,
      crossAppSharing: user.crossAppSharing ? consent.Choice.CHOICE_UNSPECIFIED : consent.Choice.CHOICE_OPT_OUT,
      effective: { aiChatAdsEnabled: true, aiChatContentEnabled: true, crossAppSharingEnabled: user.crossAppSharing },
      linkedAccounts: user.linkedSurfaces.map((surface) => ({ surface, accountId: `${userId}-${surface}`, linkTime: new Date(0) })),
      adPreferences: { blockedTopicIds: user.blockedTopicIds, blockedAdvertiserIds: [], seeFewerTopicIds: [] },
      feedControls: { nonPersonalizedFeed: user.nonPersonalizedFeed, showMoreTopicIds: user.showMoreTopicIds, showLessTopicIds: user.showLessTopicIds },
      region: 'US',
      ageBand: user.ageBand,
      version: String(user.version),
      updateTime: new Date(0),
    };
  }

  async start(): Promise<string> {
    const guard = () => {
      this.calls++;
      if (this.unavailable) throw new UnavailableError('fake consent is down');
    };
    const implementation: Partial<consent.ConsentServiceServer> = {
      getSettings: unary<consent.GetSettingsRequest, consent.GetSettingsResponse>(async (request) => {
        guard();
        return { settings: this.settingsOf(request.userId) };
      }),
      checkEligibility: unary<consent.CheckEligibilityRequest, consent.CheckEligibilityResponse>(async (request) => {
        guard();
        const user = this.user(request.userId);
        const reason =
          request.purpose === common.Purpose.PURPOSE_ADS && user.ageBand === consent.AgeBand.AGE_BAND_MINOR
            ? consent.EligibilityReason.ELIGIBILITY_REASON_MINOR
            : (user.eligibility[request.purpose] ?? consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED);
        return { allowed: reason === consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED, reason, settingsVersion: String(user.version) };
      }),
    };
    this.server = new GrpcServer({
      services: [{ name: 'signalpath.consent.v1.ConsentService', definition: consent.ConsentServiceService, implementation: implementation as consent.ConsentServiceServer }],
    });
    const port = await this.server.listen('127.0.0.1', 0);
    this.server.setServing(true);
    return `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await this.server?.shutdown(500);
    this.server = undefined;
  }
}
