import { personRuleOut, type AgeBand, type Choice, type Purpose, type SourceKind } from '@signalpath/domain';

import { DEFAULT_EXCLUDED_REGIONS, isRegionCode } from './regions';

/** Regions where a GPC signal is a binding ads opt-out; the reasons are in consent-records.ts (GPC_BINDING_REGIONS). */
export const GPC_BINDING_REGION_SET: ReadonlySet<string> = new Set(['US']);

/**
 * The consent policy table. Pure: no gRPC, no database, no clock (callers pass the time), so every
 * rule and boundary is unit-tested here and the service only maps its types onto these.
 */

/**
 * Why data may or may not be used. When several rules fail, the reason reported is the first in
 * REASON_PRECEDENCE.
 */
export type EligibilityReason =
  | 'ALLOWED'
  | 'END_TO_END_ENCRYPTED'
  | 'BEFORE_EFFECTIVE_DATE'
  | 'MINOR'
  | 'AGE_UNKNOWN'
  | 'REGION_UNKNOWN'
  | 'REGION_EXCLUDED'
  | 'OPTED_OUT';

/** The order in which failing rules are reported (the API contract). */
export const REASON_PRECEDENCE: readonly Exclude<EligibilityReason, 'ALLOWED'>[] = Object.freeze([
  'END_TO_END_ENCRYPTED',
  'BEFORE_EFFECTIVE_DATE',
  'MINOR',
  'AGE_UNKNOWN',
  'REGION_UNKNOWN',
  'REGION_EXCLUDED',
  'OPTED_OUT',
] as const);

/** The policy-relevant part of a user's settings. `region` is an ISO code or '' (unknown). */
export interface ConsentSubject {
  aiChatAds: Choice;
  aiChatContent: Choice;
  crossAppSharing: Choice;
  region: string;
  ageBand: AgeBand;
}

export interface ConsentPolicy {
  /** Interactions strictly before this instant are never used. */
  effectiveDate: Date;
  /** Regions where every choice defaults to off until the user opts in. */
  excludedRegions: ReadonlySet<string>;
}

export const DEFAULT_EFFECTIVE_DATE = '2025-12-16';

export class PolicyConfigError extends Error {
  constructor(
    /** Which option is wrong, so a configuration reader can name its variable. */
    readonly variable: 'effectiveDate' | 'excludedRegions',
    message: string,
  ) {
    super(message);
    this.name = 'PolicyConfigError';
  }
}

/** Builds a policy table, rejecting an invalid date or any region that is not an ISO code. */
export function createPolicy(options: { effectiveDate?: Date; excludedRegions?: Iterable<string> } = {}): ConsentPolicy {
  const effectiveDate = options.effectiveDate ?? new Date(`${DEFAULT_EFFECTIVE_DATE}T00:00:00Z`);
  if (Number.isNaN(effectiveDate.getTime())) throw new PolicyConfigError('effectiveDate', 'effective date is not a valid time');
  const regions = [...(options.excludedRegions ?? DEFAULT_EXCLUDED_REGIONS)].map((code) => code.trim().toUpperCase());
  const invalid = regions.filter((code) => !isRegionCode(code));
  if (invalid.length > 0) throw new PolicyConfigError('excludedRegions', `not ISO 3166-1 alpha-2 region codes: ${invalid.join(', ')}`);
  return Object.freeze({ effectiveDate: new Date(effectiveDate.getTime()), excludedRegions: new Set(regions) });
}

/** The default table: effective 2025-12-16, excluded EU member states, GB and KR. */
export const DEFAULT_POLICY: ConsentPolicy = createPolicy();

export type RegionClass = 'UNKNOWN' | 'EXCLUDED' | 'DEFAULT_ON';

export function classifyRegion(policy: ConsentPolicy, region: string): RegionClass {
  if (region === '') return 'UNKNOWN';
  return policy.excludedRegions.has(region) ? 'EXCLUDED' : 'DEFAULT_ON';
}

/**
 * Whether a choice is on after regional defaults: an explicit choice wins; otherwise on only where
 * the region is known and not excluded (an unknown region fails closed).
 */
export function choiceEnabled(policy: ConsentPolicy, choice: Choice, region: string): boolean {
  if (choice === 'OPT_IN') return true;
  if (choice === 'OPT_OUT') return false;
  return classifyRegion(policy, region) === 'DEFAULT_ON';
}

export interface EligibilityQuery {
  purpose: Purpose;
  /** Where the data comes from; AI_CHAT when omitted (the AI-chat choices govern only that). */
  sourceKind?: SourceKind;
  /** When the interaction happened (callers substitute "now" when unknown). */
  eventTime: Date;
  endToEndEncrypted: boolean;
  /** The request carries a Global Privacy Control signal (an ads opt-out where the region makes it binding). */
  gpc?: boolean;
}

export interface EligibilityDecision {
  allowed: boolean;
  reason: EligibilityReason;
}

const deny = (reason: Exclude<EligibilityReason, 'ALLOWED'>): EligibilityDecision => ({ allowed: false, reason });
const ALLOW: EligibilityDecision = Object.freeze({ allowed: true, reason: 'ALLOWED' });

