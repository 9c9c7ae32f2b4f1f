import { ConfigError, envReader } from '@signalpath/config';
import { DEV_HASH_SECRET, readConfig } from './config';

function read(env: Record<string, string>) {
  const reader = envReader(env);
  const config = readConfig(reader);
  reader.done();
  return config;
}

describe('readConfig', () => {
  it('refuses to start outside development without SIGNAL_HASH_SECRET, naming it', () => {
    for (const env of [{}, { SIGNALPATH_ENV: 'production' }, { SIGNALPATH_ENV: 'production', SIGNAL_HASH_SECRET: '  ' }] as Array<Record<string, string>>) {
      expect(() => read(env)).toThrow(ConfigError);
      expect(() => read(env)).toThrow('SIGNAL_HASH_SECRET must be set');
    }
    expect(read({ SIGNAL_HASH_SECRET: 'a-production-secret-value' }).hashSecret).toBe('a-production-secret-value');
  });

  it('has safe defaults (development)', () => {
    const config = read({ SIGNALPATH_ENV: 'development' });
    expect(config).toMatchObject({
      port: 50052,
      consentAddress: '127.0.0.1:50051',
      profileAddress: '127.0.0.1:50053',
      retentionMs: 90 * 86_400_000,
      allowSensitiveContent: false,
      deliveryBatchSize: 500,
      hashSecret: DEV_HASH_SECRET,
      erasureFenceMs: 5_000,
    });
  });

  it('reads every knob', () => {
    const config = read({
      CONSENT_ADDR: 'consent:1',
      PROFILE_ADDR: 'profile:2',
      SIGNAL_RETENTION: '30d',
      SIGNAL_RETENTION_SWEEP_INTERVAL: '5m',
      SIGNAL_ALLOW_SENSITIVE_CONTENT: 'true',
      SIGNAL_DELIVERY_BATCH_SIZE: '100',
      SIGNAL_DELIVERY_INTERVAL: '10ms',
      SIGNAL_DELIVERY_IDLE_MAX: '2s',
      SIGNAL_HASH_SECRET: 'a-production-secret-value',
      SIGNAL_ERASURE_FENCE: '2s',
    });
    expect(config).toMatchObject({
      consentAddress: 'consent:1',
      profileAddress: 'profile:2',
      retentionMs: 30 * 86_400_000,
      retentionSweepIntervalMs: 300_000,
      allowSensitiveContent: true,
      deliveryBatchSize: 100,
      deliveryIntervalMs: 10,
      deliveryIdleMaxMs: 2_000,
      hashSecret: 'a-production-secret-value',
      erasureFenceMs: 2_000,
    });
  });

  it.each([
    ['SIGNAL_DELIVERY_BATCH_SIZE', '1001'],
    ['SIGNAL_DELIVERY_BATCH_SIZE', 'many'],
    ['SIGNAL_RETENTION', '0'],
    ['SIGNAL_RETENTION', 'forever'],
    ['SIGNAL_ALLOW_SENSITIVE_CONTENT', 'maybe'],
    ['SIGNAL_HASH_SECRET', 'short'],
    ['SIGNAL_DELIVERY_LEASE', '15s'],
    ['SIGNAL_DELIVERY_CLAIM_BATCHES', '0'],
    ['SIGNAL_ERASURE_FENCE', '0'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const env = { SIGNALPATH_ENV: 'development', [name]: value };
    expect(() => read(env)).toThrow(ConfigError);
    expect(() => read(env)).toThrow(name);
  });
});
