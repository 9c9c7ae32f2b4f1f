import type { NotPersonalizedReason, SourceKind as KnownSourceKind } from '@signalpath/domain';

// The domain vocabulary (one definition, in @signalpath/domain), re-exported for the ranker's users.
export type { NotPersonalizedReason, Purpose, Surface } from '@signalpath/domain';
import type { Purpose, Surface } from '@signalpath/domain';

/** Catalog item kinds (ranking.v1.ItemKind). */
export type ItemKind = 'AD' | 'POST' | 'REEL' | 'GROUP';

/** Where an interest came from; UNSPECIFIED for a source kind this version does not know. */
export type SourceKind = KnownSourceKind | 'UNSPECIFIED';

export type FilterReason = 'NOT_ON_SURFACE' | 'SENSITIVE_TOPIC' | 'BLOCKED_ADVERTISER' | 'BLOCKED_TOPIC' | 'PREFERENCES_UNAVAILABLE' | 'NOT_INTERESTED';

/** What the ranker needs of an item. */
export interface RankableItem {
  id: string;
  kind: ItemKind;
  /** IAB Content Taxonomy 3.1 ids; the first is the item's primary topic (diversity cap). */
  topicIds: readonly string[];
  advertiserId?: string;
  /** Surfaces the item may show on; empty means every surface. */
  surfaces: readonly Surface[];
  /** Prior score (popularity / editorial), finite and non-negative. */
  baseScore: number;
}

export interface InterestSource {
  surface: Surface;
  sourceKind: SourceKind;
  lastTime?: Date;
}

/** One profile interest as ProfileService returns it (decayed score, sources most recent first). */
export interface Interest {
  topicId: string;
  score: number;
  sources: readonly InterestSource[];
}

/** The profile to rank one purpose with, or why there is none. */
export type ProfileView =
  /** `aiChatNotUsed`: why AI-chat-derived interests were left out (other activity still counts). */
  | { personalized: true; interests: readonly Interest[]; aiChatNotUsed?: NotPersonalizedReason }
  | { personalized: false; reason: NotPersonalizedReason };

/** The user's ad preferences and feed controls (from ConsentService settings). */
export interface UserPreferences {
  /** Ads about these topics or their descendants are filtered. */
  blockedAdTopicIds: readonly string[];
  blockedAdvertiserIds: readonly string[];
  /** Ads about these topics (or descendants) rank lower. */
  seeFewerAdTopicIds: readonly string[];
  /** Content about these topics (or descendants) ranks higher / lower. */
  showMoreTopicIds: readonly string[];
  showLessTopicIds: readonly string[];
  /**
   * Set when the user's settings could not be read: their blocks are unknown. Then no ad is shown
   * at all (every ad has an advertiser and topics, either of which the user may have blocked, so
   * no ad is safe), and content ranks without feed controls.
   */
  unknown?: true;
}

/** A user known to have set no preferences. When they cannot be read, use UNKNOWN_PREFERENCES. */
export const NO_PREFERENCES: UserPreferences = Object.freeze({
  blockedAdTopicIds: [],
  blockedAdvertiserIds: [],
  seeFewerAdTopicIds: [],
  showMoreTopicIds: [],
  showLessTopicIds: [],
});

/** Preferences that could not be read (ConsentService down or slow): every ad is filtered. */
export const UNKNOWN_PREFERENCES: UserPreferences = Object.freeze({ ...NO_PREFERENCES, unknown: true as const });

export interface RankingContext {
  surface: Surface;
  profiles: Record<Purpose, ProfileView>;
  preferences: UserPreferences;
}

/** One structured reason: a profile interest (and one of its sources) that matched the item. */
export interface RankingReason {
  /** The interest's topic (what the user is interested in). */
  topicId: string;
  /** The item topic it matched: the same topic, or a descendant of it (partial match). */
  itemTopicId: string;
  sourceKind: SourceKind;
  surface: Surface;
  lastTime?: Date;
}

/** A feed control or ad preference that moved an item up or down. */
export interface AppliedControl {
  control: 'SHOW_MORE' | 'SHOW_LESS' | 'SEE_FEWER';
  /** The topic the user named in the control. */
  topicId: string;
}

export interface RankedOutcome {
  /** Index of the item in the input. */
  index: number;
  score: number;
  /** Whether the profile contributed to the score. */
  personalized: boolean;
  /** Empty when not personalized; never a sensitive topic for an ad. */
  reasons: RankingReason[];
  controls: AppliedControl[];
  /** An ad about a sensitive topic, ranked without personalization (ItemTopicPolicy). */
  sensitiveTopic?: true;
}

export interface FilteredOutcome {
  index: number;
  reason: FilterReason;
  /** For BLOCKED_TOPIC: the topic the user blocked. */
  blockedTopicId?: string;
}

export interface RankResult {
  /** Highest score first, with the diversity cap applied. */
  ranked: RankedOutcome[];
  filtered: FilteredOutcome[];
  /** Whether the profile contributed to at least one ranked item. */
  personalized: boolean;
  /** When not personalized: why, for the purposes the ranked items used (undefined if none applies). */
  notPersonalizedReason?: NotPersonalizedReason;
}

/** Ads are ranked with the ads-purpose profile, everything else with the content one. */
export const purposeOfKind = (kind: ItemKind): Purpose => (kind === 'AD' ? 'ADS' : 'CONTENT');
