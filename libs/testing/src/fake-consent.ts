import { GrpcServer, unary } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';
import { FakeDependency } from './fake-dependency';

/** A partial Settings laid over the defaults; the nested messages are partial too. */
export type FakeSettings = Partial<Omit<consent.Settings, 'adPreferences' | 'feedControls'>> & {
  adPreferences?: Partial<consent.AdPreferences>;
  feedControls?: Partial<consent.FeedControls>;
};

/** The shorthand changes `update()` understands, as a user would make them in the settings UI. */
export interface FakeUserChange {
  linkedSurfaces?: common.Surface[];
  crossAppSharing?: boolean;
  ageBand?: consent.AgeBand;
  /** ISO code; '' for unknown. */
  region?: string;
  blockedTopicIds?: string[];
  showMoreTopicIds?: string[];
  showLessTopicIds?: string[];
  nonPersonalizedFeed?: boolean;
  /**
   * AI-chat eligibility answer per purpose (replaces earlier overrides); allowed when absent.
   * Queries for other source kinds (likes, follows, group joins) are not affected: the AI-chat
   * choices govern AI-chat data only.
   */
  eligibility?: Partial<Record<common.Purpose, consent.EligibilityReason>>;
}

/** An eligibility answer; settingsVersion defaults to the user's current version. */
export interface FakeDecision {
  allowed: boolean;
  reason: consent.EligibilityReason;
  settingsVersion?: string;
}

export type Decide = (query: consent.EligibilityQuery) => FakeDecision;

interface UserState {
  settings: FakeSettings;
  eligibility: Partial<Record<common.Purpose, consent.EligibilityReason>>;
}

/**
 * A stand-in ConsentService for tests and benchmarks: a real gRPC server on 127.0.0.1 answering
 * GetSettings, CheckEligibility and BatchCheckEligibility from per-user state the test changes
 * between calls. Unknown users are adult, in the US, with everything allowed, at version '1'.
 */
export class FakeConsentService extends FakeDependency {
  private readonly users = new Map<string, UserState>();
  private server?: GrpcServer;
  address = '';
  batchCalls = 0;
  /** Every eligibility query received (single and batched), in order. */
  readonly queries: consent.EligibilityQuery[] = [];
  /** How eligibility is decided; replace it to script answers. */
  decide: Decide = (query) => this.eligibilityOf(query.userId, query.purpose, query.sourceKind);

  /** Replaces the user's settings overlay as given (no version bump). */
  set(userId: string, settings: FakeSettings): this {
    this.state(userId).settings = settings;
    return this;
  }

  /** Applies the change and bumps the version, like UpdateSettings would. */
  update(userId: string, change: FakeUserChange): this {
    const state = this.state(userId);
    const current = this.settingsOf(userId);
    const next: FakeSettings = { ...state.settings, version: String(Number(current.version) + 1) };
    if (change.linkedSurfaces) next.linkedAccounts = change.linkedSurfaces.map((surface) => ({ surface, accountId: `${userId}-${surface}`, linkTime: new Date(0) }));
    if (change.crossAppSharing !== undefined) {
      next.crossAppSharing = change.crossAppSharing ? consent.Choice.CHOICE_UNSPECIFIED : consent.Choice.CHOICE_OPT_OUT;
      next.effective = { aiChatAdsEnabled: true, aiChatContentEnabled: true, ...current.effective, crossAppSharingEnabled: change.crossAppSharing };
    }
    if (change.ageBand !== undefined) next.ageBand = change.ageBand;
    if (change.region !== undefined) next.region = change.region;
    if (change.blockedTopicIds) next.adPreferences = { ...next.adPreferences, blockedTopicIds: change.blockedTopicIds };
    if (change.showMoreTopicIds) next.feedControls = { ...next.feedControls, showMoreTopicIds: change.showMoreTopicIds };
    if (change.showLessTopicIds) next.feedControls = { ...next.feedControls, showLessTopicIds: change.showLessTopicIds };
    if (change.nonPersonalizedFeed !== undefined) next.feedControls = { ...next.feedControls, nonPersonalizedFeed: change.nonPersonalizedFeed };
    if (change.eligibility) state.eligibility = change.eligibility;
    state.settings = next;
    return this;
  }

