import { NOT_PERSONALIZED_REASONS, type AgeBand, type NotPersonalizedReason, type Purpose, type SourceClass, type SourceKind } from './vocabulary';

/**
 * THE personalization decision: which of a user's data one purpose may use, or why none. Every
 * service calls these functions (ConsentService for eligibility, ProfileService for reads,
 * RankingService for ranking and explanations); no service restates a rule.
 */

/** What is known about the person, whatever the data's source. `regionKnown` false = unknown. */
export interface PersonFacts {
  ageBand: AgeBand;
  regionKnown: boolean;
}

/**
 * Rules about the person that hold for data of every source: minors never get profiling-based
 * ads; an unknown age or region cannot show they may, so ads fail closed. Nothing here rules out
 * content. Returns the reason, or undefined when the person may be personalized for the purpose.
 */
export function personRuleOut(purpose: Purpose, person: PersonFacts): 'MINOR' | 'AGE_UNKNOWN' | 'REGION_UNKNOWN' | undefined {
  if (purpose !== 'ADS') return undefined;
  if (person.ageBand === 'MINOR') return 'MINOR';
  if (person.ageBand === 'UNKNOWN') return 'AGE_UNKNOWN';
  if (!person.regionKnown) return 'REGION_UNKNOWN';
  return undefined;
}

/** The user's read-time controls and person facts: what rules out a purpose without any data. */
export interface SettingsFacts extends PersonFacts {
  nonPersonalizedFeed: boolean;
}

/** The reason the settings alone rule a purpose out, if any (the feed choice covers content). */
export function settingsRuleOut(purpose: Purpose, settings: SettingsFacts): NotPersonalizedReason | undefined {
  if (purpose === 'CONTENT' && settings.nonPersonalizedFeed) return 'NON_PERSONALIZED_FEED';
  return personRuleOut(purpose, settings);
}

/** An eligibility answer (ConsentService's, for AI-chat data of one purpose). */
export type EligibilityOutcome = { allowed: true } | { allowed: false; reason: NotPersonalizedReason };

export type PersonalizationDecision =
  /** `aiChatNotUsed`: why AI-chat data is left out while other activity is used, if it is. */
  | { personalized: true; sources: ReadonlySet<SourceClass>; aiChatNotUsed?: NotPersonalizedReason }
  | { personalized: false; reason: NotPersonalizedReason };

/**
 * Which data a read for `purpose` may use. AI-chat data needs the AI-chat eligibility for this
 * purpose (the AI-chat choice of the other purpose never matters); other activity needs only the
 * person rules. The settings rules (minor, unknown age/region for ads; non-personalized feed for
 * content) apply first and to every source, whatever eligibility said (fail closed).
 */
export function decidePersonalization(input: { purpose: Purpose; settings: SettingsFacts; aiChat: EligibilityOutcome }): PersonalizationDecision {
  const ruledOut = settingsRuleOut(input.purpose, input.settings);
  if (ruledOut) return { personalized: false, reason: ruledOut };
  if (input.aiChat.allowed) return { personalized: true, sources: new Set<SourceClass>(['ACTIVITY', 'AI_CHAT']) };
  return { personalized: true, sources: new Set<SourceClass>(['ACTIVITY']), aiChatNotUsed: input.aiChat.reason };
}

/** Whether a decision lets data of `kind` be used. */
export function usesSource(decision: PersonalizationDecision, kind: SourceKind): boolean {
  return decision.personalized && decision.sources.has(kind === 'AI_CHAT' ? 'AI_CHAT' : 'ACTIVITY');
}

/**
 * When several reasons apply (several purposes of one response, or several rules), the one to
 * report: a dependency failure first, then the user's own feed choice, then facts about the
 * person, then the AI-chat rules. The order of NOT_PERSONALIZED_REASONS.
 */
export function pickNotPersonalizedReason(reasons: Iterable<NotPersonalizedReason>): NotPersonalizedReason | undefined {
  const present = new Set(reasons);
  return NOT_PERSONALIZED_REASONS.find((reason) => present.has(reason));
}
