// A tiny in-process fake of ProfileService (GetProfile) for the ranking tests and benchmark: a
// real gRPC server on port 0 that can be slowed down or stopped. (ConsentService's fake is the
// shared FakeConsentService in @signalpath/testing.)
import { GrpcServer, ResourceExhaustedError, unary } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { FakeDependency } from '@signalpath/testing';

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

export interface FakeInterest {
  topicId: string;
  score: number;
  sources?: Array<{ surface: common.Surface; sourceKind: common.SourceKind; lastTime?: Date }>;
}

/** ProfileService fake: GetProfile per (user, purpose); records each request. */
export class FakeProfile extends FakeServer {
  private readonly profiles = new Map<string, profile.GetProfileResponse>();
  readonly requests: profile.GetProfileRequest[] = [];
  /** The deadline each GetProfile call arrived with (ms since epoch; Infinity when none). */
  readonly deadlines: number[] = [];

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
  /** When set, a new mark past this many is refused as ProfileService does (NOT_INTERESTED_LIMIT). */
  markLimit?: number;

  /** Makes the read for the user and purpose answer "not personalized" with the reason. */
  setNotPersonalized(userId: string, purpose: common.Purpose, reason: profile.NotPersonalizedReason): this {
    this.profiles.set(`${userId}|${purpose}`, { interests: [], personalized: false, notPersonalizedReason: reason, settingsVersion: '1', aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED, hiddenItemIds: [] });
    return this;
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
              const deadline = call.getDeadline();
              this.deadlines.push(deadline instanceof Date ? deadline.getTime() : Number(deadline));
              await this.gate();
              const stored = this.profiles.get(`${request.userId}|${request.purpose}`) ?? {
                interests: [],
                personalized: true,
                notPersonalizedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
                settingsVersion: '1',
                aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
                hiddenItemIds: [],
              };
              return { ...stored, hiddenItemIds: [...(this.marks.get(request.userId)?.keys() ?? [])] };
            }),
            markItemNotInterested: unary(async (request: profile.MarkItemNotInterestedRequest): Promise<profile.MarkItemNotInterestedResponse> => {
              await this.gate();
              const marks = this.marks.get(request.userId) ?? new Map<string, profile.MarkItemNotInterestedRequest>();
              if (this.markLimit !== undefined && !marks.has(request.itemId) && marks.size >= this.markLimit) {
                throw new ResourceExhaustedError('limit reached', 'NOT_INTERESTED_LIMIT', { limit: String(this.markLimit) });
              }
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
