import type { ServerUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, requireEnum, requireId } from '@signalpath/grpc-kit';
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
import { common, type consent, profile } from '@signalpath/proto';
import { getTaxonomy } from '@signalpath/taxonomy';

import type { ConsentGate } from '../consent/consent-gate';
import { purposeName, reasonProto, settingsFacts, sourceKindsOf } from '../mapping';
import { stripCutEvidence, type CorrectionsDocument, type CorrectionsStore } from '../store/corrections-store';
import { storedInterestsOf, type ProfileDocument, type ProfileStore } from '../store/profile-store';
import { toApiInterest } from './interests';

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

/** One purpose's profile after the read-time rules. */
type PurposeOutcome =
  | { personalized: false; reason: profile.NotPersonalizedReason }
  | { personalized: true; interests: RankedInterest[]; aiChatNotUsed: profile.NotPersonalizedReason };

/** A read of one user on one surface: the settings it was decided on and one outcome per purpose. */
interface ReadContext {
  settings: consent.Settings;
  purposes: PurposeOutcome[];
  hiddenItemIds: string[];
}

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
 * The read-time rules shared by GetProfile, ExplainInterest and GetReadContext: the
 * personalization decision per purpose (consent, fail closed: which source kinds the purpose may
 * use), then the visible source surfaces, the purpose's scores, blocked ad topics with their
 * descendants, feed controls for content, decay to now. One settings lookup and one read of the
 * stored profile serve every purpose.
 */
async function readContext(
  deps: ProfileReadDeps,
  request: { userId: string; surface: common.Surface; purposes: readonly common.Purpose[]; onlyTopicId?: string; limit?: number },
  call: ServerUnaryCall<unknown, unknown>,
): Promise<ReadContext> {
  const [{ settings, aiChat }, corrections] = await Promise.all([
    deps.consent.readPurposes(request.userId, request.surface, request.purposes, call),
    deps.corrections.get(request.userId),
  ]);
  const hiddenItemIds = (corrections?.not_interested ?? []).map((mark) => mark.item_id);
  const facts = settingsFacts(settings);
  const decided = request.purposes.map((purposeProto, index) => {
    const purpose = purposeName(purposeProto);
    return { purpose, decision: decidePersonalization({ purpose, settings: facts, aiChat: aiChat[index] }) };
  });
  const notPersonalized = decided.map(({ decision }): PurposeOutcome | undefined => (decision.personalized ? undefined : { personalized: false, reason: reasonProto(decision.reason) }));
  if (notPersonalized.every((outcome) => outcome !== undefined)) return { settings, hiddenItemIds, purposes: notPersonalized as PurposeOutcome[] };

  const visible = visibleSourceSurfaces(
    request.surface,
    settings.linkedAccounts.map((account) => account.surface),
    settings.effective?.crossAppSharingEnabled ?? false,
  );
  const stored = (await deps.profiles.read(request.userId, visible)).flatMap((document) => storedInterestsOf(withoutRemoved(document, corrections)));
  const feed = settings.feedControls;
  const purposes = decided.map(({ purpose, decision }, index): PurposeOutcome => {
    if (!decision.personalized) return notPersonalized[index] as PurposeOutcome;
    const notInterested = notInterestedAdjuster(corrections, purpose === 'ADS' ? 'ads' : 'content', deps.notInterestedFactor);
    const feedAdjust = purpose === 'ADS' ? undefined : feedControlAdjuster({ showMoreTopicIds: feed?.showMoreTopicIds ?? [], showLessTopicIds: feed?.showLessTopicIds ?? [] }, deps.feedControlFactors);
    const adjust = notInterested && feedAdjust ? (topicId: string) => feedAdjust(topicId) * notInterested(topicId) : (notInterested ?? feedAdjust);
    const interests = buildInterests(stored, {
      view: purpose,
      nowMs: deps.now().getTime(),
      halfLifeMs: deps.halfLifeMs,
      visibleSurfaces: visible,
      usableSourceKinds: sourceKindsOf(decision.sources),
      ...(purpose === 'ADS' ? { excludedTopicIds: blockedTopicSet(settings.adPreferences?.blockedTopicIds ?? []) } : {}),
      ...(adjust ? { adjust } : {}),
      ...(request.onlyTopicId !== undefined ? { onlyTopicId: request.onlyTopicId } : {}),
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
    });
    const aiChatNotUsed = decision.aiChatNotUsed ? reasonProto(decision.aiChatNotUsed) : profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;
    return { personalized: true, interests, aiChatNotUsed };
  });
  return { settings, hiddenItemIds, purposes };
}

