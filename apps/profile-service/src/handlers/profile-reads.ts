import type { ServerUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, requireEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { decidePersonalization } from '@signalpath/domain';
import {
  blockedTopicSet,
  buildInterests,
  feedControlAdjuster,
  normalizeLimit,
  visibleSourceSurfaces,
  type FeedControlFactors,
  type RankedInterest,
} from '@signalpath/interest-profile';
import { common, profile } from '@signalpath/proto';

import type { ConsentGate } from '../consent/consent-gate';
import { purposeName, reasonProto, settingsFacts, sourceKindsOf, toApiInterest } from '../mapping';
import { stripCutEvidence, type CorrectionsDocument, type CorrectionsStore } from '../store/corrections-store';
import { storedInterestsOf, type ProfileDocument, type ProfileStore } from '../store/profile-store';
import { requireTopicId } from '../validation';

export interface ProfileReadDeps {
  consent: ConsentGate;
  profiles: ProfileStore;
  corrections: CorrectionsStore;
  halfLifeMs: number;
  feedControlFactors: FeedControlFactors;
  /** Score multiplier per active "not interested" mark on a topic (PROFILE_NOT_INTERESTED_PERCENT). */
  notInterestedFactor: number;
  now: () => Date;
}

type ReadOutcome = (
  | { personalized: false; reason: profile.NotPersonalizedReason; settingsVersion: string }
  | { personalized: true; interests: RankedInterest[]; settingsVersion: string; aiChatNotUsed: profile.NotPersonalizedReason }
) & { hiddenItemIds: string[] };

/**
 * The score multiplier of the user's "not interested" marks for a purpose: each active mark on a
 * topic multiplies its score by `factor` (two marks on one topic: factor²); exact topics only.
 */
function notInterestedAdjuster(corrections: CorrectionsDocument | undefined, purpose: 'ads' | 'content', factor: number): ((topicId: string) => number) | undefined {
  const marks = new Map<string, number>();
  for (const mark of corrections?.not_interested ?? []) {
    if (mark.purpose !== purpose) continue;
    for (const topicId of new Set(mark.topic_ids)) marks.set(topicId, (marks.get(topicId) ?? 0) + 1);
  }
  if (marks.size === 0) return undefined;
  return (topicId) => Math.pow(factor, marks.get(topicId) ?? 0);
}

/** Removed interests are left out at read even if a strip was interrupted (a crash after the cut). */
function withoutRemoved(document: ProfileDocument, corrections: CorrectionsDocument | undefined): ProfileDocument {
  const kinds = stripCutEvidence(document, corrections);
  return kinds ? { ...document, kinds } : document;
}

/**
 * The read-time rules shared by GetProfile and ExplainInterest: the personalization decision
 * (consent, fail closed: which source kinds the purpose may use), then the visible source surfaces, the purpose's scores, blocked ad topics with their descendants,
 * feed controls for content, decay to now.
 */
async function readProfile(
  deps: ProfileReadDeps,
  request: { userId: string; surface: common.Surface; purpose: common.Purpose; onlyTopicId?: string; limit?: number },
  call: ServerUnaryCall<unknown, unknown>,
): Promise<ReadOutcome> {
  const [{ settings, aiChat }, corrections] = await Promise.all([deps.consent.read(request.userId, request.surface, request.purpose, call), deps.corrections.get(request.userId)]);
  const hiddenItemIds = (corrections?.not_interested ?? []).map((mark) => mark.item_id);
  const purpose = purposeName(request.purpose);
  const decision = decidePersonalization({ purpose, settings: settingsFacts(settings), aiChat });
  if (!decision.personalized) return { personalized: false, reason: reasonProto(decision.reason), settingsVersion: settings.version, hiddenItemIds };

  const visible = visibleSourceSurfaces(
    request.surface,
    settings.linkedAccounts.map((account) => account.surface),
    settings.effective?.crossAppSharingEnabled ?? false,
  );
  const documents = await deps.profiles.read(request.userId, visible);
  const feed = settings.feedControls;
  const notInterested = notInterestedAdjuster(corrections, purpose === 'ADS' ? 'ads' : 'content', deps.notInterestedFactor);
  const feedAdjust = purpose === 'ADS' ? undefined : feedControlAdjuster({ showMoreTopicIds: feed?.showMoreTopicIds ?? [], showLessTopicIds: feed?.showLessTopicIds ?? [] }, deps.feedControlFactors);
  const adjust = notInterested && feedAdjust ? (topicId: string) => feedAdjust(topicId) * notInterested(topicId) : (notInterested ?? feedAdjust);
  const interests = buildInterests(
    documents.flatMap((document) => storedInterestsOf(withoutRemoved(document, corrections))),
    {
      view: purpose,
      nowMs: deps.now().getTime(),
      halfLifeMs: deps.halfLifeMs,
      visibleSurfaces: visible,
      usableSourceKinds: sourceKindsOf(decision.sources),
      ...(purpose === 'ADS' ? { excludedTopicIds: blockedTopicSet(settings.adPreferences?.blockedTopicIds ?? []) } : {}),
      ...(adjust ? { adjust } : {}),
      ...(request.onlyTopicId !== undefined ? { onlyTopicId: request.onlyTopicId } : {}),
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
    },
  );
  const aiChatNotUsed = decision.aiChatNotUsed ? reasonProto(decision.aiChatNotUsed) : profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;
  return { personalized: true, interests, settingsVersion: settings.version, aiChatNotUsed, hiddenItemIds };
}

export function getProfileHandler(deps: ProfileReadDeps) {
  return async (request: profile.GetProfileRequest, call: ServerUnaryCall<profile.GetProfileRequest, profile.GetProfileResponse>): Promise<profile.GetProfileResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const surface = requireEnum(request.surface, common.Surface, 'surface');
    const purpose = requireEnum(request.purpose, common.Purpose, 'purpose');
    if (!Number.isInteger(request.limit) || request.limit < 0) throw new InvalidArgumentError('limit', 'must not be negative');
    const outcome = await readProfile(deps, { userId, surface, purpose, limit: normalizeLimit(request.limit) }, call);
    if (!outcome.personalized) {
      return {
        interests: [],
        personalized: false,
        notPersonalizedReason: outcome.reason,
        settingsVersion: outcome.settingsVersion,
        aiChatNotUsedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        hiddenItemIds: outcome.hiddenItemIds,
      };
    }
    return {
      interests: outcome.interests.map(toApiInterest),
      personalized: true,
      notPersonalizedReason: profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
      settingsVersion: outcome.settingsVersion,
      aiChatNotUsedReason: outcome.aiChatNotUsed,
      hiddenItemIds: outcome.hiddenItemIds,
    };
  };
}

export function explainInterestHandler(deps: ProfileReadDeps) {
  return async (
    request: profile.ExplainInterestRequest,
    call: ServerUnaryCall<profile.ExplainInterestRequest, profile.ExplainInterestResponse>,
  ): Promise<profile.ExplainInterestResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const topicId = requireTopicId(request.topicId, 'topic_id');
    const surface = requireEnum(request.surface, common.Surface, 'surface');
    const purpose = requireEnum(request.purpose, common.Purpose, 'purpose');
    const outcome = await readProfile(deps, { userId, surface, purpose, onlyTopicId: topicId }, call);
    const interest = outcome.personalized ? outcome.interests[0] : undefined;
    return interest ? { interest: toApiInterest(interest), present: true } : { interest: undefined, present: false };
  };
}

/** GetProfile and ExplainInterest. */
export function profileReadHandlers(deps: ProfileReadDeps) {
  return {
    getProfile: getProfileHandler(deps),
    explainInterest: explainInterestHandler(deps),
  } satisfies Handlers<profile.ProfileServiceServer>;
}
