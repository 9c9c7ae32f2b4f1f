import { status } from '@grpc/grpc-js';
import { common, consent, profile, ranking } from '@signalpath/proto';
import { MAX_CANDIDATES } from './handlers/ranking';
import { SURFACES, byId, inline, makeAd, makeItem, rankedIds, reasonsOf, startRankingHarness, type RankInput, type RankingHarness } from './testing/harness';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const { FILTER_REASON_BLOCKED_TOPIC, FILTER_REASON_BLOCKED_ADVERTISER, FILTER_REASON_NOT_ON_SURFACE, FILTER_REASON_SENSITIVE_TOPIC, FILTER_REASON_NOT_FOUND, FILTER_REASON_UNSPECIFIED } =
  ranking.FilterReason;
const NPR = ranking.NotPersonalizedReason;
const AI_CHAT = common.SourceKind.SOURCE_KIND_AI_CHAT;
const PAGE_LIKE = common.SourceKind.SOURCE_KIND_PAGE_LIKE;

// IAB Content Taxonomy 3.1 ids.
const SPORTS = '483';
const EXTREME_SPORTS = '498';
const CLIMBING = '500';
const SURFING = '505';
const SOCCER = '533';
const SPORTS_EQUIPMENT = '551';
const COOKING = '216';
const DOGS = '425';
const FITNESS = '225';
const MEDICAL_HEALTH = '286';
const DIABETES = '317';
const WOMENS_HEALTH = '238';
const RELIGION = '453';
const CHRISTIANITY = '459';

const SENSITIVE_IDS = new Set([MEDICAL_HEALTH, DIABETES, WOMENS_HEALTH, RELIGION, CHRISTIANITY]);

