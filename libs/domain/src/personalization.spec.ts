import { decidePersonalization, personRuleOut, pickNotPersonalizedReason, settingsRuleOut, usesSource, type SettingsFacts } from './personalization';
import { NOT_PERSONALIZED_REASONS, type AgeBand, type Purpose } from './vocabulary';

const adult: SettingsFacts = { ageBand: 'ADULT', regionKnown: true, nonPersonalizedFeed: false };

describe('personRuleOut', () => {
  it.each<[AgeBand, boolean, Purpose, string | undefined]>([
    ['MINOR', true, 'ADS', 'MINOR'],
    ['UNKNOWN', true, 'ADS', 'AGE_UNKNOWN'],
    ['ADULT', false, 'ADS', 'REGION_UNKNOWN'],
    ['MINOR', false, 'ADS', 'MINOR'],
    ['ADULT', true, 'ADS', undefined],
    ['MINOR', false, 'CONTENT', undefined],
    ['UNKNOWN', false, 'CONTENT', undefined],
  ])('%s, region known %s, %s → %s', (ageBand, regionKnown, purpose, expected) => {
    expect(personRuleOut(purpose, { ageBand, regionKnown })).toBe(expected);
  });
});

describe('decidePersonalization', () => {
  it('an AI-chat refusal leaves other activity in use and says why AI-chat data is out', () => {
    const decision = decidePersonalization({ purpose: 'ADS', settings: adult, aiChat: { allowed: false, reason: 'OPTED_OUT' } });
    expect(decision).toEqual({ personalized: true, sources: new Set(['ACTIVITY']), aiChatNotUsed: 'OPTED_OUT' });
    expect(usesSource(decision, 'FOLLOW')).toBe(true);
    expect(usesSource(decision, 'AI_CHAT')).toBe(false);
  });

  it('uses AI-chat data only when its eligibility allows it', () => {
    const decision = decidePersonalization({ purpose: 'CONTENT', settings: adult, aiChat: { allowed: true } });
    expect(decision).toEqual({ personalized: true, sources: new Set(['ACTIVITY', 'AI_CHAT']) });
    expect(usesSource(decision, 'AI_CHAT')).toBe(true);
  });

  it('settings rules cover every source, whatever eligibility said (fail closed)', () => {
    const allowed = { allowed: true } as const;
    expect(decidePersonalization({ purpose: 'ADS', settings: { ...adult, ageBand: 'MINOR' }, aiChat: allowed })).toEqual({ personalized: false, reason: 'MINOR' });
    expect(decidePersonalization({ purpose: 'ADS', settings: { ...adult, regionKnown: false }, aiChat: allowed })).toEqual({ personalized: false, reason: 'REGION_UNKNOWN' });
    expect(decidePersonalization({ purpose: 'CONTENT', settings: { ...adult, nonPersonalizedFeed: true }, aiChat: allowed })).toEqual({
      personalized: false,
      reason: 'NON_PERSONALIZED_FEED',
    });
    // The feed choice is about content; a minor's content feed stays personal.
    expect(decidePersonalization({ purpose: 'CONTENT', settings: { ...adult, ageBand: 'MINOR' }, aiChat: allowed }).personalized).toBe(true);
    expect(usesSource({ personalized: false, reason: 'MINOR' }, 'FOLLOW')).toBe(false);
  });
});

describe('settingsRuleOut and pickNotPersonalizedReason', () => {
  it('the feed choice is checked before person facts; a dependency failure is reported first', () => {
    expect(settingsRuleOut('CONTENT', { ...adult, ageBand: 'MINOR', nonPersonalizedFeed: true })).toBe('NON_PERSONALIZED_FEED');
    expect(settingsRuleOut('ADS', { ...adult, nonPersonalizedFeed: true })).toBeUndefined();
    expect(pickNotPersonalizedReason(['OPTED_OUT', 'REGION_UNKNOWN'])).toBe('REGION_UNKNOWN');
    expect(pickNotPersonalizedReason(['OPTED_OUT', 'DEGRADED', 'MINOR'])).toBe('DEGRADED');
    expect(pickNotPersonalizedReason([])).toBeUndefined();
    expect(new Set(NOT_PERSONALIZED_REASONS).size).toBe(NOT_PERSONALIZED_REASONS.length);
  });
});
