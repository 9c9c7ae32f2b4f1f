import {
  choiceEnabled,
  classifyRegion,
  createPolicy,
  decideEligibility,
  DEFAULT_EFFECTIVE_DATE,
  DEFAULT_POLICY,
  effectiveSettings,
  mayOptInToAds,
  PolicyConfigError,
  REASON_PRECEDENCE,
  withdrawsAiChatConsent,
  type ConsentSubject,
  type EligibilityQuery,
} from './policy';
import type { AgeBand, Choice, Purpose } from '@signalpath/domain';
import { DEFAULT_EXCLUDED_REGIONS, EU_MEMBER_STATES, ISO_3166_ALPHA2_CODES } from './regions';

const EFFECTIVE = new Date(`${DEFAULT_EFFECTIVE_DATE}T00:00:00Z`);
const AFTER = new Date('2026-03-01T12:00:00Z');

const adultUs: ConsentSubject = { aiChatAds: 'UNSPECIFIED', aiChatContent: 'UNSPECIFIED', crossAppSharing: 'UNSPECIFIED', region: 'US', ageBand: 'ADULT' };
const query = (purpose: Purpose, overrides: Partial<EligibilityQuery> = {}): EligibilityQuery => ({ purpose, eventTime: AFTER, endToEndEncrypted: false, ...overrides });
const decide = (subject: Partial<ConsentSubject>, q: EligibilityQuery) => decideEligibility(DEFAULT_POLICY, { ...adultUs, ...subject }, q);

const NOT_EXCLUDED = ISO_3166_ALPHA2_CODES.filter((code) => !DEFAULT_EXCLUDED_REGIONS.includes(code));

describe('policy table defaults', () => {
  it('is effective from 2025-12-16T00:00:00Z', () => {
    expect(DEFAULT_POLICY.effectiveDate.toISOString()).toBe('2025-12-16T00:00:00.000Z');
  });

  it('excludes exactly the 27 EU member states, GB and KR', () => {
    expect(EU_MEMBER_STATES).toHaveLength(27);
    expect(new Set(EU_MEMBER_STATES).size).toBe(27);
    expect([...DEFAULT_POLICY.excludedRegions].sort()).toEqual([...EU_MEMBER_STATES, 'GB', 'KR'].sort());
    expect(DEFAULT_POLICY.excludedRegions.has('GR')).toBe(true); // Greece by its ISO code, not "EL"
    for (const notMember of ['CH', 'NO', 'IS', 'LI', 'US', 'JP', 'KP', 'UA', 'TR']) expect(DEFAULT_POLICY.excludedRegions.has(notMember)).toBe(false);
  });
});