describe('RankingService', () => {
  let h: RankingHarness;
  beforeAll(async () => {
    h = await startRankingHarness();
    await h.client.upsertItems({
      items: [
        makeItem('post-climbing', [CLIMBING], { baseScore: 5 }),
        makeItem('post-soccer', [SOCCER], { baseScore: 20 }),
        makeItem('post-cooking', [COOKING], { baseScore: 80 }),
        makeItem('post-dogs', [DOGS], { baseScore: 40 }),
        makeItem('group-climbing', [CLIMBING], { kind: ranking.ItemKind.ITEM_KIND_GROUP, baseScore: 2 }),
        makeItem('reel-surfing', [SURFING], { kind: ranking.ItemKind.ITEM_KIND_REEL, baseScore: 3, surfaces: [SURFACES.INSTAGRAM, SURFACES.FACEBOOK] }),
        makeItem('reel-ig-only', [CLIMBING], { kind: ranking.ItemKind.ITEM_KIND_REEL, surfaces: [SURFACES.INSTAGRAM] }),
        makeItem('post-religion', [CHRISTIANITY], { baseScore: 1 }),
        makeAd('ad-climbing-shoes', [CLIMBING, SPORTS_EQUIPMENT], 'adv-summit', { baseScore: 1 }),
        makeAd('ad-ropes', [CLIMBING], 'adv-cragline', { baseScore: 2 }),
        makeAd('ad-cookware', [COOKING], 'adv-pans', { baseScore: 90 }),
        makeAd('ad-fitness', [FITNESS], 'adv-corefit', { baseScore: 10 }),
        makeAd('ad-diabetes', [DIABETES], 'adv-pharma', { baseScore: 99 }),
        makeAd('ad-womens-health', [WOMENS_HEALTH], 'adv-herwell', { baseScore: 99 }),
      ],
    });
  });
  afterAll(async () => h?.stop());

  const allCatalog = ['post-climbing', 'post-soccer', 'post-cooking', 'post-dogs', 'group-climbing', 'reel-surfing', 'post-religion'].map(byId);

  describe('Rank', () => {
    it('orders by the content profile: interests first, then popularity', async () => {
      h.profile.setInterests('u-climber', CONTENT, [
        { topicId: CLIMBING, score: 9 },
        { topicId: SOCCER, score: 3 },
      ]);
      const response = await h.client.rank({ userId: 'u-climber', surface: SURFACES.FACEBOOK, candidates: allCatalog });
      expect(rankedIds(response).slice(0, 3)).toEqual(['post-climbing', 'group-climbing', 'post-soccer']);
      expect(response.personalized).toBe(true);
      expect(response.notPersonalizedReason).toBe(NPR.NOT_PERSONALIZED_REASON_UNSPECIFIED);
      const top = response.ranked[0];
      expect(top.personalized).toBe(true);
      expect(reasonsOf(response, top.itemId)[0]).toMatchObject({ topic: { id: CLIMBING, name: 'Climbing', tier1: 'Sports' }, sourceKind: AI_CHAT, surface: SURFACES.MESSENGER });
      const cooking = response.ranked.find((r) => r.itemId === 'post-cooking');
      expect(cooking).toMatchObject({ personalized: false, reasonSet: 0 });
      expect(response.reasonSets[0]).toEqual({ reasons: [] });
      for (let i = 1; i < response.ranked.length; i++) expect(response.ranked[i].score).toBeLessThanOrEqual(response.ranked[i - 1].score);
    });

    it('reads everything about the user with one GetReadContext call for the requested surface', async () => {
      const before = { contexts: h.profile.readContextRequests.length, consent: h.consent.calls };
      await h.client.rank({ userId: 'u-reads', surface: SURFACES.INSTAGRAM, candidates: [byId('post-dogs'), byId('ad-fitness')] });
      const calls = h.profile.readContextRequests.slice(before.contexts);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ userId: 'u-reads', surface: SURFACES.INSTAGRAM });
      expect([...calls[0].purposes].sort()).toEqual([ADS, CONTENT]);
      // The settings came with the context: ConsentService was asked once, by ProfileService.
      expect(h.consent.calls - before.consent).toBe(1);
      // Inline candidates of one kind need one profile only.
      const mark = h.profile.readContextRequests.length;
      await h.client.rank({ userId: 'u-reads', surface: SURFACES.INSTAGRAM, candidates: [inline(makeItem('inline-only', [DOGS]))] });
      expect(h.profile.readContextRequests.slice(mark).map((r) => r.purposes)).toEqual([[CONTENT]]);
    });

    it('partially matches a child item from an interest in its parent topic', async () => {
      h.profile.setInterests('u-extreme', CONTENT, [{ topicId: EXTREME_SPORTS, score: 5 }]);
      const response = await h.client.rank({ userId: 'u-extreme', surface: SURFACES.FACEBOOK, candidates: allCatalog });
      expect(rankedIds(response).slice(0, 3).sort()).toEqual(['group-climbing', 'post-climbing', 'reel-surfing']);
      expect(reasonsOf(response, response.ranked[0].itemId)[0].topic?.id).toBe(EXTREME_SPORTS);
    });

    it('uses the ads profile for ads and ranks inline candidates', async () => {
      h.profile.setInterests('u-ads', ADS, [{ topicId: CLIMBING, score: 4 }]);
      h.profile.setInterests('u-ads', CONTENT, [{ topicId: COOKING, score: 4 }]);
      const response = await h.client.rank({
        userId: 'u-ads',
        surface: SURFACES.FACEBOOK,
        candidates: [byId('ad-cookware'), byId('ad-ropes'), inline(makeAd('inline-ad', [SPORTS_EQUIPMENT], 'adv-x', { baseScore: 50 })), byId('post-cooking')],
      });
      const ids = rankedIds(response);
      expect(ids.indexOf('ad-ropes')).toBeLessThan(ids.indexOf('ad-cookware'));
      expect(response.ranked.find((r) => r.itemId === 'post-cooking')?.personalized).toBe(true);
      expect(response.ranked.find((r) => r.itemId === 'ad-cookware')?.personalized).toBe(false);
      expect(ids).toContain('inline-ad');
    });

    it('filters with every reason and accounts for every candidate once', async () => {
      h.consent.set('u-filters', { adPreferences: { blockedAdvertiserIds: ['adv-pans'], blockedTopicIds: [SPORTS] } });
      const response = await h.client.rank({
        userId: 'u-filters',
        surface: SURFACES.FACEBOOK,
        candidates: [
          byId('ad-cookware'),
          byId('ad-climbing-shoes'),
          byId('reel-ig-only'),
          byId('ad-diabetes'),
          byId('missing-item'),
          byId('post-climbing'),
          byId('post-climbing'),
          inline(makeItem('post-climbing', [COOKING])),
          byId('ad-fitness'),
        ],
      });
      expect(response.filtered).toEqual([
        { itemId: 'ad-cookware', reason: FILTER_REASON_BLOCKED_ADVERTISER },
        { itemId: 'ad-climbing-shoes', reason: FILTER_REASON_BLOCKED_TOPIC },
        { itemId: 'reel-ig-only', reason: FILTER_REASON_NOT_ON_SURFACE },
        { itemId: 'ad-diabetes', reason: FILTER_REASON_SENSITIVE_TOPIC },
        { itemId: 'missing-item', reason: FILTER_REASON_NOT_FOUND },
      ]);
      // Blocked ad topics do not hide posts; a repeated id is ranked once (its first occurrence).
      expect(rankedIds(response).sort()).toEqual(['ad-fitness', 'post-climbing']);
      // The first occurrence (the catalog's climbing post) is the one ranked, not the inline item with that id.
      const explained = await h.client.explainItem({ userId: 'u-filters', itemId: 'post-climbing', surface: SURFACES.FACEBOOK });
      expect(explained.item?.topicIds).toEqual([CLIMBING]);
    });

    it('never boosts or explains an ad with a sensitive topic, even if the ads profile carries one', async () => {
      // A misbehaving profile: sensitive interests in the ads profile.
      h.profile.setInterests('u-sensitive', ADS, [
        { topicId: MEDICAL_HEALTH, score: 100 },
        { topicId: DIABETES, score: 100 },
        { topicId: '223', score: 1 }, // Healthy Living (ordinary), parent of Fitness
      ]);
      h.profile.setInterests('u-sensitive', CONTENT, [{ topicId: RELIGION, score: 5 }]);
      const response = await h.client.rank({
        userId: 'u-sensitive',
        surface: SURFACES.FACEBOOK,
        candidates: [byId('ad-diabetes'), byId('ad-womens-health'), byId('ad-fitness'), byId('ad-cookware'), byId('post-religion')],
      });
      expect(response.filtered.map((f) => [f.itemId, f.reason])).toEqual([
        ['ad-diabetes', FILTER_REASON_SENSITIVE_TOPIC],
        ['ad-womens-health', FILTER_REASON_SENSITIVE_TOPIC],
      ]);
      for (const ranked of response.ranked.filter((r) => r.itemId.startsWith('ad-'))) {
        for (const reason of reasonsOf(response, ranked.itemId)) expect(SENSITIVE_IDS.has(reason.topic?.id ?? '')).toBe(false);
        expect(ranked.explanation).not.toMatch(/diabetes|medical/i);
      }
      expect(reasonsOf(response, 'ad-fitness').map((r) => r.topic?.id)).toEqual(['223']);
      // Content may use a sensitive interest the content profile carries.
      expect(response.ranked.find((r) => r.itemId === 'post-religion')?.personalized).toBe(true);

      const explained = await h.client.explainItem({ userId: 'u-sensitive', itemId: 'ad-diabetes', surface: SURFACES.FACEBOOK });
      expect(explained).toMatchObject({ filterReason: FILTER_REASON_SENSITIVE_TOPIC, reasons: [], personalized: false });
      expect(explained.explanation).not.toMatch(/diabetes|medical/i);
      const fitness = await h.client.explainItem({ userId: 'u-sensitive', itemId: 'ad-fitness', surface: SURFACES.FACEBOOK });
      expect(fitness.reasons.map((r) => r.topic?.id)).toEqual(['223']);
      expect(fitness.explanation).not.toMatch(/diabetes|medical/i);
    });

    it("ranks content without the profile on the user's non-personalized feed, and says so", async () => {
      h.profile.setInterests('u-npf', CONTENT, [{ topicId: CLIMBING, score: 9 }]);
      h.profile.setInterests('u-npf', ADS, [{ topicId: CLIMBING, score: 9 }]);
      h.consent.set('u-npf', { feedControls: { nonPersonalizedFeed: true } });
      const content = await h.client.rank({ userId: 'u-npf', surface: SURFACES.FACEBOOK, candidates: allCatalog });
      expect(rankedIds(content)).toEqual(['post-cooking', 'post-dogs', 'post-soccer', 'post-climbing', 'reel-surfing', 'group-climbing', 'post-religion']);
      expect(content).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_USER_CHOICE });
      expect(content.ranked.every((r) => !r.personalized && r.reasonSet === 0)).toBe(true);
      // Ads keep their own (ads-purpose) personalization.
      const ads = await h.client.rank({ userId: 'u-npf', surface: SURFACES.FACEBOOK, candidates: [byId('ad-cookware'), byId('ad-ropes')] });
      expect(ads.personalized).toBe(true);
      expect(rankedIds(ads)[0]).toBe('ad-ropes');
    });

    it('never personalizes ads for a minor, even if the profile service returned ad interests', async () => {
      h.consent.set('u-minor', { ageBand: consent.AgeBand.AGE_BAND_MINOR });
      h.profile.setInterests('u-minor', ADS, [{ topicId: CLIMBING, score: 9 }]);
      h.profile.setInterests('u-minor', CONTENT, [{ topicId: CLIMBING, score: 9 }]);
      const ads = await h.client.rank({ userId: 'u-minor', surface: SURFACES.FACEBOOK, candidates: [byId('ad-ropes'), byId('ad-cookware'), byId('ad-fitness')] });
      expect(rankedIds(ads)).toEqual(['ad-cookware', 'ad-fitness', 'ad-ropes']);
      expect(ads).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_MINOR });
      expect(ads.ranked.every((r) => r.reasonSet === 0)).toBe(true);
      const content = await h.client.rank({ userId: 'u-minor', surface: SURFACES.FACEBOOK, candidates: allCatalog });
      expect(content.personalized).toBe(true);
      const explained = await h.client.explainItem({ userId: 'u-minor', itemId: 'ad-ropes', surface: SURFACES.FACEBOOK });
      expect(explained).toMatchObject({ personalized: false, reasons: [], notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_MINOR });
      expect(explained.explanation).toMatch(/minors/);
    });

    it("passes on the profile service's own reason (opted out)", async () => {
      h.profile.setNotPersonalized('u-optout', ADS, profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT);
      const response = await h.client.rank({ userId: 'u-optout', surface: SURFACES.FACEBOOK, candidates: [byId('ad-ropes'), byId('ad-cookware')] });
      expect(response).toMatchObject({ personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_OPTED_OUT });
    });

    it('applies feed controls (show more / show less) and see-fewer ad topics', async () => {
      h.consent.set('u-controls', { feedControls: { showMoreTopicIds: [EXTREME_SPORTS], showLessTopicIds: [COOKING] }, adPreferences: { seeFewerTopicIds: [COOKING] } });
      const response = await h.client.rank({ userId: 'u-controls', surface: SURFACES.FACEBOOK, candidates: [byId('post-cooking'), byId('post-dogs'), byId('post-climbing')] });
      const ids = rankedIds(response);
      expect(ids.indexOf('post-dogs')).toBeLessThan(ids.indexOf('post-cooking'));
      expect(ids.indexOf('post-climbing')).toBeLessThan(ids.indexOf('post-cooking'));
      const ads = await h.client.rank({ userId: 'u-controls', surface: SURFACES.FACEBOOK, candidates: [byId('ad-cookware'), byId('ad-fitness')] });
      expect(rankedIds(ads)).toEqual(['ad-fitness', 'ad-cookware']);
      const explained = await h.client.explainItem({ userId: 'u-controls', itemId: 'post-cooking', surface: SURFACES.FACEBOOK });
      expect(explained.explanation).toMatch(/see less about Cooking/);
    });

    it('answers by id: no items echoed, each reason set once, sentences for the top explain_top_k only', async () => {
      h.profile.setInterests('u-compact', CONTENT, [{ topicId: CLIMBING, score: 9, sources: [{ surface: SURFACES.MESSENGER, sourceKind: AI_CHAT }] }]);
      const ids = ['post-climbing', 'group-climbing', 'post-cooking', 'post-dogs'];
      const byIds = await h.client.rank({ userId: 'u-compact', surface: SURFACES.FACEBOOK, candidates: [], candidateIds: ids, explainTopK: 2 });
      // The same ranking as with Candidate messages.
      const byCandidates = await h.client.rank({ userId: 'u-compact', surface: SURFACES.FACEBOOK, candidates: ids.map(byId), explainTopK: 2 });
      expect(byIds).toEqual(byCandidates);
      expect(rankedIds(byIds).slice(0, 2).sort()).toEqual(['group-climbing', 'post-climbing']);
      // Both climbing items share one reason set; the others refer to the empty set 0.
      expect(byIds.reasonSets).toHaveLength(2);
      expect(byIds.reasonSets[0]).toEqual({ reasons: [] });
      expect(byIds.ranked.map((r) => r.reasonSet)).toEqual([1, 1, 0, 0]);
      expect(byIds.reasonSets[1].reasons).toEqual([expect.objectContaining({ topic: expect.objectContaining({ id: CLIMBING }), sourceKind: AI_CHAT, surface: SURFACES.MESSENGER })]);
      // Sentences for the first two only, the same ExplainItem gives.
      const explained = await h.client.explainItem({ userId: 'u-compact', itemId: byIds.ranked[0].itemId, surface: SURFACES.FACEBOOK });
      expect(byIds.ranked[0].explanation).toBe(explained.explanation);
      expect(byIds.ranked.map((r) => r.explanation !== '')).toEqual([true, true, false, false]);
      // Default: 20 sentences; 0: none.
      const all = await h.client.rank({ userId: 'u-compact', surface: SURFACES.FACEBOOK, candidates: allCatalog });
      expect(all.ranked.length).toBeGreaterThan(0);
      expect(all.ranked.every((r) => r.explanation !== '')).toBe(all.ranked.length <= 20);
      const none = await h.client.rank({ userId: 'u-compact', surface: SURFACES.FACEBOOK, candidates: allCatalog, explainTopK: 0 });
      expect(none.ranked.every((r) => r.explanation === '')).toBe(true);
      // No item is sent back: the wire message has no Item in it.
      expect(Object.keys(byIds).sort()).toEqual(['filtered', 'notPersonalizedReason', 'personalized', 'ranked', 'reasonSets']);
    });

    it('ranks an id given in both candidate_ids and candidates once, the candidate_ids one first', async () => {
      const response = await h.client.rank({ userId: 'u-twice', surface: SURFACES.FACEBOOK, candidates: [byId('post-dogs'), inline(makeItem('post-cooking', [DOGS]))], candidateIds: ['post-cooking', 'post-dogs'] });
      expect(rankedIds(response).sort()).toEqual(['post-cooking', 'post-dogs']);
      expect(response.filtered).toEqual([]);
    });

    it('returns an empty answer for no candidates without calling anyone', async () => {
      const calls = h.profile.calls;
      const response = await h.client.rank({ userId: 'u-empty', surface: SURFACES.FACEBOOK, candidates: [] });
      expect(response).toEqual({ ranked: [], reasonSets: [], filtered: [], personalized: false, notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_UNSPECIFIED });
      expect(h.profile.calls).toBe(calls);
    });

    it('rejects more than 5000 candidates and bad input, naming the field', async () => {
      const tooMany = Array.from({ length: MAX_CANDIDATES + 1 }, (_, i) => byId(`c${i}`));
      await expect(h.client.rank({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: tooMany })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('candidates:'),
      });
      const ok = await h.client.rank({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: tooMany.slice(0, MAX_CANDIDATES) });
      expect(ok.filtered).toHaveLength(MAX_CANDIDATES);
      const cases: Array<[RankInput, string]> = [
        [{ userId: '', surface: SURFACES.FACEBOOK, candidates: [] }, 'user_id'],
        [{ userId: 'u', surface: common.Surface.SURFACE_UNSPECIFIED, candidates: [] }, 'surface'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId('a'), { candidate: undefined }] }, 'candidates[1]'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId('a'), byId('')] }, 'candidates[1].item_id'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [inline(makeItem('x', ['nope']))] }, 'candidates[0].item.topic_ids[0]'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [inline(makeAd('x', [CLIMBING], ''))] }, 'candidates[0].item.advertiser_id'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [], candidateIds: ['a', ''] }, 'candidate_ids[1]'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId('a')], explainTopK: -1 }, 'explain_top_k'],
        [{ userId: 'u', surface: SURFACES.FACEBOOK, candidates: tooMany.slice(0, 3), candidateIds: tooMany.slice(3).map((c) => (c.candidate?.$case === 'itemId' ? c.candidate.value : '')) }, 'candidates'],
      ];
      for (const [request, field] of cases) {
        await expect(h.client.rank(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(`${field}:`) });
      }
    });
  });

  describe('ExplainItem', () => {
    it('explains with the profile: activity, topic and surface', async () => {
      h.profile.setInterests('u-explain', CONTENT, [
        { topicId: CLIMBING, score: 7, sources: [{ surface: SURFACES.MESSENGER, sourceKind: AI_CHAT }] },
        { topicId: SPORTS, score: 2, sources: [{ surface: SURFACES.FACEBOOK, sourceKind: PAGE_LIKE }] },
      ]);
      const response = await h.client.explainItem({ userId: 'u-explain', itemId: 'group-climbing', surface: SURFACES.FACEBOOK });
      expect(response.item?.itemId).toBe('group-climbing');
      expect(response.personalized).toBe(true);
      expect(response.filterReason).toBe(FILTER_REASON_UNSPECIFIED);
      expect(response.reasons[0]).toMatchObject({ topic: { id: CLIMBING, name: 'Climbing' }, sourceKind: AI_CHAT, surface: SURFACES.MESSENGER });
      // A cross-app reason says so and names the control (issue 16 §2).
      expect(response.explanation).toBe('You asked the assistant about Climbing on Messenger. Your Messenger and Facebook accounts are linked in Accounts Center; change this in settings.');

      const partial = await h.client.explainItem({ userId: 'u-explain', itemId: 'reel-surfing', surface: SURFACES.FACEBOOK });
      expect(partial.reasons[0]).toMatchObject({ topic: { id: SPORTS }, sourceKind: PAGE_LIKE, surface: SURFACES.FACEBOOK });
      expect(partial.explanation).toBe('You liked a page about Sports on Facebook, and this reel is about Surfing and Bodyboarding.');

      const unrelated = await h.client.explainItem({ userId: 'u-explain', itemId: 'post-cooking', surface: SURFACES.FACEBOOK });
      expect(unrelated).toMatchObject({ personalized: false, reasons: [], notPersonalizedReason: NPR.NOT_PERSONALIZED_REASON_UNSPECIFIED });
      expect(unrelated.explanation).toMatch(/popular on Facebook/);
    });

    it('says when the item would be filtered', async () => {
      h.consent.set('u-explain-block', { adPreferences: { blockedTopicIds: [EXTREME_SPORTS] } });
      const response = await h.client.explainItem({ userId: 'u-explain-block', itemId: 'ad-ropes', surface: SURFACES.FACEBOOK });
      expect(response).toMatchObject({ filterReason: FILTER_REASON_BLOCKED_TOPIC, personalized: false, reasons: [] });
      expect(response.explanation).toBe("You blocked ads about Extreme Sports, so you won't see this ad.");
      const surface = await h.client.explainItem({ userId: 'u', itemId: 'reel-ig-only', surface: SURFACES.WHATSAPP });
      expect(surface.filterReason).toBe(FILTER_REASON_NOT_ON_SURFACE);
    });

    it('answers NOT_FOUND and INVALID_ARGUMENT', async () => {
      await expect(h.client.explainItem({ userId: 'u', itemId: 'nope', surface: SURFACES.FACEBOOK })).rejects.toMatchObject({ code: status.NOT_FOUND });
      await expect(h.client.explainItem({ userId: '', itemId: 'x', surface: SURFACES.FACEBOOK })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('user_id') });
      await expect(h.client.explainItem({ userId: 'u', itemId: '', surface: SURFACES.FACEBOOK })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('item_id') });
      await expect(h.client.explainItem({ userId: 'u', itemId: 'x', surface: 0 })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('surface') });
    });
  });
});
