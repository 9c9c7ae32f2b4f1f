import { ConfigError, envReader } from '@signalpath/config';
import { readConfig } from './config';

const read = (env: Record<string, string>) => {
  const reader = envReader(env);
  const config = readConfig(reader);
  reader.done();
  return config;
};

describe('ConsentService configuration', () => {
  it('defaults to the documented policy table and addresses', () => {
    const config = read({});
    expect(config.policy.effectiveDate.toISOString()).toBe('2025-12-16T00:00:00.000Z');
    expect(config.policy.excludedRegions.size).toBe(29);
    expect(config.policy.excludedRegions.has('KR')).toBe(true);
    expect(config).toMatchObject({ port: 50051, settingsCacheMaxStalenessMs: 500 });
    // The stack description's userData services, at their default addresses, tokens naming each.
    expect(config.userDataTargets).toEqual([
      { key: 'signal', address: '127.0.0.1:50052', audience: 'signalpath.signal.v1.SignalService' },
      { key: 'profile', address: '127.0.0.1:50053', audience: 'signalpath.profile.v1.ProfileService' },
    ]);
    expect(config.erasure).toEqual({ pollIntervalMs: 1000, leaseMs: 30000, backoffInitialMs: 1000, backoffMaxMs: 300000, callTimeoutMs: 10000 });
  });

  it('reads the policy knobs from the environment', () => {
    const config = read({ CONSENT_POLICY_EFFECTIVE_DATE: '2026-01-01', CONSENT_POLICY_EXCLUDED_REGIONS: 'de, fr,BR', SIGNAL_ADDR: 'signal:1', PROFILE_PORT: '6000' });
    expect(config.policy.effectiveDate.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect([...config.policy.excludedRegions]).toEqual(['DE', 'FR', 'BR']);
    expect(config.userDataTargets.map((t) => t.address)).toEqual(['signal:1', '127.0.0.1:6000']);
  });

  it('reads the user-data targets as a list: stack services by name, others with an address', () => {
    const config = read({ CONSENT_USER_DATA_TARGETS: 'profile, archive@10.0.0.9:7000', PROFILE_ADDR: 'profile:1' });
    expect(config.userDataTargets).toEqual([
      { key: 'profile', address: 'profile:1', audience: 'signalpath.profile.v1.ProfileService' },
      // Outside the stack description: tokens name the contract itself.
      { key: 'archive', address: '10.0.0.9:7000', audience: 'signalpath.userdata.v1.UserDataService' },
    ]);
    expect(read({ CONSENT_USER_DATA_TARGETS: 'ranking' }).userDataTargets).toEqual([{ key: 'ranking', address: '127.0.0.1:50054', audience: 'signalpath.ranking.v1.RankingService' }]);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: 'archive' })).toThrow(/CONSENT_USER_DATA_TARGETS: "archive" is not a service of .*give its address as archive@host:port/);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: 'signal,signal' })).toThrow(/"signal" is listed twice/);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: 'consent' })).toThrow(/not a target/);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: 'Sig.nal@x:1' })).toThrow(/is not a target name/);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: 'archive@' })).toThrow(/empty address/);
    expect(() => read({ CONSENT_USER_DATA_TARGETS: ' , ' })).toThrow(/names no target/);
  });

  it('rejects bad values naming the variable', () => {
    expect(() => read({ CONSENT_POLICY_EXCLUDED_REGIONS: 'DE,EU' })).toThrow(ConfigError);
    expect(() => read({ CONSENT_POLICY_EXCLUDED_REGIONS: 'DE,EU' })).toThrow(/CONSENT_POLICY_EXCLUDED_REGIONS.*EU/);
    expect(() => read({ CONSENT_POLICY_EFFECTIVE_DATE: 'someday' })).toThrow(/CONSENT_POLICY_EFFECTIVE_DATE/);
    // No policy may reach before 2020-01-01: ProfileService refuses signals from before it.
    expect(() => read({ CONSENT_POLICY_EFFECTIVE_DATE: '2019-12-31' })).toThrow(/CONSENT_POLICY_EFFECTIVE_DATE must not be before 2020-01-01/);
    expect(read({ CONSENT_POLICY_EFFECTIVE_DATE: '2020-01-01' }).policy.effectiveDate.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(() => read({ CONSENT_SETTINGS_CACHE_MAX_STALENESS: '5s' })).toThrow(/CONSENT_SETTINGS_CACHE_MAX_STALENESS/);
    expect(() => read({ CONSENT_ERASURE_CALL_TIMEOUT: '1m' })).toThrow(/CONSENT_ERASURE_CALL_TIMEOUT/);
    expect(() => read({ CONSENT_ERASURE_LEASE: 'long' })).toThrow(/CONSENT_ERASURE_LEASE/);
  });
});
