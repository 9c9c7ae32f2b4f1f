import { status } from '@grpc/grpc-js';
import { common, consent, profile, ranking } from '@signalpath/proto';
import { SURFACES, makeAd, makeItem, rankedIds, startRankingHarness, type RankingHarness } from './testing/harness';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const NPR = ranking.NotPersonalizedReason;
const CLIMBING = '500';
const EXTREME_SPORTS = '498';
const COOKING = '216';
const DOGS = '425';
const PROFANITY = 'j9PaO9';

describe('Recommend', () => {
  let h: RankingHarness;
  beforeAll(async () => {
    h = await startRankingHarness({ RANKING_DIVERSITY_CAP: '3', RANKING_DIVERSITY_WINDOW: '10' });
    // 300 popular items on five other topics crowd out the few, unpopular climbing ones: only
    // retrieval by topic finds those.
    const fillerTopics = [COOKING, DOGS, '424', '533', '324'];
    const filler = Array.from({ length: 300 }, (_, i) => makeItem(`filler-${i}`, [fillerTopics[i % fillerTopics.length]], { baseScore: 100 + i }));
    await h.client.upsertItems({
      items: [
        ...filler,
        makeItem('climb-post', [CLIMBING], { baseScore: 1 }),
        makeItem('climb-group', [CLIMBING], { kind: ranking.ItemKind.ITEM_KIND_GROUP, baseScore: 1 }),
        makeItem('climb-reel-ig', [CLIMBING], { kind: ranking.ItemKind.ITEM_KIND_REEL, baseScore: 1, surfaces: [SURFACES.INSTAGRAM] }),
        ...Array.from({ length: 6 }, (_, i) => makeItem(`climb-more-${i}`, [CLIMBING], { baseScore: 0.5 })),
        makeAd('climb-ad', [CLIMBING], 'adv-summit', { baseScore: 1 }),
        makeAd('popular-ad', [COOKING], 'adv-pans', { baseScore: 500 }),
        // Restricted (brand safety): never shown, however popular.
        makeAd('restricted-ad', [PROFANITY], 'adv-edgy', { baseScore: 1000 }),
      ],
    });
  });
  afterAll(async () => h?.stop());

  it("retrieves by the user's top topics (with subtopics) beyond the popular items", async () => {
    h.profile.setInterests('r-climber', CONTENT, [{ topicId: EXTREME_SPORTS, score: 5 }]);
    const response = await h.client.recommend({ userId: 'r-climber', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 10 });
    expect(response.items).toHaveLength(10);
    expect(response.personalized).toBe(true);
    const ids = rankedIds(response);
    expect(ids.slice(0, 3).sort()).toEqual(['climb-group', 'climb-more-0', 'climb-post'].sort());
    // Diversity: at most 3 climbing items in the top 10; never the Instagram-only reel on Facebook.
    expect(ids.filter((id) => id?.startsWith('climb-') && id !== 'climb-ad').length).toBeLessThanOrEqual(3);
    expect(ids).not.toContain('climb-reel-ig');
  });

  it('filters by kind and leaves filtered items out', async () => {
    h.profile.setInterests('r-ads', ADS, [{ topicId: CLIMBING, score: 5 }]);
    const response = await h.client.recommend({ userId: 'r-ads', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_AD, limit: 0 });
    expect(rankedIds(response)).toEqual(['climb-ad', 'popular-ad']);
    expect(response.items.every((r) => r.item?.kind === ranking.ItemKind.ITEM_KIND_AD)).toBe(true);
    const groups = await h.client.recommend({ userId: 'r-climber', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_GROUP, limit: 5 });
    expect(rankedIds(groups)).toEqual(['climb-group']);
  });

  it('falls back to popular items for a user without interests, and applies the default and maximum limits', async () => {
    const response = await h.client.recommend({ userId: 'r-new', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 0 });
    expect(response.items).toHaveLength(20);
    expect(response.items[0].item?.itemId).toBe('filler-299');
    expect(response).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_UNSPECIFIED });
    const capped = await h.client.recommend({ userId: 'r-new', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 100_000 });
    expect(capped.items).toHaveLength(200);
  });

  it('gives the real reason for a new user: unknown region, unknown age — never OPTED_OUT', async () => {
    h.consent.update('r-no-region', { region: '' });
    const ads = await h.client.recommend({ userId: 'r-no-region', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_AD, limit: 5 });
    expect(ads).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_REGION_UNKNOWN });
    h.consent.update('r-no-age', { ageBand: consent.AgeBand.AGE_BAND_UNKNOWN });
    const noAge = await h.client.recommend({ userId: 'r-no-age', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 5 });
    expect(noAge).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_AGE_UNKNOWN });
    // ProfileService's reasons arrive as themselves (before: every other refusal read as OPTED_OUT).
    h.profile.setNotPersonalized('r-excluded', ADS, profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED);
    const excluded = await h.client.recommend({ userId: 'r-excluded', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_AD, limit: 5 });
    expect(excluded).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_REGION_EXCLUDED });
  });

  it('shapes the feed of a user without history by an explicit show-more (a declared interest)', async () => {
    h.consent.update('r-declared', { showMoreTopicIds: [CLIMBING] });
    const response = await h.client.recommend({ userId: 'r-declared', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 5 });
    expect(response.items[0].item?.topicIds).toEqual([CLIMBING]);
    const why = await h.client.explainItem({ userId: 'r-declared', itemId: response.items[0].item?.itemId ?? '', surface: SURFACES.FACEBOOK });
    expect(why.explanation).toMatch(/asked to see more about Climbing/);
  });

  it('reuses the popular fallback briefly, but drops it on a catalog write', async () => {

    const first = await h.client.recommend({ userId: 'r-new2', surface: SURFACES.WHATSAPP, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 3 });
    expect(first.items[0].item?.itemId).toBe('filler-299');
    await h.client.upsertItems({ items: [makeItem('brand-new-hit', [DOGS], { baseScore: 10_000 })] });
    const second = await h.client.recommend({ userId: 'r-new2', surface: SURFACES.WHATSAPP, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 3 });
    expect(second.items[0].item?.itemId).toBe('brand-new-hit');
    await h.client.deleteItems({ itemIds: ['brand-new-hit'] });
    const third = await h.client.recommend({ userId: 'r-new2', surface: SURFACES.WHATSAPP, kind: ranking.ItemKind.ITEM_KIND_POST, limit: 3 });
    expect(third.items[0].item?.itemId).toBe('filler-299');
  });

  it('rejects bad input naming the field', async () => {
    for (const [request, field] of [
      [{ userId: '', surface: SURFACES.FACEBOOK, kind: 0, limit: 0 }, 'user_id'],
      [{ userId: 'u', surface: 0, kind: 0, limit: 0 }, 'surface'],
      [{ userId: 'u', surface: SURFACES.FACEBOOK, kind: 0, limit: -1 }, 'limit'],
      [{ userId: 'u', surface: SURFACES.FACEBOOK, kind: 9, limit: 0 }, 'kind'],
    ] as Array<[ranking.RecommendRequest, string]>) {
      await expect(h.client.recommend(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(`${field}:`) });
    }
  });

  describe('ad load with mixed kinds (max_ads)', () => {
    const adsIn = (response: ranking.RecommendResponse) => response.items.filter((r) => r.item?.kind === ranking.ItemKind.ITEM_KIND_AD).map((r) => r.item?.itemId);
    const mixed = (limit: number, maxAds?: number) =>
      h.client.recommend(ranking.RecommendRequest.fromPartial({ userId: 'r-adload', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit, maxAds }));

    it('gives ads their places although 300 posts score higher (not crowded out), and no more (not flooding)', async () => {
      h.profile.setInterests('r-adload', ADS, [{ topicId: CLIMBING, score: 5 }]);
      // Default: a fifth of 10 places; the low-scoring climbing ad gets its place.
      const byDefault = await mixed(10);
      expect(byDefault.items).toHaveLength(10);
      expect(adsIn(byDefault).sort()).toEqual(['climb-ad', 'popular-ad']);
      expect((await mixed(10, 1)).items.filter((r) => r.item?.kind === ranking.ItemKind.ITEM_KIND_AD)).toHaveLength(1);
      expect(adsIn(await mixed(10, 0))).toEqual([]);
      // More ad places than eligible ads: the rest go to posts (the restricted ad is never one).
      const generous = await mixed(10, 8);
      expect(generous.items).toHaveLength(10);
      expect(adsIn(generous).sort()).toEqual(['climb-ad', 'popular-ad']);
      // Ads scoring above every post: still only their places.
      await h.client.upsertItems({ items: Array.from({ length: 6 }, (_, i) => makeAd(`loud-ad-${i}`, [COOKING], `adv-loud-${i}`, { baseScore: 900 + i })) });
      const flooded = await mixed(10);
      expect(flooded.items).toHaveLength(10);
      expect(adsIn(flooded)).toHaveLength(2);
      // One kind asked for: the ad load does not apply.
      expect((await h.client.recommend({ userId: 'r-adload', surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_AD, limit: 10 })).items.length).toBeGreaterThan(2);
    });

    it('refuses a negative max_ads, naming it', async () => {
      await expect(mixed(10, -1)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('max_ads') });
    });
  });
});