describe('decideEligibility: each reason', () => {
  it('allows an adult in a default-on region with no explicit choice, for both purposes', () => {
    expect(decide({}, query('ADS'))).toEqual({ allowed: true, reason: 'ALLOWED' });
    expect(decide({}, query('CONTENT'))).toEqual({ allowed: true, reason: 'ALLOWED' });
  });

  it('END_TO_END_ENCRYPTED for an encrypted interaction, whatever the settings', () => {
    for (const purpose of ['ADS', 'CONTENT'] as const) {
      expect(decide({ aiChatAds: 'OPT_IN', aiChatContent: 'OPT_IN' }, query(purpose, { endToEndEncrypted: true }))).toEqual({ allowed: false, reason: 'END_TO_END_ENCRYPTED' });
    }
  });

  it('fails closed (BEFORE_EFFECTIVE_DATE) on an event time that is not a finite time', () => {
    for (const eventTime of [new Date(Number.NaN), new Date(Number('9223372036854775807') * 1000), new Date(-9223372036854775808 * 1000)]) {
      for (const purpose of ['ADS', 'CONTENT'] as const) {
        expect(decide({ aiChatAds: 'OPT_IN', aiChatContent: 'OPT_IN' }, query(purpose, { eventTime }))).toEqual({ allowed: false, reason: 'BEFORE_EFFECTIVE_DATE' });
      }
    }
  });

  it('BEFORE_EFFECTIVE_DATE for an event before the effective date', () => {
    expect(decide({}, query('ADS', { eventTime: new Date('2025-01-01T00:00:00Z') })).reason).toBe('BEFORE_EFFECTIVE_DATE');
    expect(decide({}, query('CONTENT', { eventTime: new Date('2025-01-01T00:00:00Z') })).reason).toBe('BEFORE_EFFECTIVE_DATE');
  });

  it('MINOR: ads never, even when opted in; content follows the regional rule', () => {
    expect(decide({ ageBand: 'MINOR' }, query('ADS'))).toEqual({ allowed: false, reason: 'MINOR' });
    expect(decide({ ageBand: 'MINOR', aiChatAds: 'OPT_IN' }, query('ADS')).reason).toBe('MINOR');
    expect(decide({ ageBand: 'MINOR' }, query('CONTENT')).allowed).toBe(true);
    expect(decide({ ageBand: 'MINOR', region: 'DE' }, query('CONTENT')).reason).toBe('REGION_EXCLUDED');
  });

  it('AGE_UNKNOWN: ads fail closed, even when opted in; content unaffected', () => {
    expect(decide({ ageBand: 'UNKNOWN' }, query('ADS'))).toEqual({ allowed: false, reason: 'AGE_UNKNOWN' });
    expect(decide({ ageBand: 'UNKNOWN', aiChatAds: 'OPT_IN' }, query('ADS')).reason).toBe('AGE_UNKNOWN');
    expect(decide({ ageBand: 'UNKNOWN' }, query('CONTENT')).allowed).toBe(true);
  });

  it('REGION_UNKNOWN: ads fail closed even when opted in; content only with an explicit opt-in', () => {
    expect(decide({ region: '' }, query('ADS'))).toEqual({ allowed: false, reason: 'REGION_UNKNOWN' });
    expect(decide({ region: '', aiChatAds: 'OPT_IN' }, query('ADS')).reason).toBe('REGION_UNKNOWN');
    expect(decide({ region: '' }, query('CONTENT'))).toEqual({ allowed: false, reason: 'REGION_UNKNOWN' });
    expect(decide({ region: '', aiChatContent: 'OPT_OUT' }, query('CONTENT')).reason).toBe('REGION_UNKNOWN');
    expect(decide({ region: '', aiChatContent: 'OPT_IN' }, query('CONTENT')).allowed).toBe(true);
  });

  it('REGION_EXCLUDED until the user opts in', () => {
    expect(decide({ region: 'FR' }, query('ADS'))).toEqual({ allowed: false, reason: 'REGION_EXCLUDED' });
    expect(decide({ region: 'FR', aiChatAds: 'OPT_IN' }, query('ADS')).allowed).toBe(true);
    expect(decide({ region: 'FR' }, query('CONTENT')).reason).toBe('REGION_EXCLUDED');
    expect(decide({ region: 'FR', aiChatContent: 'OPT_IN' }, query('CONTENT')).allowed).toBe(true);
  });

  it('OPTED_OUT per purpose, independently', () => {
    expect(decide({ aiChatAds: 'OPT_OUT' }, query('ADS'))).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect(decide({ aiChatAds: 'OPT_OUT' }, query('CONTENT')).allowed).toBe(true);
    expect(decide({ aiChatContent: 'OPT_OUT' }, query('CONTENT'))).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect(decide({ aiChatContent: 'OPT_OUT' }, query('ADS')).allowed).toBe(true);
  });
});

describe('decideEligibility: effective-date boundary', () => {
  it('an event exactly at the effective date is in; one millisecond before is out', () => {
    expect(decide({}, query('ADS', { eventTime: new Date(EFFECTIVE.getTime()) })).allowed).toBe(true);
    expect(decide({}, query('CONTENT', { eventTime: new Date(EFFECTIVE.getTime()) })).allowed).toBe(true);
    expect(decide({}, query('ADS', { eventTime: new Date(EFFECTIVE.getTime() - 1) })).reason).toBe('BEFORE_EFFECTIVE_DATE');
    expect(decide({}, query('CONTENT', { eventTime: new Date(EFFECTIVE.getTime() - 1) })).reason).toBe('BEFORE_EFFECTIVE_DATE');
  });

  it('follows a configured effective date', () => {
    const policy = createPolicy({ effectiveDate: new Date('2026-06-01T00:00:00Z') });
    expect(decideEligibility(policy, adultUs, query('ADS', { eventTime: new Date('2026-05-31T23:59:59.999Z') })).reason).toBe('BEFORE_EFFECTIVE_DATE');
    expect(decideEligibility(policy, adultUs, query('ADS', { eventTime: new Date('2026-06-01T00:00:00Z') })).allowed).toBe(true);
  });
});

