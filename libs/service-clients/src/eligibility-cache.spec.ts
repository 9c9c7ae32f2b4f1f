import { common, consent } from '@signalpath/proto';
import type { ConsentClient } from './clients';
import { EligibilityCache } from './eligibility-cache';

function fakeConsent(answers: Array<{ allowed: boolean } | Error>) {
  const calls: unknown[] = [];
  const client = {
    checkEligibility: async (request: unknown) => {
      calls.push(request);
      const next = answers.shift();
      if (!next || next instanceof Error) throw next ?? new Error('no answer');
      return { allowed: next.allowed, reason: next.allowed ? consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED : consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT, settingsVersion: '3' };
    },
  } as unknown as ConsentClient;
  return { client, calls };
}

const query = { userId: 'u1', surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_ADS, eventTime: new Date('2026-01-01T00:00:00Z') };

describe('EligibilityCache', () => {
  it('reuses an answer for at most maxAgeMs, then asks again', async () => {
    let now = 1_000;
    const { client, calls } = fakeConsent([{ allowed: true }, { allowed: false }]);
    const cache = new EligibilityCache(client, { maxAgeMs: 2_000, now: () => now });
    expect((await cache.check(query)).allowed).toBe(true);
    now += 2_000;
    expect((await cache.check(query)).allowed).toBe(true);
    expect(calls).toHaveLength(1);
    now += 1;
    expect((await cache.check(query)).allowed).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('keeps answers for different purposes and users apart', async () => {
    const { client, calls } = fakeConsent([{ allowed: true }, { allowed: false }, { allowed: true }]);
    const cache = new EligibilityCache(client);
    await cache.check(query);
    expect((await cache.check({ ...query, purpose: common.Purpose.PURPOSE_CONTENT })).allowed).toBe(false);
    expect((await cache.check({ ...query, userId: 'u2' })).allowed).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('caches nothing when the call fails, so callers fail closed and retry', async () => {
    const { client, calls } = fakeConsent([new Error('UNAVAILABLE'), { allowed: true }]);
    const cache = new EligibilityCache(client);
    await expect(cache.check(query)).rejects.toThrow('UNAVAILABLE');
    expect((await cache.check(query)).allowed).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('drops a user on invalidate', async () => {
    const { client, calls } = fakeConsent([{ allowed: true }, { allowed: false }]);
    const cache = new EligibilityCache(client);
    await cache.check(query);
    cache.invalidate('u1');
    expect((await cache.check(query)).allowed).toBe(false);
    expect(calls).toHaveLength(2);
  });
});
