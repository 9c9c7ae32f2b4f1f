import { NOT_PERSONALIZED_REASONS, type AgeBand, type NotPersonalizedReason, type SettingsFacts } from '@signalpath/domain';
import { common, consent, profile, ranking } from '@signalpath/proto';
import type { ItemKind, RankableItem, SourceKind, Surface } from '@signalpath/ranking-model';
import { getTaxonomy } from '@signalpath/taxonomy';

/** Proto ↔ domain for this service: the personalization vocabulary and the catalog's enums and items. */

const REASON_TO_PROTO: Record<NotPersonalizedReason, ranking.NotPersonalizedReason> = {
  DEGRADED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_DEGRADED,
  NON_PERSONALIZED_FEED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_USER_CHOICE,
  MINOR: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_MINOR,
  AGE_UNKNOWN: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN,
  REGION_UNKNOWN: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN,
  REGION_EXCLUDED: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED,
  OPTED_OUT: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT,
  NOT_ELIGIBLE: ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE,
};

export const reasonProto = (reason: NotPersonalizedReason | undefined): ranking.NotPersonalizedReason =>
  reason ? REASON_TO_PROTO[reason] : ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED;

/** Keyed by a number from ProfileService's answer: a Map, so nothing but these is ever found. */
const PROFILE_REASON: ReadonlyMap<number, NotPersonalizedReason> = new Map<number, NotPersonalizedReason>([
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT, 'OPTED_OUT'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_MINOR, 'MINOR'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NON_PERSONALIZED_FEED, 'NON_PERSONALIZED_FEED'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_NOT_ELIGIBLE, 'NOT_ELIGIBLE'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN, 'REGION_UNKNOWN'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED, 'REGION_EXCLUDED'],
  [profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN, 'AGE_UNKNOWN'],
]);

/** ProfileService's reason; a refusal with a reason this version does not know stays a refusal. */
export const profileReason = (value: profile.NotPersonalizedReason): NotPersonalizedReason => PROFILE_REASON.get(value) ?? 'NOT_ELIGIBLE';
/** ProfileService's "AI-chat data left out" reason, if any. */
export const profileAiChatReason = (value: profile.NotPersonalizedReason): NotPersonalizedReason | undefined => PROFILE_REASON.get(value);

export function settingsFacts(settings: consent.Settings): SettingsFacts {
  const ageBand: AgeBand = settings.ageBand === consent.AgeBand.AGE_BAND_ADULT ? 'ADULT' : settings.ageBand === consent.AgeBand.AGE_BAND_MINOR ? 'MINOR' : 'UNKNOWN';
  return { ageBand, regionKnown: settings.region !== '', nonPersonalizedFeed: settings.feedControls?.nonPersonalizedFeed === true };
}

// Every domain reason has a ranking value (checked at load, so a new reason cannot be forgotten).
for (const reason of NOT_PERSONALIZED_REASONS) if (REASON_TO_PROTO[reason] === undefined) throw new Error(`no ranking reason for ${reason}`);

/** The ranking model's names → proto enums; the reverse maps below are derived, so they cannot drift. */
export const PROTO_SURFACE: Readonly<Record<Surface, common.Surface>> = {
  FACEBOOK: common.Surface.SURFACE_FACEBOOK,
  INSTAGRAM: common.Surface.SURFACE_INSTAGRAM,
  MESSENGER: common.Surface.SURFACE_MESSENGER,
  WHATSAPP: common.Surface.SURFACE_WHATSAPP,
};

const PROTO_KIND: Readonly<Record<ItemKind, ranking.ItemKind>> = {
  AD: ranking.ItemKind.ITEM_KIND_AD,
  POST: ranking.ItemKind.ITEM_KIND_POST,
  REEL: ranking.ItemKind.ITEM_KIND_REEL,
  GROUP: ranking.ItemKind.ITEM_KIND_GROUP,
};

export const PROTO_SOURCE_KIND: Readonly<Record<SourceKind, common.SourceKind>> = {
  AI_CHAT: common.SourceKind.SOURCE_KIND_AI_CHAT,
  PAGE_LIKE: common.SourceKind.SOURCE_KIND_PAGE_LIKE,
  FOLLOW: common.SourceKind.SOURCE_KIND_FOLLOW,
  GROUP_JOIN: common.SourceKind.SOURCE_KIND_GROUP_JOIN,
  UNSPECIFIED: common.SourceKind.SOURCE_KIND_UNSPECIFIED,
};

/** Null-prototype, like every table looked up with a value from a request or a response. */
function inverse<K extends string>(map: Readonly<Record<K, number>>): Readonly<Record<number, K | undefined>> {
  return Object.assign(Object.create(null) as Record<number, K | undefined>, Object.fromEntries(Object.entries(map).map(([name, value]) => [value, name])));
}

export const SURFACE_OF = inverse(PROTO_SURFACE);
export const KIND_OF = inverse(PROTO_KIND);
export const SOURCE_KIND_OF = inverse(PROTO_SOURCE_KIND);

const EVERY_SURFACE: readonly Surface[] = Object.freeze([]);

/** The ranker's view of an item already known to be valid (validated, or read from the catalog). */
export function toRankable(item: ranking.Item): RankableItem {
  const kind = KIND_OF[item.kind] as ItemKind;
  let surfaces = EVERY_SURFACE;
  if (item.surfaces.length > 0) {
    const mapped: Surface[] = [];
    for (const value of item.surfaces) {
      const surface = SURFACE_OF[value];
      if (surface) mapped.push(surface);
    }
    surfaces = mapped;
  }
  return kind === 'AD'
    ? { id: item.itemId, kind, topicIds: item.topicIds, advertiserId: item.advertiserId, surfaces, baseScore: item.baseScore }
    : { id: item.itemId, kind, topicIds: item.topicIds, surfaces, baseScore: item.baseScore };
}

/** A common.v1.Topic for a taxonomy id, built once per id (responses reuse the same object). */
const topicMessages = new Map<string, common.Topic>();
export function topicMessage(topicId: string): common.Topic {
  let topic = topicMessages.get(topicId);
  if (!topic) {
    const node = getTaxonomy().get(topicId);
    topic = Object.freeze({ id: topicId, name: node?.name ?? '', tier1: node?.tier1 ?? '' });
    if (node) topicMessages.set(topicId, topic);
  }
  return topic;
}
