// A tiny in-process fake of ProfileService (GetProfile, GetReadContext) for the ranking tests and
// benchmark: a real gRPC server on port 0 that can be slowed down or stopped. (ConsentService's fake
// is the shared FakeConsentService in @signalpath/testing.)
import { GrpcServer, UnavailableError, deadlineMsOf, unary } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { createConsentClient, type ConsentClient } from '@signalpath/service-clients';
import { FakeDependency, type FakeConsentService } from '@signalpath/testing';

abstract class FakeServer extends FakeDependency {
  protected server?: GrpcServer;
  address = '';

  protected abstract build(): GrpcServer;

  async start(port = 0): Promise<string> {
    this.server = this.build();
    const bound = await this.server.listen('127.0.0.1', port);
    this.server.setServing(true);
    this.address = `127.0.0.1:${bound}`;
    return this.address;
  }

  /** Stops at once: in-flight and later calls fail, like a crashed service. */
  async stop(): Promise<void> {
    this.server?.server.forceShutdown();
    this.server = undefined;
    this.releaseDelayed();
  }
}

const BOTH_PURPOSES = [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT];

export interface FakeInterest {
  topicId: string;
  score: number;
  sources?: Array<{ surface: common.Surface; sourceKind: common.SourceKind; lastTime?: Date }>;
}

/**
 * ProfileService fake: a profile per (user, purpose); records each purpose read. GetReadContext
 * reads the settings from the given ConsentService fake over gRPC, as the real service does, so a
 * stopped or failing consent fake makes it fail with UNAVAILABLE (fail closed) too.
 */
export class FakeProfile extends FakeServer {
  private readonly profiles = new Map<string, profile.GetProfileResponse>();
  /** One entry per purpose read, by GetProfile or GetReadContext. */
  readonly requests: profile.GetProfileRequest[] = [];
  readonly readContextRequests: profile.GetReadContextRequest[] = [];
  /** The deadline each call arrived with (ms since epoch; Infinity when none). */
  readonly deadlines: number[] = [];
  private consentClient?: ConsentClient;

  constructor(private readonly consent?: FakeConsentService) {
    super();
  }

  private stored(userId: string, purpose: common.Purpose): profile.GetProfileResponse {
    return (
      this.profiles.get(`${userId}|${purpose}`) ?? {
        interests: [],
        personalized: true,
        notPersonalizedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        settingsVersion: '1',
        aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        hiddenItemIds: [],
      }
    );
  }

  private hiddenItemIds(userId: string): string[] {
    return [...(this.marks.get(userId)?.keys() ?? [])];
  }

  /** Sets the interests returned for the user and purpose (any surface). */
  setInterests(userId: string, purpose: common.Purpose, interests: FakeInterest[]): this {
    this.profiles.set(`${userId}|${purpose}`, {
      interests: interests.map((interest) => ({
        topic: { id: interest.topicId, name: '', tier1: '' },
        score: interest.score,
        sources: (interest.sources ?? [{ surface: common.Surface.SURFACE_MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT }]).map((source) => ({
          surface: source.surface,
          sourceKind: source.sourceKind,
          lastTime: source.lastTime ?? new Date('2026-01-10T10:00:00Z'),
        })),
      })),
      personalized: true,
      notPersonalizedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
      settingsVersion: '1',
      aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
      hiddenItemIds: [],
    });
    return this;
  }

  /** "Not interested" marks per user, as MarkItemNotInterested recorded them (ProfileService stores them for real). */
  readonly marks = new Map<string, Map<string, profile.MarkItemNotInterestedRequest>>();

  /** Makes the read for the user and purpose answer "not personalized" with the reason. */
  setNotPersonalized(userId: string, purpose: common.Purpose, reason: profile.NotPersonalizedReason): this {
    this.profiles.set(`${userId}|${purpose}`, { interests: [], personalized: false, notPersonalizedReason: reason, settingsVersion: '1', aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED, hiddenItemIds: [] });
    return this;
  }

  override async stop(): Promise<void> {
    this.consentClient?.close();
    this.consentClient = undefined;
    await super.stop();
  }

  protected build(): GrpcServer {
    return new GrpcServer({
      services: [
        {
          name: 'signalpath.profile.v1.ProfileService',
          definition: profile.ProfileServiceService,
          implementation: {
            getProfile: unary(async (request: profile.GetProfileRequest, call): Promise<profile.GetProfileResponse> => {
              this.requests.push(request);
              this.deadlines.push(deadlineMsOf(call));
              await this.gate();
              return { ...this.stored(request.userId, request.purpose), hiddenItemIds: this.hiddenItemIds(request.userId) };
            }),
            getReadContext: unary(async (request: profile.GetReadContextRequest, call): Promise<profile.GetReadContextResponse> => {
              this.readContextRequests.push(request);
              const purposes = request.purposes.length > 0 ? request.purposes : BOTH_PURPOSES;
              for (const purpose of purposes) this.requests.push({ userId: request.userId, surface: request.surface, purpose, limit: request.limit });
              this.deadlines.push(deadlineMsOf(call));
              await this.gate();
              if (!this.consent) throw new UnavailableError('FakeProfile has no ConsentService fake to read settings from');
              this.consentClient ??= createConsentClient(this.consent.address);
              const { settings } = await this.consentClient.getSettings({ userId: request.userId }, { parent: call }).catch(() => {
                throw new UnavailableError('consent service unavailable; profile not served');
              });
              return {
                settings,
                profiles: purposes.map((purpose) => {
                  const { interests, personalized, notPersonalizedReason, aiChatNotUsedReason } = this.stored(request.userId, purpose);
                  return { purpose, interests, personalized, notPersonalizedReason, aiChatNotUsedReason };
                }),
                hiddenItemIds: this.hiddenItemIds(request.userId),
              };
            }),
            markItemNotInterested: unary(async (request: profile.MarkItemNotInterestedRequest): Promise<profile.MarkItemNotInterestedResponse> => {
              await this.gate();
              const marks = this.marks.get(request.userId) ?? new Map<string, profile.MarkItemNotInterestedRequest>();
              marks.set(request.itemId, request);
              this.marks.set(request.userId, marks);
              return { correction: undefined };
            }),
            undoItemNotInterested: unary(async (request: profile.UndoItemNotInterestedRequest): Promise<profile.UndoItemNotInterestedResponse> => {
              await this.gate();
              return { undone: this.marks.get(request.userId)?.delete(request.itemId) ?? false, correction: undefined };
            }),
          },
        },
      ],
    });
  }
}
