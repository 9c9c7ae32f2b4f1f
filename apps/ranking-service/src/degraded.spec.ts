import { status } from '@grpc/grpc-js';
import { createClient } from '@signalpath/grpc-kit';
import { common, ranking } from '@signalpath/proto';
import { SURFACES, byId, inline, makeAd, makeItem, rankedIds, startRankingHarness, type RankingHarness } from './testing/harness';

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

function expectDegraded(response: ranking.RankResponse | ranking.RecommendResponse) {
  expect(response.personalized).toBe(false);
  expect(response.notPersonalizedReason).toBe(NPR.NOT_PERSONALIZED_REASON_DEGRADED);
  if ('ranked' in response) expect(response.ranked.every((r) => !r.personalized && r.reasonSet === 0)).toBe(true);
  else expect(response.items.every((r) => !r.personalized && r.reasons.length === 0)).toBe(true);
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
    // ConsentService answered: the preferences are known, so ads stay (ranked without the profile).
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
    // Half the budget without an answer: the settings came from ConsentService directly, so the
    // ads are still ranked (without the profile, with the user's blocks known).
    expect(rankedIds(response)).toContain('d-ad-cooking');
    expect(h.profile.deadlines.length).toBeGreaterThan(0);
    for (const deadline of h.profile.deadlines) expect(deadline).toBeLessThan(startedAt + callerDeadlineMs);
  });

  it('degrades on a failing ConsentService (not only an unreachable one), showing no ads until it answers again', async () => {
    h = await harnessWithClimber();
    h.consent.failWith = status.INTERNAL;
    const response = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expectDegraded(response);
    expect(rankedIds(response)).toEqual(['d-cooking', 'd-dogs', 'd-climbing']);
    h.consent.failWith = undefined;
    const recovered = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    expect(recovered.personalized).toBe(true);
    expect(rankedIds(recovered)).toContain('d-ad-climbing');
  });

  it('ranks from its in-memory catalog when the catalog database is unreachable', async () => {
    h = await harnessWithClimber();
    const before = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
    await h.svc.mongo.close();
    const after = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 5_000 });
    expect(after).toEqual(before);
  });

  it('fails with UNAVAILABLE while its catalog has never been loaded', async () => {
    // Background work not started: the catalog is never loaded, as with a database away since start.
    h = await startRankingHarness({}, { startBackground: false });
    // A client that does not retry UNAVAILABLE (the service clients do, until their deadline).
    const once = createClient(ranking.RankingServiceService, h.svc.address, { serviceName: 'signalpath.ranking.v1.RankingService', timeoutMs: 2_000 });
    try {
      await expect(once.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES, candidateIds: [] })).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await expect(once.recommend({ userId: 'climber', surface: SURFACES.FACEBOOK, kind: 0, limit: 5 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      once.close();
    }
  });
});

/**
 * A user's explicit "no" holds in every mode. While ConsentService is stopped or hung, the user's
 * blocked advertisers and topics are unknown: RankingService shows no ad at all, whether or not
 * this process read the user's settings before (it never falls back to an earlier read, which may
 * predate a block), and a freshly started RankingService behaves the same.
 */
