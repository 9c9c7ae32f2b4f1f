import { mayOptInToAds, normalizeRegion, resolveUpdateMask, type SettingsLeafPath } from '@signalpath/consent-policy';
import { FailedPreconditionError, InvalidArgumentError, maxItems, optionalEnum, optionalTime, requireEnum, requireId } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';
import { ageBandName, choiceName } from './mapping';
import type { SettingsDoc } from './store/documents';
import { settingsTopicProblem, type TopicList } from './topics/topic-directory';

/** Upper bound for each repeated settings field (topic and advertiser lists). */
export const MAX_LIST_ITEMS = 1_000;

/** expected_version: a non-negative int64 in decimal (ts-proto's int64 string). */
export function parseVersion(value: string | undefined, field: string): number {
  const text = value ?? '0';
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(field, 'must be a non-negative version');
  return Number(text);
}

export function resolveMask(paths: string[] | undefined): SettingsLeafPath[] {
  const resolution = resolveUpdateMask(paths ?? []);
  if (!resolution.ok) {
    throw new InvalidArgumentError(resolution.index < 0 ? 'update_mask' : `update_mask.paths[${resolution.index}]`, resolution.problem);
  }
  return resolution.paths;
}

function topicIds(values: string[], field: string, list: TopicList): string[] {
  maxItems(values, field, MAX_LIST_ITEMS);
  values.forEach((id, index) => {
    // The same rule ListTopics and SearchTopics report as ads_blockable / feed_controllable.
    const problem = settingsTopicProblem(id, list);
    if (problem) throw new InvalidArgumentError(`${field}[${index}]`, problem);
  });
  return [...new Set(values)];
}

function advertiserIds(values: string[], field: string): string[] {
  maxItems(values, field, MAX_LIST_ITEMS);
  values.forEach((id, index) => requireId(id, `${field}[${index}]`));
  return [...new Set(values)];
}

/**
 * The settings after applying the masked fields of `input` to `current`, validated field by field
 * (errors name the field, e.g. `settings.ad_preferences.blocked_topic_ids[2]`). Fields outside the
 * mask are ignored, as the API says.
 */
export function applyMasked(current: SettingsDoc, input: consent.Settings | undefined, paths: readonly SettingsLeafPath[]): SettingsDoc {
  const source = input ?? consent.Settings.fromPartial({});
  const next: SettingsDoc = {
    ...current,
    ad_preferences: { ...current.ad_preferences },
    feed_controls: { ...current.feed_controls },
  };
  for (const path of paths) {
    const field = `settings.${path}`;
    switch (path) {
      case 'ai_chat_ads':
        optionalEnum(source.aiChatAds, consent.Choice, field);
        next.ai_chat_ads = choiceName(source.aiChatAds);
        break;
      case 'ai_chat_content':
        optionalEnum(source.aiChatContent, consent.Choice, field);
        next.ai_chat_content = choiceName(source.aiChatContent);
        break;
      case 'cross_app_sharing':
        optionalEnum(source.crossAppSharing, consent.Choice, field);
        next.cross_app_sharing = choiceName(source.crossAppSharing);
        break;
      case 'region': {
        const region = normalizeRegion(source.region);
        if (region === undefined) throw new InvalidArgumentError(field, 'must be an ISO 3166-1 alpha-2 code such as "US", or empty for unknown');
        next.region = region;
        break;
      }
      case 'age_band':
        next.age_band = ageBandName(requireEnum(source.ageBand, consent.AgeBand, field));
        break;
      case 'ad_preferences.blocked_topic_ids':
        next.ad_preferences.blocked_topic_ids = topicIds(source.adPreferences?.blockedTopicIds ?? [], field, 'ADS');
        break;
      case 'ad_preferences.blocked_advertiser_ids':
        next.ad_preferences.blocked_advertiser_ids = advertiserIds(source.adPreferences?.blockedAdvertiserIds ?? [], field);
        break;
      case 'ad_preferences.see_fewer_topic_ids':
        next.ad_preferences.see_fewer_topic_ids = topicIds(source.adPreferences?.seeFewerTopicIds ?? [], field, 'ADS');
        break;
      case 'feed_controls.non_personalized_feed':
        next.feed_controls.non_personalized_feed = source.feedControls?.nonPersonalizedFeed ?? false;
        break;
      case 'feed_controls.show_more_topic_ids':
        next.feed_controls.show_more_topic_ids = topicIds(source.feedControls?.showMoreTopicIds ?? [], field, 'FEED');
        break;
      case 'feed_controls.show_less_topic_ids':
        next.feed_controls.show_less_topic_ids = topicIds(source.feedControls?.showLessTopicIds ?? [], field, 'FEED');
        break;
    }
  }
  if (paths.includes('ai_chat_ads') && next.ai_chat_ads === 'OPT_IN' && !mayOptInToAds(next.age_band)) {
    throw new FailedPreconditionError('a minor cannot opt in to AI-chat ads personalization', 'MINOR_ADS_OPT_IN', { field: 'ai_chat_ads' });
  }
  return next;
}

/** BatchCheckEligibility's bound on queries. */
export const MAX_BATCH_QUERIES = 500;

type EligibilityQuery = consent.CheckEligibilityRequest | consent.EligibilityQuery;

export interface ValidQuery {
  userId: string;
  surface: common.Surface;
  purpose: common.Purpose;
  sourceKind?: common.SourceKind;
  eventTime?: Date;
  endToEndEncrypted: boolean;
}

/**
 * An event time, when given, must be a valid Timestamp and not more than the clock skew ahead of
 * now: no interaction happens in the future, and a time far ahead must not pass for "after the
 * effective date".
 */
export function validateEligibilityQuery(query: EligibilityQuery, prefix: string, now: Date): ValidQuery {
  return {
    userId: requireId(query.userId, `${prefix}user_id`),
    surface: requireEnum(query.surface, common.Surface, `${prefix}surface`),
    purpose: requireEnum(query.purpose, common.Purpose, `${prefix}purpose`),
    sourceKind: optionalEnum(query.sourceKind, common.SourceKind, `${prefix}source_kind`),
    eventTime: optionalTime(query.eventTime, `${prefix}event_time`, { now }),
    endToEndEncrypted: query.endToEndEncrypted,
  };
}
