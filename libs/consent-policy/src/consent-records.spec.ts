import { consentStringFormatOf, gpcBinding, legalBases, noticeVersionProblem } from './consent-records';
import { createPolicy, decideEligibility, DEFAULT_POLICY, type ConsentSubject } from './policy';

const subject = (patch: Partial<ConsentSubject>): ConsentSubject => ({ aiChatAds: 'UNSPECIFIED', aiChatContent: 'UNSPECIFIED', crossAppSharing: 'UNSPECIFIED', region: 'US', ageBand: 'ADULT', ...patch });

describe('legal basis per purpose and region', () => {
  it.each<[string, Partial<ConsentSubject>, [string, string, string]]>([
    ['US, no choice: on by default with a right to opt out', {}, ['LEGITIMATE_INTEREST', 'LEGITIMATE_INTEREST', 'LEGITIMATE_INTEREST']],
    ['US, explicit opt-ins', { aiChatAds: 'OPT_IN', aiChatContent: 'OPT_IN', crossAppSharing: 'OPT_IN' }, ['CONSENT', 'CONSENT', 'CONSENT']],
    ['US, ads opt-out', { aiChatAds: 'OPT_OUT' }, ['NOT_APPLICABLE', 'LEGITIMATE_INTEREST', 'LEGITIMATE_INTEREST']],
    ['DE, no choice: excluded region, nothing used', { region: 'DE' }, ['NOT_APPLICABLE', 'NOT_APPLICABLE', 'NOT_APPLICABLE']],
    ['DE, content opt-in', { region: 'DE', aiChatContent: 'OPT_IN' }, ['NOT_APPLICABLE', 'CONSENT', 'NOT_APPLICABLE']],
    ['US minor: never ads', { ageBand: 'MINOR', aiChatContent: 'OPT_IN' }, ['NOT_APPLICABLE', 'CONSENT', 'LEGITIMATE_INTEREST']],
    ['unknown region: fail closed', { region: '' }, ['NOT_APPLICABLE', 'NOT_APPLICABLE', 'NOT_APPLICABLE']],
  ])('%s', (_name, patch, [ads, content, sharing]) => {
    expect(legalBases(DEFAULT_POLICY, subject(patch))).toEqual({ AI_CHAT_ADS: ads, AI_CHAT_CONTENT: content, CROSS_APP_SHARING: sharing });
  });

  it('follows the configured excluded regions', () => {
    const policy = createPolicy({ excludedRegions: ['US'] });
    expect(legalBases(policy, subject({})).AI_CHAT_ADS).toBe('NOT_APPLICABLE');
    expect(legalBases(policy, subject({ aiChatAds: 'OPT_IN' })).AI_CHAT_ADS).toBe('CONSENT');
  });
});

describe('notice version', () => {
  it.each(['2026-01', 'ads-notice.v3', 'a', 'v1:2+b', 'x'.repeat(64)])('accepts %s', (value) => expect(noticeVersionProblem(value)).toBeUndefined());
  it.each(['', ' 2026', '2026 01', '-v1', 'x'.repeat(65), 'notice\u202e', 'é', 'a/b'])('refuses %j', (value) => expect(noticeVersionProblem(value)).toBeDefined());
});

describe('Global Privacy Control per region', () => {
  it('is binding in the US only; elsewhere recorded, not binding', () => {
    expect(gpcBinding('US')).toBe(true);
    for (const region of ['DE', 'GB', 'CA', 'BR', '']) expect(gpcBinding(region)).toBe(false);
  });

  it('denies AI-chat ads in a binding region, and nothing else', () => {
    const at = { eventTime: new Date('2026-02-01T00:00:00Z'), endToEndEncrypted: false, gpc: true };
    expect(decideEligibility(DEFAULT_POLICY, subject({}), { ...at, purpose: 'ADS' })).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect(decideEligibility(DEFAULT_POLICY, subject({ aiChatAds: 'OPT_IN' }), { ...at, purpose: 'ADS' })).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect(decideEligibility(DEFAULT_POLICY, subject({}), { ...at, purpose: 'CONTENT' }).allowed).toBe(true);
    expect(decideEligibility(DEFAULT_POLICY, subject({}), { ...at, purpose: 'ADS', sourceKind: 'PAGE_LIKE' }).allowed).toBe(true);
    expect(decideEligibility(DEFAULT_POLICY, subject({ region: 'CA' }), { ...at, purpose: 'ADS' }).allowed).toBe(true);
    expect(decideEligibility(DEFAULT_POLICY, subject({}), { ...at, gpc: false, purpose: 'ADS' }).allowed).toBe(true);
  });
});

describe('consent-string format per region', () => {
  it('TCF in the EEA, GB and CH; GPP in the US; none elsewhere', () => {
    for (const region of ['DE', 'FR', 'NO', 'IS', 'LI', 'GB', 'CH']) expect(consentStringFormatOf(region)).toBe('TCF_V2');
    expect(consentStringFormatOf('US')).toBe('GPP');
    for (const region of ['KR', 'BR', 'CA', '']) expect(consentStringFormatOf(region)).toBeUndefined();
  });
});