describe('degraded mode never shows an ad the user may have blocked', () => {
  const PREFERENCES_UNAVAILABLE = ranking.FilterReason.FILTER_REASON_PREFERENCES_UNAVAILABLE;
  const ADS_IN_CATALOG = ['d-ad-climbing', 'd-ad-cooking'];
  const CONTENT_BY_BASE_SCORE = ['d-cooking', 'd-dogs', 'd-climbing'];
  let h: RankingHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** Makes ConsentService unusable: stopped (connection refused) or hung (accepts, never answers in time). */
  async function breakConsent(harness: RankingHarness, mode: 'stopped' | 'hung') {
    if (mode === 'stopped') await harness.consent.crash();
    else harness.consent.delayMs = 60_000;
  }

  async function expectNoAds(harness: RankingHarness, userId: string) {
    const options = { timeoutMs: 3_000 };
    const ranked = await harness.client.rank({ userId, surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, options);
    expectDegraded(ranked);
    expect(rankedIds(ranked)).toEqual(CONTENT_BY_BASE_SCORE);
    expect(ranked.filtered).toEqual(ADS_IN_CATALOG.map((itemId) => ({ itemId, reason: PREFERENCES_UNAVAILABLE })));
    // Inline ads too: nothing about an ad makes it safe when the blocks are unknown.
    const inlineAd = makeAd('d-inline-ad', [DOGS], 'adv-unseen', { baseScore: 99 });
    const inlineRanked = await harness.client.rank({ userId, surface: SURFACES.FACEBOOK, candidates: [inline(inlineAd), byId('d-dogs')] }, options);
    expect(rankedIds(inlineRanked)).toEqual(['d-dogs']);
    expect(inlineRanked.filtered).toEqual([{ itemId: 'd-inline-ad', reason: PREFERENCES_UNAVAILABLE }]);

    for (const kind of [ranking.ItemKind.ITEM_KIND_UNSPECIFIED, ranking.ItemKind.ITEM_KIND_AD]) {
      const recommended = await harness.client.recommend({ userId, surface: SURFACES.FACEBOOK, kind, limit: 10 }, options);
      expect(recommended.personalized).toBe(false);
      expect(recommended.notPersonalizedReason).toBe(NPR.NOT_PERSONALIZED_REASON_DEGRADED);
      expect(recommended.items.filter((r) => r.item?.kind === ranking.ItemKind.ITEM_KIND_AD)).toEqual([]);
      if (kind === ranking.ItemKind.ITEM_KIND_UNSPECIFIED) expect(rankedIds(recommended)).toEqual(CONTENT_BY_BASE_SCORE);
    }

    for (const itemId of ADS_IN_CATALOG) {
      const explained = await harness.client.explainItem({ userId, itemId, surface: SURFACES.FACEBOOK }, options);
      expect(explained).toMatchObject({ filterReason: PREFERENCES_UNAVAILABLE, personalized: false, reasons: [], notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_DEGRADED });
      expect(explained.explanation).toMatch(/ad preferences can't be checked right now/);
    }
    const post = await harness.client.explainItem({ userId, itemId: 'd-climbing', surface: SURFACES.FACEBOOK }, options);
    expect(post).toMatchObject({ filterReason: ranking.FilterReason.FILTER_REASON_UNSPECIFIED, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_DEGRADED });
  }

  describe.each(['stopped', 'hung'] as const)('ConsentService %s', (mode) => {
    it('a user whose blocks this process read before: no ad at all, not only the blocked one', async () => {
      h = await harnessWithClimber();
      h.consent.set('climber', { adPreferences: { blockedAdvertiserIds: ['adv-pans'] } });
      const healthy = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES });
      expect(healthy.filtered).toEqual([{ itemId: 'd-ad-cooking', reason: ranking.FilterReason.FILTER_REASON_BLOCKED_ADVERTISER }]);
      expect(rankedIds(healthy)).toContain('d-ad-climbing');

      // The user now also blocks climbing ads; ConsentService fails before RankingService reads it.
      h.consent.set('climber', { adPreferences: { blockedAdvertiserIds: ['adv-pans'], blockedTopicIds: [CLIMBING] } });
      await breakConsent(h, mode);
      await expectNoAds(h, 'climber');
    });

    it('a fresh RankingService that never saw the user: no ad at all', async () => {
      h = await harnessWithClimber();
      h.consent.set('climber', { adPreferences: { blockedAdvertiserIds: ['adv-summit', 'adv-pans'] } });
      await breakConsent(h, mode);
      await expectNoAds(h, 'climber');
      await expectNoAds(h, 'never-seen');
    });

    it('ads come back once ConsentService answers again, with the blocks applied', async () => {
      h = await harnessWithClimber();
      h.consent.set('climber', { adPreferences: { blockedAdvertiserIds: ['adv-pans'] } });
      await breakConsent(h, mode);
      await expectNoAds(h, 'climber');
      if (mode === 'stopped') await h.consent.start(Number(h.consent.address.split(':')[1]));
      else h.consent.delayMs = 0;
      // A restarted server is reached once the channel reconnects (its backoff): ask until it is.
      let recovered = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 5_000 });
      for (let attempt = 0; recovered.notPersonalizedReason === NPR.NOT_PERSONALIZED_REASON_DEGRADED && attempt < 100; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        recovered = await h.client.rank({ userId: 'climber', surface: SURFACES.FACEBOOK, candidates: CANDIDATES }, { timeoutMs: 5_000 });
      }
      expect(recovered.filtered).toEqual([{ itemId: 'd-ad-cooking', reason: ranking.FilterReason.FILTER_REASON_BLOCKED_ADVERTISER }]);
      expect(rankedIds(recovered)).toContain('d-ad-climbing');
    });
  });
});
