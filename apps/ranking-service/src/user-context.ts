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
import { PROTO_SURFACE, SOURCE_KIND_OF, SURFACE_OF } from './items';
import { profileAiChatReason, profileReason, settingsFacts } from './mapping';

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
 * Reads what a ranking needs about the user with one ProfileService call (GetReadContext: the
 * consent settings and a profile per purpose), bounded below the caller's deadline. A failure
 * degrades instead of failing the RPC. When ProfileService fails or has not answered within half
 * the budget, the settings are read from ConsentService directly: the purposes then rank without
 * the profile but with the user's blocks. Without settings the blocks are unknown, so the context
 * says so (UNKNOWN_PREFERENCES: no ad is shown). Settings read earlier are never used instead:
 * they may predate a block, and a fresh process or an unseen user has none, so a "no" would hold
 * only sometimes.
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
    const wanted = (['ADS', 'CONTENT'] as const).filter((purpose) => purposes.has(purpose));
    const contextRead =
      wanted.length === 0
        ? Promise.resolve(UNAVAILABLE)
        : this.profileClient
            .getReadContext(
              { userId, surface: PROTO_SURFACE[surface], purposes: wanted.map((purpose) => PURPOSE_PROTO[purpose]), limit: this.options.profileInterestLimit },
              { parent: call, timeoutMs: budget },
            )
            .then(
              (response) => (response.settings ? response : this.unavailable('profile', new Error('GetReadContext answered without settings'))),
              (error: unknown) => this.unavailable('profile', error),
            );
    // The hedge: settings from ConsentService if the context fails or is slow (one extra call at most).
    let settingsRead: Promise<consent.Settings | Unavailable> | undefined;
    const readSettings = () => {
      const left = dependencyBudgetMs(call, this.options.dependencyTimeoutMs);
      settingsRead ??=
        left < 1
          ? Promise.resolve(UNAVAILABLE)
          : this.consentClient.getSettings({ userId }, { parent: call, timeoutMs: left }).then(
              (response) => response.settings ?? UNAVAILABLE,
              (error: unknown) => this.unavailable('consent', error),
            );
      return settingsRead;
    };
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(resolve, Math.floor(budget / 2), 'slow')));
    let first = await Promise.race([contextRead, slow]);
    clearTimeout(timer);
    if (first === 'slow') {
      void readSettings(); // in flight while the context may still answer first
      first = await contextRead;
    }
    if (first !== UNAVAILABLE) {
      const reads: Record<Purpose, ProfileRead | Unavailable> = { ADS: UNAVAILABLE, CONTENT: UNAVAILABLE };
      for (const read of first.profiles) {
        const purpose = read.purpose === common.Purpose.PURPOSE_ADS ? 'ADS' : read.purpose === common.Purpose.PURPOSE_CONTENT ? 'CONTENT' : undefined;
        if (purpose && purposes.has(purpose)) reads[purpose] = toProfileRead(read);
      }
      return contextOf(first.settings as consent.Settings, reads, new Set(first.hiddenItemIds));
    }
    const settings = await readSettings();
    if (settings === UNAVAILABLE) return DEGRADED;
    return contextOf(settings, { ADS: UNAVAILABLE, CONTENT: UNAVAILABLE }, new Set());
  }

  private unavailable(dependency: 'consent' | 'profile', error: unknown): Unavailable {
    const code = isGrpcServiceError(error) ? status[error.code] : error instanceof Error ? error.name : 'unknown';
    this.logger.warn({ dependency, code }, 'dependency call failed; ranking without the profile');
    return UNAVAILABLE;
  }
}

function contextOf(settings: consent.Settings, reads: Record<Purpose, ProfileRead | Unavailable>, hiddenItemIds: ReadonlySet<string>): UserContext {
  const consentView: ConsentView = settingsFacts(settings);
  return {
    profiles: { ADS: profileViewFor('ADS', consentView, reads.ADS), CONTENT: profileViewFor('CONTENT', consentView, reads.CONTENT) },
    preferences: toPreferences(settings),
    hiddenItemIds,
  };
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

function toProfileRead(response: Pick<profile.PurposeProfile, 'personalized' | 'notPersonalizedReason' | 'interests' | 'aiChatNotUsedReason'>): ProfileRead {
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
