import { EU_MEMBER_STATES } from './regions';

/**
 * Legal deadlines for answering a data-subject request (erasure or export), by the user's region
 * when the request was received. A simplified table (docs/consent.md, "Data-subject requests"):
 * the first answer is due this many days after receipt; the extensions some laws allow (GDPR
 * Art. 12(3): two further months; CCPA: a further 45 days) are not modelled, so a deadline here is
 * never later than the law's.
 */
export interface RequestDeadlineRule {
  /** A name for the rule, shown to operators and in docs: `GDPR`, `US_STATE`, `DEFAULT`. */
  rule: string;
  days: number;
  /** Upper-case ISO 3166-1 alpha-2 codes; empty for the default rule. */
  regions: readonly string[];
}

/** EEA (EU + IS, LI, NO), the UK and Switzerland: "without undue delay and in any event within one month" (GDPR Art. 12(3), UK GDPR, revFADP), taken as 30 days. */
export const GDPR_STYLE_REGIONS: readonly string[] = Object.freeze([...EU_MEMBER_STATES, 'IS', 'LI', 'NO', 'GB', 'CH']);

export const REQUEST_DEADLINE_RULES: readonly RequestDeadlineRule[] = Object.freeze([
  { rule: 'GDPR', days: 30, regions: GDPR_STYLE_REGIONS },
  // US state privacy laws (CCPA/CPRA, VCDPA, CPA, …): 45 days. Regions are countries here, so the
  // whole US takes the state rule.
  { rule: 'US_STATE', days: 45, regions: ['US'] },
]);

/**
 * Any other region, and an unknown one: 30 days, the stricter of the two styles (an unknown
 * region must not get a later deadline than a known one could).
 */
export const DEFAULT_REQUEST_DEADLINE: RequestDeadlineRule = Object.freeze({ rule: 'DEFAULT', days: 30, regions: [] });

const DAY_MS = 86_400_000;

/** The rule for `region` (upper-case alpha-2, or empty when unknown). */
export function requestDeadlineRule(region: string): RequestDeadlineRule {
  const code = region.trim().toUpperCase();
  return REQUEST_DEADLINE_RULES.find((rule) => rule.regions.includes(code)) ?? DEFAULT_REQUEST_DEADLINE;
}

/** When a request received at `receiveTime` from `region` must be answered. */
export function requestDueTime(region: string, receiveTime: Date): Date {
  return new Date(receiveTime.getTime() + requestDeadlineRule(region).days * DAY_MS);
}
