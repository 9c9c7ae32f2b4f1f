import { EU_MEMBER_STATES } from './regions';
import { choiceEnabled, effectiveSettings, GPC_BINDING_REGION_SET, type ConsentPolicy, type ConsentSubject } from './policy';

/**
 * Consent records (issue 16 §5): what each consent change rests on — the notice version shown and,
 * per purpose, the legal basis — and the per-region rules for standard signals (Global Privacy
 * Control, IAB consent strings). Pure, like the rest of the policy.
 */

/** The uses of a person's data a consent record covers (one per choice). */
export const CONSENT_PURPOSES = ['AI_CHAT_ADS', 'AI_CHAT_CONTENT', 'CROSS_APP_SHARING'] as const;
export type ConsentPurposeName = (typeof CONSENT_PURPOSES)[number];

/**
 * - CONSENT: the person opted in (required in excluded regions; what an explicit opt-in rests on anywhere).
 * - LEGITIMATE_INTEREST: on by default with notice and a right to opt out (object), in regions that
 *   are not excluded while the person has not chosen.
 * - NOT_APPLICABLE: the data is not used for the purpose (opted out, GPC, minor, unknown region or
 *   age), so it needs no basis.
 */
export type LegalBasis = 'CONSENT' | 'LEGITIMATE_INTEREST' | 'NOT_APPLICABLE';

/** The legal basis of each purpose for a subject, from the same policy that decides eligibility. */
export function legalBases(policy: ConsentPolicy, subject: ConsentSubject): Record<ConsentPurposeName, LegalBasis> {
  const effective = effectiveSettings(policy, subject);
  const basis = (enabled: boolean, choice: ConsentSubject['aiChatAds']): LegalBasis => {
    if (!enabled) return 'NOT_APPLICABLE';
    return choice === 'OPT_IN' ? 'CONSENT' : 'LEGITIMATE_INTEREST';
  };
  return {
    AI_CHAT_ADS: basis(effective.aiChatAdsEnabled, subject.aiChatAds),
    AI_CHAT_CONTENT: basis(effective.aiChatContentEnabled, subject.aiChatContent),
    CROSS_APP_SHARING: basis(choiceEnabled(policy, subject.crossAppSharing, subject.region), subject.crossAppSharing),
  };
}

export const MAX_NOTICE_VERSION_LENGTH = 64;
const NOTICE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

/**
 * What is wrong with a notice version, or undefined: 1 to 64 characters of ASCII letters, digits
 * and `. _ - : +`, starting with a letter or digit (a label such as "2026-01" or "ads-notice.v3";
 * never free text, so it cannot carry anything a person wrote). Empty is "none sent" and checked
 * by the caller.
 */
export function noticeVersionProblem(value: string): string | undefined {
  if (value.length > MAX_NOTICE_VERSION_LENGTH) return `must be at most ${MAX_NOTICE_VERSION_LENGTH} characters`;
  if (!NOTICE_VERSION.test(value)) return 'must be letters, digits and ". _ - : +", starting with a letter or digit';
  return undefined;
}

/**
 * Regions whose law makes a Global Privacy Control signal a binding opt-out of targeted advertising
 * ("sale or sharing"). In the US, California (CCPA regulations § 7025), Colorado, Connecticut,
 * Delaware, Maryland, Minnesota, Montana, Nebraska, New Hampshire, New Jersey, Oregon and Texas
 * require it; regions here are countries, so the state is not known and the whole US is treated
 * as binding (the stricter reading). Elsewhere a GPC signal is recorded but changes no choice.
 */
export const GPC_BINDING_REGIONS: readonly string[] = Object.freeze([...GPC_BINDING_REGION_SET]);

export function gpcBinding(region: string): boolean {
  return GPC_BINDING_REGION_SET.has(region);
}

export type ConsentStringFormat = 'TCF_V2' | 'GPP';

/**
 * Where each IAB format is the one in use: TCF v2.2 in the EEA (EU, IS, LI, NO), GB and CH (the
 * regions IAB Europe's framework covers); GPP with its US sections in the US. One format per region.
 */
export const TCF_REGIONS: readonly string[] = Object.freeze([...EU_MEMBER_STATES, 'IS', 'LI', 'NO', 'GB', 'CH']);
export const GPP_REGIONS: readonly string[] = Object.freeze(['US']);
const TCF = new Set(TCF_REGIONS);
const GPP = new Set(GPP_REGIONS);

/** The consent-string format the region's policy uses, if any. */
export function consentStringFormatOf(region: string): ConsentStringFormat | undefined {
  if (TCF.has(region)) return 'TCF_V2';
  if (GPP.has(region)) return 'GPP';
  return undefined;
}
