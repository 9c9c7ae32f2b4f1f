import { DEFAULT_EXCLUDED_REGIONS, EU_MEMBER_STATES, ISO_3166_ALPHA2_CODES, isRegionCode, normalizeRegion } from './regions';

describe('ISO 3166-1 alpha-2', () => {
  it('has the 249 assigned codes, each two upper-case letters, no duplicates, sorted', () => {
    expect(ISO_3166_ALPHA2_CODES).toHaveLength(249);
    expect(new Set(ISO_3166_ALPHA2_CODES).size).toBe(249);
    for (const code of ISO_3166_ALPHA2_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
    expect([...ISO_3166_ALPHA2_CODES].sort()).toEqual(ISO_3166_ALPHA2_CODES);
  });

  it('accepts assigned codes and rejects reserved, user-assigned and malformed ones', () => {
    for (const code of ['US', 'DE', 'GB', 'KR', 'JP', 'BR', 'SS', 'CW', 'AX']) expect(isRegionCode(code)).toBe(true);
    for (const code of ['UK', 'EU', 'EL', 'XK', 'ZZ', 'AA', 'us', 'USA', 'U', '', '12']) expect(isRegionCode(code)).toBe(false);
  });

  it('normalizes case and blanks, keeps "" as unknown, rejects the rest', () => {
    expect(normalizeRegion('us')).toBe('US');
    expect(normalizeRegion(' de ')).toBe('DE');
    expect(normalizeRegion('')).toBe('');
    expect(normalizeRegion('UK')).toBeUndefined();
    expect(normalizeRegion('usa')).toBeUndefined();
  });

  it('the excluded lists are made of assigned codes', () => {
    for (const code of [...EU_MEMBER_STATES, ...DEFAULT_EXCLUDED_REGIONS]) expect(isRegionCode(code)).toBe(true);
    expect(DEFAULT_EXCLUDED_REGIONS).toHaveLength(29);
  });
});
