import { ConfigError, envReader } from '@signalpath/config';

import { readConfig } from './config';

describe('readConfig', () => {
  it('has documented defaults', () => {
    const config = readConfig(envReader({}));
    expect(config).toMatchObject({
      port: 50053,
      consentAddress: '127.0.0.1:50051',
      halfLifeMs: 30 * 86_400_000,
      eligibilityCacheMaxAgeMs: 2_000,
      ledgerRetentionMs: 30 * 86_400_000,
      applyLeaseMs: 30_000,
      erasureFenceMs: 5_000,
      feedControlFactors: { showMore: 1.5, showLess: 0.5 },
    });
  });

  it('reads the knobs from the environment', () => {
    const config = readConfig(envReader({ PROFILE_HALF_LIFE: '7d', PROFILE_SHOW_MORE_PERCENT: '200', PROFILE_SHOW_LESS_PERCENT: '25', CONSENT_ADDR: 'consent:1', PROFILE_ERASURE_FENCE: '2s' }));
    expect(config).toMatchObject({ halfLifeMs: 7 * 86_400_000, feedControlFactors: { showMore: 2, showLess: 0.25 }, consentAddress: 'consent:1', erasureFenceMs: 2_000 });
  });

  it('rejects bad values naming the variable', () => {
    expect(() => readConfig(envReader({ PROFILE_HALF_LIFE: '0' }))).toThrow(/PROFILE_HALF_LIFE/);
    expect(() => readConfig(envReader({ PROFILE_ERASURE_FENCE: '0' }))).toThrow(/PROFILE_ERASURE_FENCE/);
    expect(() => readConfig(envReader({ PROFILE_ELIGIBILITY_CACHE_MAX_AGE: '5s' }))).toThrow(ConfigError);
    const reader = envReader({ PROFILE_SHOW_LESS_PERCENT: '150', PROFILE_HALF_LIFE: 'soon' });
    readConfig(reader);
    expect(() => reader.done()).toThrow(/PROFILE_SHOW_LESS_PERCENT[\s\S]*PROFILE_HALF_LIFE|PROFILE_HALF_LIFE[\s\S]*PROFILE_SHOW_LESS_PERCENT/);
  });
});
