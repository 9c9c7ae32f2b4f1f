import { KeyedHasher, textDigest } from './keyed-hash';

describe('KeyedHasher', () => {
  const hasher = new KeyedHasher('a-test-secret-of-enough-length');

  it('is deterministic and depends on the secret', () => {
    expect(hasher.recordKey('interaction', 'id-1')).toBe(new KeyedHasher('a-test-secret-of-enough-length').recordKey('interaction', 'id-1'));
    expect(hasher.recordKey('interaction', 'id-1')).not.toBe(new KeyedHasher('another-secret-of-enough-length').recordKey('interaction', 'id-1'));
  });

  it('separates kinds, uses and field boundaries', () => {
    expect(hasher.recordKey('interaction', 'x')).not.toBe(hasher.recordKey('activity', 'x'));
    expect(hasher.fingerprint('interaction', ['ab', 'c'])).not.toBe(hasher.fingerprint('interaction', ['a', 'bc']));
    expect(hasher.signalId('k', '500')).not.toBe(hasher.signalId('k', '501'));
    expect(hasher.signalId('k', '500')).toBe(hasher.signalId('k', '500'));
  });

  it('never contains its input', () => {
    const id = 'interaction-visible-id';
    for (const value of [hasher.recordKey('interaction', id), hasher.fingerprint('interaction', [id]), textDigest(id)]) {
      expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(value).not.toContain('visible');
    }
  });
});
