import { status } from '@grpc/grpc-js';
import { common, ranking } from '@signalpath/proto';
import { SURFACES, byId, makeAd, makeItem, rankedIds, startRankingHarness, type RankingHarness } from './testing/harness';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const NPR = ranking.NotPersonalizedReason;
const CLIMBING = '500';
const COOKING = '216';
const DOGS = '425';

const CATALOG = [
  makeItem('d-climbing', [CLIMBING], { baseScore: 1 }),
  makeItem('d-cooking', [COOKING], { baseScore: 50 }),
  makeItem('d-dogs', [DOGS], { baseScore: 20 }),
  makeAd('d-ad-climbing', [CLIMBING], 'adv-summit', { baseScore: 1 }),
  makeAd('d-ad-cooking', [COOKING], 'adv-pans', { baseScore: 60 }),
];
const CANDIDATES = CATALOG.map((item) => byId(item.itemId));

async function harnessWithClimber(): Promise<RankingHarness> {
  const h = await startRankingHarness();
  await h.client.upsertItems({ items: CATALOG });
  h.profile.setInterests('climber', CONTENT, [{ topicId: CLIMBING, score: 9 }]);
  h.profile.setInterests('climber', ADS, [{ topicId: CLIMBING, score: 9 }]);
  return h;
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work;
  return [result, Date.now() - started];
}

function expectDegraded(response: { items: ranking.RankedItem[]; personalized: boolean; notPersonalizedReason: ranking.NotPersonalizedReason }) {
  expect(response.personalized).toBe(false);
  expect(response.notPersonalizedReason).toBe(NPR.NOT_PERSONALIZED_REASON_DEGRADED);
  expect(response.items.every((r) => !r.personalized && r.reasons.length === 0)).toBe(true);
}

describe('degraded mode', () => {
  let h: RankingHarness;
  afterEach(async () => h?.stop());

  it('answers non-personalized, marked DEGRADED, when ProfileService is stopped', async () => {
    h = await harnessWithClimber();
    const healthy = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expect(healthy.personalized).toBe(true);
    expect(rankedIds(healthy).slice(0, 2).sort()).toEqual(['d-ad-climbing', 'd-climbing']);

    await h.profile.stop();
    const [response, elapsed] = await timed(h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 2_000 }));
    expectDegraded(response);
    expect(rankedIds(response)).toEqual(['d-ad-cooking', 'd-cooking', 'd-dogs', 'd-climbing', 'd-ad-climbing']);
    expect(elapsed).toBeLessThan(2_000);

    const recommended = await h.client.recommend({ userId: 'climber', surface: SURFACES.FACEBOOK, kind: 0, limit: 3 }, { timeoutMs: 2_000 });
    expectDegraded(recommended);
    expect(rankedIds(recommended)).toEqual(['d-ad-cooking', 'd-cooking', 'd-dogs']);

    const explained = await h.client.explainItem({ userId: 'climber', itemId: 'd-climbing', surface: SURFACES.FACEBOOK }, { timeoutMs: 2_000 });
    expect(explained).toMatchObject({ personalized: false, reasons: [], notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_DEGRADED });
    expect(explained.explanation).toMatch(/unavailable right now/);
  });

  it("answers within the caller's deadline when ProfileService hangs, and calls it with a shorter deadline", async () => {
    h = await harnessWithClimber();
    h.profile.delayMs = 10_000;
    const callerDeadlineMs = 250;
    const startedAt = Date.now();
    const [response, elapsed] = await timed(h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: callerDeadlineMs }));
    expectDegraded(response);
    expect(elapsed).toBeLessThan(callerDeadlineMs);
    expect(h.profile.deadlines.length).toBeGreaterThan(0);
    for (const deadline of h.profile.deadlines) expect(deadline).toBeLessThan(startedAt + callerDeadlineMs);
  });

  it('never personalizes on unreachable consent, but keeps applying the last known blocks', async () => {
    h = await harnessWithClimber();
    h.consent.set('climber', { adPreferences: { blockedAdvertiserIds: ['adv-pans'] } });
    const healthy = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expect(healthy.personalized).toBe(true);
    expect(healthy.filtered).toEqual([{ itemId: 'd-ad-cooking', reason: ranking.FilterReason.FILTER_REASON_BLOCKED_ADVERTISER }]);

    await h.consent.crash();
    const response = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 2_000 });
    expectDegraded(response);
    expect(response.filtered).toEqual([{ itemId: 'd-ad-cooking', reason: ranking.FilterReason.FILTER_REASON_BLOCKED_ADVERTISER }]);
    // A user never seen before: nothing to filter by, still non-personalized.
    const stranger = await h.client.rank({ userId: 'stranger', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 2_000 });
    expectDegraded(stranger);
  });

  it('degrades on a failing ConsentService (not only an unreachable one)', async () => {
    h = await harnessWithClimber();
    h.consent.failWith = status.INTERNAL;
    const response = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expectDegraded(response);
    h.consent.failWith = undefined;
    const recovered = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expect(recovered.personalized).toBe(true);
  });

  it('still fails with UNAVAILABLE when its own catalog store is unreachable', async () => {
    h = await harnessWithClimber();
    await h.svc.mongo.close();
    await expect(h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
  });
});
