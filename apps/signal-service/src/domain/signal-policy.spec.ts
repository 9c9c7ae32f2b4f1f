import { common, consent, signal } from '@signalpath/proto';
import { activityCandidates, applyConsent, skipReasonForRefusal, toSensitiveClassEnums, type TopicPolicy } from './signal-policy';

const E = consent.EligibilityReason;
const refused = (reason: consent.EligibilityReason) => ({ allowed: false, reason });

describe('skipReasonForRefusal', () => {
  it.each([
    [E.ELIGIBILITY_REASON_OPTED_OUT, signal.SkipReason.SKIP_REASON_OPTED_OUT],
    [E.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE, signal.SkipReason.SKIP_REASON_BEFORE_EFFECTIVE_DATE],
    [E.ELIGIBILITY_REASON_REGION_EXCLUDED, signal.SkipReason.SKIP_REASON_REGION_EXCLUDED],
    [E.ELIGIBILITY_REASON_MINOR, signal.SkipReason.SKIP_REASON_MINOR],
    [E.ELIGIBILITY_REASON_AGE_UNKNOWN, signal.SkipReason.SKIP_REASON_AGE_UNKNOWN],
    [E.ELIGIBILITY_REASON_REGION_UNKNOWN, signal.SkipReason.SKIP_REASON_REGION_UNKNOWN],
    [E.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED, signal.SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED],
  ])('uses the ads reason %s', (reason, expected) => {
    expect(skipReasonForRefusal(refused(reason), refused(E.ELIGIBILITY_REASON_OPTED_OUT))).toBe(expected);
  });

  it('fails closed on a reason it does not know', () => {
    expect(skipReasonForRefusal(refused(E.UNRECOGNIZED), refused(E.ELIGIBILITY_REASON_UNSPECIFIED))).toBe(signal.SkipReason.SKIP_REASON_OPTED_OUT);
    expect(skipReasonForRefusal(refused(E.ELIGIBILITY_REASON_ALLOWED), refused(E.ELIGIBILITY_REASON_MINOR))).toBe(signal.SkipReason.SKIP_REASON_MINOR);
  });
});

describe('applyConsent', () => {
  const never = new Set(['286']);
  const isNeverForAds = (id: string) => never.has(id);
  const climbing = { topicId: '500', weight: 0.8, adsEligible: true, contentEligible: true };

  it('requires both the policy and consent for each purpose', () => {
    expect(applyConsent([climbing], { ads: true, content: false }, isNeverForAds)).toEqual([{ ...climbing, contentEligible: false }]);
    expect(applyConsent([climbing], { ads: false, content: true }, isNeverForAds)).toEqual([{ ...climbing, adsEligible: false }]);
    expect(applyConsent([climbing], { ads: false, content: false }, isNeverForAds)).toEqual([]);
  });

  it('never lets a topic kept from ads be ads-eligible, even if the extractor said so', () => {
    const health = { topicId: '286', weight: 0.5, adsEligible: true, contentEligible: true };
    expect(applyConsent([health], { ads: true, content: true }, isNeverForAds)).toEqual([{ ...health, adsEligible: false }]);
    expect(applyConsent([{ ...health, contentEligible: false }], { ads: true, content: true }, isNeverForAds)).toEqual([]);
  });

  it('keeps one signal per topic (the strongest), drops non-positive weights and caps at 1', () => {
    const result = applyConsent(
      [climbing, { ...climbing, weight: 0.9 }, { topicId: '512', weight: 0, adsEligible: true, contentEligible: true }, { topicId: '483', weight: 3, adsEligible: true, contentEligible: true }, { topicId: '1', weight: Number.NaN, adsEligible: true, contentEligible: true }],
      { ads: true, content: true },
      isNeverForAds,
    );
    expect(result).toEqual([{ ...climbing, weight: 0.9 }, { topicId: '483', weight: 1, adsEligible: true, contentEligible: true }]);
  });
});

describe('activityCandidates', () => {
  const policy: TopicPolicy = {
    sensitiveClassOfTopic: (id) => (id === '286' ? 'HEALTH' : id === '453' ? 'RELIGION' : undefined),
    isRestrictedTopic: (id) => id === 'j9PaO9',
    isNeverForAds: (id) => ['286', '453', 'j9PaO9'].includes(id),
  };

  it('weights by kind, dedupes, suppresses sensitive topics and drops restricted ones', () => {
    const result = activityCandidates(['500', '500', '286', '453', 'j9PaO9'], common.SourceKind.SOURCE_KIND_GROUP_JOIN, policy, { allowSensitiveContent: false });
    expect(result.candidates).toEqual([{ topicId: '500', weight: 0.8, adsEligible: true, contentEligible: true }]);
    expect(result.suppressed.sort()).toEqual(['HEALTH', 'RELIGION']);
  });

  it('keeps sensitive topics for content only behind the flag', () => {
    const result = activityCandidates(['286'], common.SourceKind.SOURCE_KIND_PAGE_LIKE, policy, { allowSensitiveContent: true });
    expect(result.candidates).toEqual([{ topicId: '286', weight: 0.5, adsEligible: false, contentEligible: true }]);
    expect(result.suppressed).toEqual(['HEALTH']);
  });

  it('refuses AI-chat as an activity kind', () => {
    expect(() => activityCandidates(['500'], common.SourceKind.SOURCE_KIND_AI_CHAT, policy, { allowSensitiveContent: false })).toThrow();
  });
});

describe('toSensitiveClassEnums', () => {
  it('maps names to enums, distinct and in enum order', () => {
    expect(toSensitiveClassEnums(['TRADE_UNION', 'HEALTH', 'HEALTH', 'RELIGION'])).toEqual([
      common.SensitiveClass.SENSITIVE_CLASS_RELIGION,
      common.SensitiveClass.SENSITIVE_CLASS_HEALTH,
      common.SensitiveClass.SENSITIVE_CLASS_TRADE_UNION,
    ]);
  });
});