/**
 * Whether data from one interaction (or activity) may be used for one purpose. Rules are checked
 * in REASON_PRECEDENCE order, so the reason is always the first failing rule:
 * - END_TO_END_ENCRYPTED: never used.
 * - BEFORE_EFFECTIVE_DATE: eventTime < effectiveDate (an event exactly at the date is in), or an
 *   eventTime that is not a finite time at all (an invalid Date): not known to be on or after the
 *   date, so never used (fail closed; callers validate times, this is the last line).
 * - MINOR / AGE_UNKNOWN / REGION_UNKNOWN: ads only, whatever the user chose and whatever the
 *   source (fail closed; the domain's person rules).
 * Then, for AI-chat data only (privacy invariant 9: an AI-chat choice governs AI-chat data for its
 * own purpose and nothing else; likes, follows and group joins pass here):
 * - REGION_UNKNOWN (content): unknown region and the user has not opted in to AI-chat content.
 * - REGION_EXCLUDED: excluded region and the user has not opted in for this purpose.
 * - OPTED_OUT: the user opted out of AI-chat personalization for this purpose, or (ads) the query
 *   carries a Global Privacy Control signal and the region makes GPC binding (gpcBinding).
 */
export function decideEligibility(policy: ConsentPolicy, subject: ConsentSubject, query: EligibilityQuery): EligibilityDecision {
  if (query.endToEndEncrypted) return deny('END_TO_END_ENCRYPTED');
  // Written as "not on or after" so that NaN (an invalid Date) is denied, never allowed.
  if (!(query.eventTime.getTime() >= policy.effectiveDate.getTime())) return deny('BEFORE_EFFECTIVE_DATE');
  const regionClass = classifyRegion(policy, subject.region);
  const person = personRuleOut(query.purpose, { ageBand: subject.ageBand, regionKnown: regionClass !== 'UNKNOWN' });
  if (person) return deny(person);
  if ((query.sourceKind ?? 'AI_CHAT') !== 'AI_CHAT') return ALLOW;
  const choice = query.purpose === 'ADS' ? subject.aiChatAds : subject.aiChatContent;
  if (regionClass === 'UNKNOWN' && choice !== 'OPT_IN') return deny('REGION_UNKNOWN');
  if (regionClass === 'EXCLUDED' && choice !== 'OPT_IN') return deny('REGION_EXCLUDED');
  if (choice === 'OPT_OUT') return deny('OPTED_OUT');
  if (query.purpose === 'ADS' && query.gpc === true && GPC_BINDING_REGION_SET.has(subject.region)) return deny('OPTED_OUT');
  return ALLOW;
}

export interface EffectiveSettings {
  aiChatAdsEnabled: boolean;
  aiChatContentEnabled: boolean;
  crossAppSharingEnabled: boolean;
}

/**
 * The user's choices with the policy applied, for an interaction on or after the effective date
 * that is not end-to-end encrypted.
 */
export function effectiveSettings(policy: ConsentPolicy, subject: ConsentSubject): EffectiveSettings {
  const at = { eventTime: policy.effectiveDate, endToEndEncrypted: false };
  return {
    aiChatAdsEnabled: decideEligibility(policy, subject, { ...at, purpose: 'ADS' }).allowed,
    aiChatContentEnabled: decideEligibility(policy, subject, { ...at, purpose: 'CONTENT' }).allowed,
    crossAppSharingEnabled: choiceEnabled(policy, subject.crossAppSharing, subject.region),
  };
}

/** Minors are never eligible for ads and cannot opt in to them. */
export function mayOptInToAds(ageBand: AgeBand): boolean {
  return ageBand !== 'MINOR';
}

/**
 * The AI-chat uses a change withdraws (ads and/or content moving to OPT_OUT): each starts an
 * erasure of exactly that purpose's use of AI-chat-derived data (both: all AI-chat data).
 */
export function withdrawnAiChatPurposes(before: Pick<ConsentSubject, 'aiChatAds' | 'aiChatContent'>, after: Pick<ConsentSubject, 'aiChatAds' | 'aiChatContent'>): Purpose[] {
  const withdrawn: Purpose[] = [];
  if (after.aiChatAds === 'OPT_OUT' && before.aiChatAds !== 'OPT_OUT') withdrawn.push('ADS');
  if (after.aiChatContent === 'OPT_OUT' && before.aiChatContent !== 'OPT_OUT') withdrawn.push('CONTENT');
  return withdrawn;
}

/** True when a change withdraws any AI-chat consent (see withdrawnAiChatPurposes). */
export function withdrawsAiChatConsent(before: Pick<ConsentSubject, 'aiChatAds' | 'aiChatContent'>, after: Pick<ConsentSubject, 'aiChatAds' | 'aiChatContent'>): boolean {
  return (after.aiChatAds === 'OPT_OUT' && before.aiChatAds !== 'OPT_OUT') || (after.aiChatContent === 'OPT_OUT' && before.aiChatContent !== 'OPT_OUT');
}
