import { ConfigError, envReader } from './env';
import { readServerConfig, readServiceAddress } from './services';

describe('envReader', () => {
  it('uses fallbacks when variables are unset or blank', () => {
    const env = envReader({ BLANK: '  ' });
    expect(env.port('CONSENT_PORT', 50051)).toBe(50051);
    expect(env.string('BLANK', 'x')).toBe('x');
    expect(env.bool('FLAG', true)).toBe(true);
    expect(() => env.done()).not.toThrow();
  });

  it('parses ports, integers, booleans, durations, dates and lists', () => {
    const env = envReader({ P: '0', I: '-3', B: 'off', D: '90d', M: '250ms', T: '2025-12-16', L: 'GB, KR,,DE' });
    expect(env.port('P', 1)).toBe(0);
    expect(env.int('I', 0, { min: -5 })).toBe(-3);
    expect(env.bool('B', true)).toBe(false);
    expect(env.durationMs('D', 0)).toBe(90 * 86_400_000);
    expect(env.durationMs('M', 0)).toBe(250);
    expect(env.date('T', '2000-01-01').toISOString()).toBe('2025-12-16T00:00:00.000Z');
    expect(env.list('L', [])).toEqual(['GB', 'KR', 'DE']);
    expect(() => env.done()).not.toThrow();
  });

  it('reports every bad variable by name', () => {
    const env = envReader({ CONSENT_PORT: 'abc', SIGNAL_PORT: '70000', FLAG: 'maybe', WINDOW: '3 weeks', WHEN: 'soon', SIGNALPATH_AUTH: 'maybe' });
    env.oneOf('SIGNALPATH_AUTH', ['required', 'off'] as const, 'required');
    env.port('CONSENT_PORT', 50051);
    env.port('SIGNAL_PORT', 50052);
    env.bool('FLAG', false);
    env.durationMs('WINDOW', 1);
    env.date('WHEN', '2025-12-16');
    try {
      env.done();
      throw new Error('expected ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['CONSENT_PORT', 'SIGNAL_PORT', 'FLAG', 'WINDOW', 'WHEN', 'SIGNALPATH_AUTH']) expect(problems).toContain(name);
    }
  });
});

describe('service settings', () => {
  it('defaults to the documented ports on loopback', () => {
    const env = envReader({});
    expect(readServerConfig(env, 'ranking')).toMatchObject({ host: '127.0.0.1', port: 50054 });
    expect(readServiceAddress(env, 'consent')).toBe('127.0.0.1:50051');
  });

  it('runs as production unless SIGNALPATH_ENV says development', () => {
    expect(readServerConfig(envReader({}), 'signal').environment).toBe('production');
    expect(readServerConfig(envReader({ SIGNALPATH_ENV: 'development' }), 'signal').environment).toBe('development');
    const bad = envReader({ SIGNALPATH_ENV: 'dev' });
    readServerConfig(bad, 'signal');
    expect(() => bad.done()).toThrow('SIGNALPATH_ENV');
  });

  it('lets each address be overridden', () => {
    const env = envReader({ PROFILE_PORT: '6000', SIGNAL_ADDR: 'signal.internal:443' });
    expect(readServiceAddress(env, 'profile')).toBe('127.0.0.1:6000');
    expect(readServiceAddress(env, 'signal')).toBe('signal.internal:443');
  });

  it('names the described services when asked for one it does not describe', () => {
    expect(() => readServerConfig(envReader({}), 'billing')).toThrow('unknown service "billing": libs/config/src/stack.json describes consent, signal, profile, ranking');
  });
});