describe('decideEligibility: region lists', () => {
  it.each(DEFAULT_EXCLUDED_REGIONS.map((code) => [code]))('%s is excluded by default and allowed after opting in', (region) => {
    for (const purpose of ['ADS', 'CONTENT'] as const) {
      expect(decide({ region }, query(purpose)).reason).toBe('REGION_EXCLUDED');
      expect(decide({ region, aiChatAds: 'OPT_OUT', aiChatContent: 'OPT_OUT' }, query(purpose)).reason).toBe('REGION_EXCLUDED');
      expect(decide({ region, aiChatAds: 'OPT_IN', aiChatContent: 'OPT_IN' }, query(purpose)).allowed).toBe(true);
    }
  });

  it('every other assigned region is on by default and off after opting out', () => {
    expect(NOT_EXCLUDED).toHaveLength(249 - 29);
    for (const region of NOT_EXCLUDED) {
      for (const purpose of ['ADS', 'CONTENT'] as const) {
        expect(decide({ region }, query(purpose))).toEqual({ allowed: true, reason: 'ALLOWED' });
        expect(decide({ region, aiChatAds: 'OPT_OUT', aiChatContent: 'OPT_OUT' }, query(purpose)).reason).toBe('OPTED_OUT');
      }
    }
  });

  it('follows a configured exclusion list', () => {
    const policy = createPolicy({ excludedRegions: ['US', 'ca'] });
    expect(decideEligibility(policy, adultUs, query('ADS')).reason).toBe('REGION_EXCLUDED');
    expect(decideEligibility(policy, { ...adultUs, region: 'CA' }, query('ADS')).reason).toBe('REGION_EXCLUDED');
    expect(decideEligibility(policy, { ...adultUs, region: 'DE' }, query('ADS')).allowed).toBe(true);
    expect(createPolicy({ excludedRegions: [] }).excludedRegions.size).toBe(0);
  });
});

describe('decideEligibility: age bands', () => {
  const table: [AgeBand, Purpose, Choice, boolean, string][] = [
    ['ADULT', 'ADS', 'UNSPECIFIED', true, 'ALLOWED'],
    ['ADULT', 'ADS', 'OPT_IN', true, 'ALLOWED'],
    ['ADULT', 'ADS', 'OPT_OUT', false, 'OPTED_OUT'],
    ['MINOR', 'ADS', 'UNSPECIFIED', false, 'MINOR'],
    ['MINOR', 'ADS', 'OPT_IN', false, 'MINOR'],
    ['MINOR', 'ADS', 'OPT_OUT', false, 'MINOR'],
    ['UNKNOWN', 'ADS', 'UNSPECIFIED', false, 'AGE_UNKNOWN'],
    ['UNKNOWN', 'ADS', 'OPT_IN', false, 'AGE_UNKNOWN'],
    ['UNKNOWN', 'ADS', 'OPT_OUT', false, 'AGE_UNKNOWN'],
    ['ADULT', 'CONTENT', 'UNSPECIFIED', true, 'ALLOWED'],
    ['MINOR', 'CONTENT', 'UNSPECIFIED', true, 'ALLOWED'],
    ['MINOR', 'CONTENT', 'OPT_OUT', false, 'OPTED_OUT'],
    ['UNKNOWN', 'CONTENT', 'UNSPECIFIED', true, 'ALLOWED'],
    ['UNKNOWN', 'CONTENT', 'OPT_OUT', false, 'OPTED_OUT'],
  ];
  it.each(table)('%s, %s, choice %s → allowed %s (%s)', (ageBand, purpose, choice, allowed, reason) => {
    const subject = purpose === 'ADS' ? { ageBand, aiChatAds: choice } : { ageBand, aiChatContent: choice };
    expect(decide(subject, query(purpose))).toEqual({ allowed, reason });
  });
});