/** A purpose's outcome as the API's fields (shared by GetProfile and GetReadContext). */
function purposeFields(outcome: PurposeOutcome) {
  const unspecified = profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;
  return outcome.personalized
    ? { interests: outcome.interests.map(toApiInterest), personalized: true, notPersonalizedReason: unspecified, aiChatNotUsedReason: outcome.aiChatNotUsed }
    : { interests: [], personalized: false, notPersonalizedReason: outcome.reason, aiChatNotUsedReason: unspecified };
}

function requireLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new InvalidArgumentError('limit', 'must not be negative');
  return normalizeLimit(limit);
}

export function getProfileHandler(deps: ProfileReadDeps) {
  return async (request: profile.GetProfileRequest, call: ServerUnaryCall<profile.GetProfileRequest, profile.GetProfileResponse>): Promise<profile.GetProfileResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const surface = requireEnum(request.surface, common.Surface, 'surface');
    const purpose = requireEnum(request.purpose, common.Purpose, 'purpose');
    const context = await readContext(deps, { userId, surface, purposes: [purpose], limit: requireLimit(request.limit) }, call);
    return { ...purposeFields(context.purposes[0]), settingsVersion: context.settings.version, hiddenItemIds: context.hiddenItemIds };
  };
}

const BOTH_PURPOSES = [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT] as const;

export function getReadContextHandler(deps: ProfileReadDeps) {
  return async (
    request: profile.GetReadContextRequest,
    call: ServerUnaryCall<profile.GetReadContextRequest, profile.GetReadContextResponse>,
  ): Promise<profile.GetReadContextResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const surface = requireEnum(request.surface, common.Surface, 'surface');
    const purposes = request.purposes.length === 0 ? [...BOTH_PURPOSES] : request.purposes.map((purpose, index) => requireEnum(purpose, common.Purpose, `purposes[${index}]`));
    const repeated = purposes.findIndex((purpose, index) => purposes.indexOf(purpose) !== index);
    if (repeated >= 0) throw new InvalidArgumentError(`purposes[${repeated}]`, 'repeats an earlier purpose');
    const context = await readContext(deps, { userId, surface, purposes, limit: requireLimit(request.limit) }, call);
    return {
      settings: context.settings,
      profiles: context.purposes.map((outcome, index) => ({ purpose: purposes[index], ...purposeFields(outcome) })),
      hiddenItemIds: context.hiddenItemIds,
    };
  };
}

export function explainInterestHandler(deps: ProfileReadDeps) {
  return async (
    request: profile.ExplainInterestRequest,
    call: ServerUnaryCall<profile.ExplainInterestRequest, profile.ExplainInterestResponse>,
  ): Promise<profile.ExplainInterestResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const topicId = requireId(request.topicId, 'topic_id');
    if (!getTaxonomy().has(topicId)) throw new InvalidArgumentError('topic_id', 'is not an IAB Content Taxonomy 3.1 id');
    const surface = requireEnum(request.surface, common.Surface, 'surface');
    const purpose = requireEnum(request.purpose, common.Purpose, 'purpose');
    const [outcome] = (await readContext(deps, { userId, surface, purposes: [purpose], onlyTopicId: topicId }, call)).purposes;
    const interest = outcome.personalized ? outcome.interests[0] : undefined;
    return interest ? { interest: toApiInterest(interest), present: true } : { interest: undefined, present: false };
  };
}
