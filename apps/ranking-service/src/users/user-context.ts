import { status } from '@grpc/grpc-js';
import { deadlineMsOf, isGrpcServiceError, type ParentCall } from '@signalpath/grpc-kit';
import { common, consent, profile } from '@signalpath/proto';
import {
  UNAVAILABLE,
  UNKNOWN_PREFERENCES,
  profileViewFor,
  type ConsentView,
  type Interest,
  type InterestSource,
  type ProfileRead,
  type ProfileView,
  type Purpose,
  type Surface,
  type Unavailable,
  type UserPreferences,
} from '@signalpath/ranking-model';
import type { ConsentClient, ProfileClient } from '@signalpath/service-clients';
import type { Logger } from '@signalpath/telemetry';
import { PROTO_SURFACE, SOURCE_KIND_OF, SURFACE_OF } from '../mapping';
import { profileAiChatReason, profileReason, settingsFacts } from '../mapping';

/** Everything about the user a ranking needs: a profile view per purpose and the preferences. */
export interface UserContext {
  profiles: Record<Purpose, ProfileView>;
  preferences: UserPreferences;
  /**
   * Items the user marked "not interested" (ProfileService's hidden_item_ids). Empty when no
   * profile read answered: a mark cannot be known then, and hiding is not a privacy promise.
   */
  hiddenItemIds: ReadonlySet<string>;
}

export interface UserContextOptions {
  /** Upper bound for each dependency call; the caller's deadline lowers it. */
  dependencyTimeoutMs: number;
  profileInterestLimit: number;
}

const PURPOSE_PROTO: Record<Purpose, common.Purpose> = { ADS: common.Purpose.PURPOSE_ADS, CONTENT: common.Purpose.PURPOSE_CONTENT };

const DEGRADED_VIEW: ProfileView = Object.freeze({ personalized: false, reason: 'DEGRADED' });
/** ConsentService did not answer: no profile, and blocks unknown (no ads). */
const DEGRADED: UserContext = Object.freeze({ profiles: Object.freeze({ ADS: DEGRADED_VIEW, CONTENT: DEGRADED_VIEW }), preferences: UNKNOWN_PREFERENCES, hiddenItemIds: new Set<string>() });

/** Part of the caller's remaining time kept for the ranking itself and the answer. */
function reserveMs(remainingMs: number): number {
  return Math.min(100, Math.max(5, remainingMs * 0.25));
}

/** How long dependency calls may take: the configured bound, less if the caller's deadline is near. */
export function dependencyBudgetMs(call: ParentCall | undefined, configuredMs: number, now = Date.now()): number {
  const deadlineMs = deadlineMsOf(call);
  if (!Number.isFinite(deadlineMs)) return configuredMs;
  const remaining = deadlineMs - now;
  return Math.floor(Math.min(configuredMs, remaining - reserveMs(remaining)));
}

/**
 * Reads the user's consent settings and profiles, in parallel, each call bounded below the
 * caller's deadline. Any failure of ConsentService or ProfileService (unreachable, deadline,
 * error) degrades instead of failing the RPC: the affected purposes rank without the profile.
 * Without settings the user's blocks are unknown, so the context says so (UNKNOWN_PREFERENCES:
 * no ad is shown). Settings read earlier are never used instead: they may predate a block, and
 * a fresh process or an unseen user has none, so a "no" would hold only sometimes.
 */
export class UserContextLoader {
  constructor(
    private readonly consentClient: ConsentClient,
    private readonly profileClient: ProfileClient,
    private readonly logger: Logger,
    private readonly options: UserContextOptions,
  ) {}

  async load(userId: string, surface: Surface, purposes: ReadonlySet<Purpose>, call: ParentCall): Promise<UserContext> {
    const budget = dependencyBudgetMs(call, this.options.dependencyTimeoutMs);
    if (budget < 1) {
      this.logger.warn({ user_id: userId, budget_ms: budget }, 'no time left for dependencies; ranking without the profile');
      return DEGRADED;
    }
    const overrides = { parent: call, timeoutMs: budget };
    const settingsRead = this.consentClient.getSettings({ userId }, overrides).then(
      (response) => response.settings ?? UNAVAILABLE,
      (error: unknown) => this.unavailable('consent', error),
    );
    const hiddenItemIds = new Set<string>();
    const profileReads = (['ADS', 'CONTENT'] as const).map((purpose) =>
      purposes.has(purpose)
        ? this.profileClient
            .getProfile({ userId, surface: PROTO_SURFACE[surface], purpose: PURPOSE_PROTO[purpose], limit: this.options.profileInterestLimit }, overrides)
            .then(
              (response) => {
                for (const itemId of response.hiddenItemIds ?? []) hiddenItemIds.add(itemId);
                return toProfileRead(response);
              },
              (error: unknown) => this.unavailable('profile', error),
            )
        : Promise.resolve(UNAVAILABLE),
    );
    const [settings, adsRead, contentRead] = await Promise.all([settingsRead, ...profileReads]);
    if (settings === UNAVAILABLE) return DEGRADED;

    const preferences = toPreferences(settings);
    const consentView: ConsentView = settingsFacts(settings);
    return {
      profiles: { ADS: profileViewFor('ADS', consentView, adsRead), CONTENT: profileViewFor('CONTENT', consentView, contentRead) },
      preferences,
      hiddenItemIds,
    };
  }

  private unavailable(dependency: 'consent' | 'profile', error: unknown): Unavailable {
    const code = isGrpcServiceError(error) ? status[error.code] : error instanceof Error ? error.name : 'unknown';
    this.logger.warn({ dependency, code }, 'dependency call failed; ranking without the profile');
    return UNAVAILABLE;
  }
}

function toPreferences(settings: consent.Settings): UserPreferences {
  return {
    blockedAdTopicIds: settings.adPreferences?.blockedTopicIds ?? [],
    blockedAdvertiserIds: settings.adPreferences?.blockedAdvertiserIds ?? [],
    seeFewerAdTopicIds: settings.adPreferences?.seeFewerTopicIds ?? [],
    showMoreTopicIds: settings.feedControls?.showMoreTopicIds ?? [],
    showLessTopicIds: settings.feedControls?.showLessTopicIds ?? [],
  };
}

function toProfileRead(response: profile.GetProfileResponse): ProfileRead {
  if (!response.personalized) return { personalized: false, reason: profileReason(response.notPersonalizedReason) };
  const interests: Interest[] = [];
  for (const interest of response.interests) {
    const topicId = interest.topic?.id;
    if (!topicId) continue;
    const sources: InterestSource[] = [];
    for (const source of interest.sources) {
      const sourceSurface = SURFACE_OF[source.surface];
      if (!sourceSurface) continue;
      sources.push({ surface: sourceSurface, sourceKind: SOURCE_KIND_OF[source.sourceKind] ?? 'UNSPECIFIED', ...(source.lastTime ? { lastTime: source.lastTime } : {}) });
    }
    interests.push({ topicId, score: interest.score, sources });
  }
  const aiChatNotUsed = profileAiChatReason(response.aiChatNotUsedReason);
  return { personalized: true, interests, ...(aiChatNotUsed ? { aiChatNotUsed } : {}) };
}