  /** The full Settings GetSettings answers for the user. */
  settingsOf(userId: string): consent.Settings {
    const custom = this.users.get(userId)?.settings ?? {};
    return {
      userId,
      aiChatAds: consent.Choice.CHOICE_UNSPECIFIED,
      aiChatContent: consent.Choice.CHOICE_UNSPECIFIED,
      crossAppSharing: consent.Choice.CHOICE_UNSPECIFIED,
      effective: { aiChatAdsEnabled: true, aiChatContentEnabled: true, crossAppSharingEnabled: true },
      linkedAccounts: [],
      region: 'US',
      ageBand: consent.AgeBand.AGE_BAND_ADULT,
      version: '1',
      updateTime: new Date(0),
      ...custom,
      adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: [], seeFewerTopicIds: [], ...custom.adPreferences },
      feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: [], ...custom.feedControls },
    };
  }

  /**
   * The default decision: no ads for minors, then (AI-chat data only) the per-purpose override,
   * else allowed.
   */
  eligibilityOf(userId: string, purpose: common.Purpose, sourceKind = common.SourceKind.SOURCE_KIND_UNSPECIFIED): Required<FakeDecision> {
    const settings = this.settingsOf(userId);
    const aiChat = sourceKind === common.SourceKind.SOURCE_KIND_UNSPECIFIED || sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT;
    const reason =
      purpose === common.Purpose.PURPOSE_ADS && settings.ageBand === consent.AgeBand.AGE_BAND_MINOR
        ? consent.EligibilityReason.ELIGIBILITY_REASON_MINOR
        : ((aiChat ? this.users.get(userId)?.eligibility[purpose] : undefined) ?? consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED);
    return { allowed: reason === consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED, reason, settingsVersion: settings.version };
  }

  /** Listens on 127.0.0.1 (port 0 picks a free one; again after a stop, to "come back"). */
  async start(port = 0): Promise<string> {
    const server = new GrpcServer({
      services: [
        {
          name: 'signalpath.consent.v1.ConsentService',
          definition: consent.ConsentServiceService,
          implementation: {
            getSettings: unary<consent.GetSettingsRequest, consent.GetSettingsResponse>(async (request) => {
              await this.gate();
              return { settings: this.settingsOf(request.userId) };
            }),
            checkEligibility: unary<consent.CheckEligibilityRequest, consent.CheckEligibilityResponse>(async (request) => {
              this.queries.push(request);
              await this.gate();
              const { allowed, reason, settingsVersion } = this.answer(request);
              return { allowed, reason, settingsVersion };
            }),
            batchCheckEligibility: unary<consent.BatchCheckEligibilityRequest, consent.BatchCheckEligibilityResponse>(async (request) => {
              this.batchCalls++;
              this.queries.push(...request.queries);
              await this.gate();
              return { decisions: request.queries.map((query) => this.answer(query)) };
            }),
          },
        },
      ],
    });
    const bound = await server.listen('127.0.0.1', port);
    server.setServing(true);
    this.server = server;
    this.address = `127.0.0.1:${bound}`;
    return this.address;
  }

  /** Graceful: in-flight calls get up to half a second to finish. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.shutdown(500);
    this.releaseDelayed();
  }

  /** Stops at once, like a crashed service: in-flight calls are cut off, later ones refused. */
  async crash(): Promise<void> {
    this.server?.server.forceShutdown();
    this.server = undefined;
    this.releaseDelayed();
  }

  private state(userId: string): UserState {
    let state = this.users.get(userId);
    if (!state) this.users.set(userId, (state = { settings: {}, eligibility: {} }));
    return state;
  }

  private answer(query: consent.EligibilityQuery): consent.EligibilityDecision {
    const { allowed, reason, settingsVersion } = this.decide(query);
    return { allowed, reason, settingsVersion: settingsVersion ?? this.settingsOf(query.userId).version, userId: query.userId, purpose: query.purpose, surface: query.surface };
  }
}
