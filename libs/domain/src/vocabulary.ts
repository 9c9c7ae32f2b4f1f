/**
 * The domain's words, defined once. Every service maps its proto enums onto these in its own
 * mapping module; libraries speak only these. Names are the proto enum names without the prefix.
 */

/** What data is used for: ad targeting and ranking, or organic content (posts, reels, groups). */
export const PURPOSES = ['ADS', 'CONTENT'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The app surfaces of the family (common.v1.Surface). */
export const SURFACES = ['FACEBOOK', 'INSTAGRAM', 'MESSENGER', 'WHATSAPP'] as const;
export type Surface = (typeof SURFACES)[number];

/** Where a signal came from (common.v1.SourceKind). */
export const SOURCE_KINDS = ['AI_CHAT', 'PAGE_LIKE', 'FOLLOW', 'GROUP_JOIN'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * The two kinds of data a user's choices tell apart: AI-chat-derived data (governed by the
 * AI-chat choices) and every other activity (likes, follows, group joins), which no AI-chat
 * choice governs.
 */
export type SourceClass = 'AI_CHAT' | 'ACTIVITY';
export const sourceClassOf = (kind: SourceKind): SourceClass => (kind === 'AI_CHAT' ? 'AI_CHAT' : 'ACTIVITY');

/** The project's eight sensitive classes (DESIGN.md): never used for ad targeting. */
export const SENSITIVE_CLASSES = [
  'RELIGION',
  'SEXUAL_ORIENTATION',
  'POLITICS',
  'HEALTH',
  'RACE',
  'ETHNIC_ORIGIN',
  'PHILOSOPHICAL_BELIEFS',
  'TRADE_UNION',
] as const;
export type SensitiveClass = (typeof SENSITIVE_CLASSES)[number];

/** A user's explicit choice for one setting; UNSPECIFIED means "the regional default applies". */
export type Choice = 'UNSPECIFIED' | 'OPT_IN' | 'OPT_OUT';
export type AgeBand = 'ADULT' | 'MINOR' | 'UNKNOWN';

/**
 * Why data is not used to personalize one purpose, the same set in every service and API:
 * - NON_PERSONALIZED_FEED: the user turned on the non-personalized feed (content).
 * - MINOR / AGE_UNKNOWN / REGION_UNKNOWN: facts about the person that rule out profiling-based ads
 *   whatever the source (unknown fails closed); REGION_UNKNOWN also rules out AI-chat content
 *   without an explicit opt-in.
 * - REGION_EXCLUDED: AI-chat data in a region where it is off until the user opts in.
 * - OPTED_OUT: the user opted out of AI-chat personalization for this purpose.
 * - NOT_ELIGIBLE: refused for a reason this version does not know (fail closed).
 * - DEGRADED: a dependency could not be reached in time, so nothing personal was used.
 */
export const NOT_PERSONALIZED_REASONS = [
  'DEGRADED',
  'NON_PERSONALIZED_FEED',
  'MINOR',
  'AGE_UNKNOWN',
  'REGION_UNKNOWN',
  'REGION_EXCLUDED',
  'OPTED_OUT',
  'NOT_ELIGIBLE',
] as const;
export type NotPersonalizedReason = (typeof NOT_PERSONALIZED_REASONS)[number];
