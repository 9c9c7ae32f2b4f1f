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

  it('keeps answers with and without a GPC signal apart, and passes the signal on', async () => {
    const { client, calls } = fakeConsent([{ allowed: true }, { allowed: false }]);
    const cache = new EligibilityCache(client);
    expect((await cache.check(query)).allowed).toBe(true);
    expect((await cache.check({ ...query, gpc: true })).allowed).toBe(false);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ gpc: true });
    expect(calls[0]).not.toHaveProperty('gpc');
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

describe('EligibilityCache single-flight', () => {
  /** A consent client whose answers the test releases by hand. */
  function gatedConsent() {
    const calls: Array<{ request: unknown; options: unknown; answer: (allowed: boolean) => void; fail: (error: Error) => void }> = [];
    const client = {
      checkEligibility: (request: unknown, options: unknown) =>
        new Promise((resolve, reject) => {
          calls.push({
            request,
            options,
            answer: (allowed) => resolve({ allowed, reason: allowed ? consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED : consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT, settingsVersion: '1' }),
            fail: reject,
          });
        }),
    } as unknown as ConsentClient;
    return { client, calls };
  }

  it('shares one call among identical checks in flight, even with caching off', async () => {
    const { client, calls } = gatedConsent();
    const cache = new EligibilityCache(client, { maxAgeMs: -1 });
    const checks = Array.from({ length: 50 }, () => cache.check(query));
    const other = cache.check({ ...query, purpose: common.Purpose.PURPOSE_CONTENT });
    expect(calls).toHaveLength(2);
    calls[0].answer(true);
    calls[1].answer(false);
    expect((await Promise.all(checks)).every((r) => r.allowed)).toBe(true);
    expect((await other).allowed).toBe(false);
    // Nothing kept with caching off: the next check asks again.
    const again = cache.check(query);
    expect(calls).toHaveLength(3);
    calls[2].answer(false);
    expect((await again).allowed).toBe(false);
  });

  it('passes the deadline but not the cancellation of the first caller to the shared call', async () => {
    const { client, calls } = gatedConsent();
    const cache = new EligibilityCache(client);
    const parent = { getDeadline: () => Infinity } as never;
    const check = cache.check(query, parent);
    expect(calls[0].options).toEqual({ parent, detachCancellation: true });
    calls[0].answer(true);
    await check;
  });

  it('shares a failure with the callers in flight but remembers nothing of it', async () => {
    const { client, calls } = gatedConsent();
    const cache = new EligibilityCache(client);
    const checks = [cache.check(query), cache.check(query)];
    calls[0].fail(new Error('UNAVAILABLE'));
    for (const check of checks) await expect(check).rejects.toThrow('UNAVAILABLE');
    const next = cache.check(query);
    expect(calls).toHaveLength(2);
    calls[1].answer(true);
    expect((await next).allowed).toBe(true);
  });

  it('after invalidate, neither joins nor caches a lookup that started before it', async () => {
    const { client, calls } = gatedConsent();
    const cache = new EligibilityCache(client);
    const before = cache.check(query);
    cache.invalidate('u1');
    const after = cache.check(query);
    expect(calls).toHaveLength(2);
    calls[0].answer(true);
    calls[1].answer(false);
    expect((await before).allowed).toBe(true);
    expect((await after).allowed).toBe(false);
    // The cached answer is the one asked after the invalidation.
    expect((await cache.check(query)).allowed).toBe(false);
    expect(calls).toHaveLength(2);
  });
});