describe('decideEligibility: precedence', () => {
  it('reports the first failing rule in the documented order', () => {
    expect(REASON_PRECEDENCE).toEqual(['END_TO_END_ENCRYPTED', 'BEFORE_EFFECTIVE_DATE', 'MINOR', 'AGE_UNKNOWN', 'REGION_UNKNOWN', 'REGION_EXCLUDED', 'OPTED_OUT']);
    const early = new Date(EFFECTIVE.getTime() - 1);
    // Start with every rule failing for ads, then fix them one by one in order.
    const worst: ConsentSubject = { aiChatAds: 'OPT_OUT', aiChatContent: 'OPT_OUT', crossAppSharing: 'OPT_OUT', region: '', ageBand: 'MINOR' };
    expect(decideEligibility(DEFAULT_POLICY, worst, query('ADS', { eventTime: early, endToEndEncrypted: true })).reason).toBe('END_TO_END_ENCRYPTED');
    expect(decideEligibility(DEFAULT_POLICY, worst, query('ADS', { eventTime: early })).reason).toBe('BEFORE_EFFECTIVE_DATE');
    expect(decideEligibility(DEFAULT_POLICY, worst, query('ADS')).reason).toBe('MINOR');
    expect(decideEligibility(DEFAULT_POLICY, { ...worst, ageBand: 'UNKNOWN' }, query('ADS')).reason).toBe('AGE_UNKNOWN');
    expect(decideEligibility(DEFAULT_POLICY, { ...worst, ageBand: 'ADULT' }, query('ADS')).reason).toBe('REGION_UNKNOWN');
    expect(decideEligibility(DEFAULT_POLICY, { ...worst, ageBand: 'ADULT', region: 'KR' }, query('ADS')).reason).toBe('REGION_EXCLUDED');
    expect(decideEligibility(DEFAULT_POLICY, { ...worst, ageBand: 'ADULT', region: 'US' }, query('ADS')).reason).toBe('OPTED_OUT');
    expect(decideEligibility(DEFAULT_POLICY, { ...worst, ageBand: 'ADULT', region: 'US', aiChatAds: 'OPT_IN' }, query('ADS')).reason).toBe('ALLOWED');
  });

  it('never allows when any reason applies, over every combination of inputs', () => {
    const choices: Choice[] = ['UNSPECIFIED', 'OPT_IN', 'OPT_OUT'];
    const ages: AgeBand[] = ['ADULT', 'MINOR', 'UNKNOWN'];
    for (const purpose of ['ADS', 'CONTENT'] as const)
      for (const aiChatAds of choices)
        for (const aiChatContent of choices)
          for (const ageBand of ages)
            for (const region of ['', 'US', 'DE', 'GB', 'KR'])
              for (const endToEndEncrypted of [false, true])
                for (const eventTime of [new Date(EFFECTIVE.getTime() - 1), EFFECTIVE]) {
                  const subject = { aiChatAds, aiChatContent, crossAppSharing: 'UNSPECIFIED' as const, region, ageBand };
                  const decision = decideEligibility(DEFAULT_POLICY, subject, { purpose, endToEndEncrypted, eventTime });
                  expect(decision.allowed).toBe(decision.reason === 'ALLOWED');
                  if (endToEndEncrypted || eventTime < EFFECTIVE) expect(decision.allowed).toBe(false);
                  if (purpose === 'ADS' && ageBand !== 'ADULT') expect(decision.allowed).toBe(false);
                  if (purpose === 'ADS' && region === '') expect(decision.allowed).toBe(false);
                  if ((purpose === 'ADS' ? aiChatAds : aiChatContent) === 'OPT_OUT') expect(decision.allowed).toBe(false);
                }
  });
});

