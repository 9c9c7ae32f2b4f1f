import { DEFAULT_REQUEST_DEADLINE, GDPR_STYLE_REGIONS, REQUEST_DEADLINE_RULES, requestDeadlineRule, requestDueTime } from './request-deadlines';
import { isRegionCode } from './regions';

describe('data-subject request deadlines by region', () => {
  const received = new Date('2026-03-01T10:00:00Z');

  it('gives GDPR-style regions 30 days, US states 45, anything else (and unknown) 30', () => {
    for (const region of ['DE', 'FR', 'IE', 'NO', 'GB', 'CH']) expect(requestDeadlineRule(region)).toMatchObject({ rule: 'GDPR', days: 30 });
    expect(requestDeadlineRule('US')).toMatchObject({ rule: 'US_STATE', days: 45 });
    expect(requestDeadlineRule('us')).toMatchObject({ rule: 'US_STATE', days: 45 });
    for (const region of ['BR', 'JP', '']) expect(requestDeadlineRule(region)).toBe(DEFAULT_REQUEST_DEADLINE);
    expect(requestDueTime('DE', received).toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(requestDueTime('US', received).toISOString()).toBe('2026-04-15T10:00:00.000Z');
    expect(requestDueTime('', received).toISOString()).toBe('2026-03-31T10:00:00.000Z');
  });

  it('lists only real region codes, each in one rule, and never a deadline above the default for an unknown region', () => {
    const all = REQUEST_DEADLINE_RULES.flatMap((rule) => rule.regions);
    expect(all.every(isRegionCode)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
    expect(GDPR_STYLE_REGIONS).toHaveLength(32);
    expect(DEFAULT_REQUEST_DEADLINE.days).toBeLessThanOrEqual(Math.min(...REQUEST_DEADLINE_RULES.map((rule) => rule.days)));
  });
});