describe('effectiveSettings and choiceEnabled', () => {
  it('applies regional defaults to every choice, with unknown regions off unless opted in', () => {
    expect(effectiveSettings(DEFAULT_POLICY, adultUs)).toEqual({ aiChatAdsEnabled: true, aiChatContentEnabled: true, crossAppSharingEnabled: true });
    expect(effectiveSettings(DEFAULT_POLICY, { ...adultUs, region: 'IE' })).toEqual({ aiChatAdsEnabled: false, aiChatContentEnabled: false, crossAppSharingEnabled: false });
    expect(effectiveSettings(DEFAULT_POLICY, { ...adultUs, region: 'IE', aiChatAds: 'OPT_IN', crossAppSharing: 'OPT_IN' })).toEqual({
      aiChatAdsEnabled: true,
      aiChatContentEnabled: false,
      crossAppSharingEnabled: true,
    });
    expect(effectiveSettings(DEFAULT_POLICY, { ...adultUs, region: '' })).toEqual({ aiChatAdsEnabled: false, aiChatContentEnabled: false, crossAppSharingEnabled: false });
    expect(effectiveSettings(DEFAULT_POLICY, { ...adultUs, crossAppSharing: 'OPT_OUT' }).crossAppSharingEnabled).toBe(false);
  });

  it('a new user (unknown age and region, no choices) is eligible for nothing', () => {
    const fresh: ConsentSubject = { aiChatAds: 'UNSPECIFIED', aiChatContent: 'UNSPECIFIED', crossAppSharing: 'UNSPECIFIED', region: '', ageBand: 'UNKNOWN' };
    expect(effectiveSettings(DEFAULT_POLICY, fresh)).toEqual({ aiChatAdsEnabled: false, aiChatContentEnabled: false, crossAppSharingEnabled: false });
  });

  it('minors never have ads enabled', () => {
    expect(effectiveSettings(DEFAULT_POLICY, { ...adultUs, ageBand: 'MINOR', aiChatAds: 'OPT_IN' }).aiChatAdsEnabled).toBe(false);
    expect(mayOptInToAds('MINOR')).toBe(false);
    expect(mayOptInToAds('ADULT')).toBe(true);
    expect(mayOptInToAds('UNKNOWN')).toBe(true);
  });

  it('classifies regions', () => {
    expect(classifyRegion(DEFAULT_POLICY, '')).toBe('UNKNOWN');
    expect(classifyRegion(DEFAULT_POLICY, 'GB')).toBe('EXCLUDED');
    expect(classifyRegion(DEFAULT_POLICY, 'BR')).toBe('DEFAULT_ON');
    expect(choiceEnabled(DEFAULT_POLICY, 'OPT_IN', '')).toBe(true);
    expect(choiceEnabled(DEFAULT_POLICY, 'OPT_OUT', 'US')).toBe(false);
  });
});

describe('createPolicy', () => {
  it('rejects region codes that are not assigned ISO codes, naming them', () => {
    expect(() => createPolicy({ excludedRegions: ['DE', 'EU', 'UK', 'XK'] })).toThrow(PolicyConfigError);
    expect(() => createPolicy({ excludedRegions: ['DE', 'EU', 'UK'] })).toThrow('EU, UK');
  });

  it('rejects an invalid effective date', () => {
    expect(() => createPolicy({ effectiveDate: new Date('nope') })).toThrow(PolicyConfigError);
  });
});

describe('withdrawsAiChatConsent', () => {
  it('is true only when ads or content moves to OPT_OUT', () => {
    const base = { aiChatAds: 'UNSPECIFIED' as Choice, aiChatContent: 'OPT_IN' as Choice };
    expect(withdrawsAiChatConsent(base, { ...base, aiChatAds: 'OPT_OUT' })).toBe(true);
    expect(withdrawsAiChatConsent(base, { ...base, aiChatContent: 'OPT_OUT' })).toBe(true);
    expect(withdrawsAiChatConsent({ aiChatAds: 'OPT_OUT', aiChatContent: 'OPT_IN' }, { aiChatAds: 'OPT_OUT', aiChatContent: 'OPT_IN' })).toBe(false);
    expect(withdrawsAiChatConsent(base, { ...base, aiChatAds: 'OPT_IN' })).toBe(false);
    expect(withdrawsAiChatConsent(base, { aiChatAds: 'UNSPECIFIED', aiChatContent: 'UNSPECIFIED' })).toBe(false);
  });
});
