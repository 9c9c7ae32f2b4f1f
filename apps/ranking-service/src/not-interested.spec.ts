import { status } from '@grpc/grpc-js';
import { ERROR_DOMAIN, readStatus } from '@signalpath/grpc-kit';
import { common, ranking } from '@signalpath/proto';
import { SURFACES, byId, makeAd, makeItem, rankedIds, startRankingHarness, type RankingHarness } from './testing/harness';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const CLIMBING = '500';
const COOKING = '216';
const TRAVEL = '653';
const MEDICAL_HEALTH = '286';
const POLITICS = '386';

describe('MarkNotInterested and UndoNotInterested', () => {
  let h: RankingHarness;
  beforeAll(async () => {
    h = await startRankingHarness();
    await h.client.upsertItems({
      items: [
        makeItem('ni-post', [CLIMBING, TRAVEL], { baseScore: 50 }),
        makeItem('ni-other', [COOKING], { baseScore: 10 }),
        makeAd('ni-ad', [COOKING], 'adv-pans', { baseScore: 40 }),
        makeAd('ni-clinic', [MEDICAL_HEALTH, TRAVEL], 'adv-clinic', { baseScore: 40 }),
        makeAd('ni-party', [POLITICS], 'adv-party', { baseScore: 40 }),
      ],
    });
  });
  afterAll(async () => h?.stop());

  it("records the mark in ProfileService with the item's topics and purpose, and hides the item until undone", async () => {
    const userId = 'ni-user';
    const recommend = () => h.client.recommend({ userId, surface: SURFACES.FACEBOOK, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 10 });
    const rank = () => h.client.rank({ userId, surface: SURFACES.FACEBOOK, candidates: [byId('ni-post'), byId('ni-other'), byId('ni-ad')], explainTopK: 0 });
    expect(rankedIds(await recommend())).toContain('ni-post');

    const marked = await h.client.markNotInterested({ userId, itemId: 'ni-post' });
    expect(marked).toEqual({ loweredTopics: [expect.objectContaining({ id: CLIMBING, name: 'Climbing' }), expect.objectContaining({ id: TRAVEL })], purpose: CONTENT });
    expect(h.profile.marks.get(userId)?.get('ni-post')).toMatchObject({ userId, itemId: 'ni-post', topicIds: [CLIMBING, TRAVEL], purpose: CONTENT });

    expect(rankedIds(await recommend())).not.toContain('ni-post');
    const ranked = await rank();
    expect(rankedIds(ranked)).toEqual(['ni-ad', 'ni-other']);
    expect(ranked.filtered).toEqual([{ itemId: 'ni-post', reason: ranking.FilterReason.FILTER_REASON_NOT_INTERESTED }]);
    const why = await h.client.explainItem({ userId, itemId: 'ni-post', surface: SURFACES.FACEBOOK });
    expect(why).toMatchObject({ filterReason: ranking.FilterReason.FILTER_REASON_NOT_INTERESTED, personalized: false, reasons: [] });
    expect(why.explanation).toContain("you're not interested in this post");

    // An ad lowers the ads profile.
    expect((await h.client.markNotInterested({ userId, itemId: 'ni-ad' })).purpose).toBe(ADS);
    expect(rankedIds(await rank())).toEqual(['ni-other']);

    expect(await h.client.undoNotInterested({ userId, itemId: 'ni-post' })).toEqual({ undone: true });
    expect(await h.client.undoNotInterested({ userId, itemId: 'ni-post' })).toEqual({ undone: false });
    expect(rankedIds(await recommend())).toContain('ni-post');
    expect(rankedIds(await rank())).toEqual(['ni-post', 'ni-other']);
    expect((await h.client.explainItem({ userId, itemId: 'ni-post', surface: SURFACES.FACEBOOK })).filterReason).toBe(ranking.FilterReason.FILTER_REASON_UNSPECIFIED);
    // Another user's feed is not affected by this user's marks.
    expect(rankedIds(await h.client.rank({ userId: 'ni-someone-else', surface: SURFACES.FACEBOOK, candidates: [byId('ni-ad')], explainTopK: 0 }))).toEqual(['ni-ad']);
  });

  it('never sends a sensitive topic id to be stored with a mark; the item is hidden all the same', async () => {
    const userId = 'ni-sensitive';
    expect(await h.client.markNotInterested({ userId, itemId: 'ni-clinic' })).toEqual({ loweredTopics: [expect.objectContaining({ id: TRAVEL })], purpose: ADS });
    expect(h.profile.marks.get(userId)?.get('ni-clinic')?.topicIds).toEqual([TRAVEL]);
    expect(await h.client.markNotInterested({ userId, itemId: 'ni-party' })).toEqual({ loweredTopics: [], purpose: ADS });
    expect(h.profile.marks.get(userId)?.get('ni-party')?.topicIds).toEqual([]);
    const ranked = await h.client.rank({ userId, surface: SURFACES.FACEBOOK, candidates: [byId('ni-clinic'), byId('ni-party')], explainTopK: 0 });
    expect(rankedIds(ranked)).toEqual([]);
    expect(ranked.filtered.map((f) => f.reason)).toEqual([ranking.FilterReason.FILTER_REASON_NOT_INTERESTED, ranking.FilterReason.FILTER_REASON_NOT_INTERESTED]);
    expect(await h.client.undoNotInterested({ userId, itemId: 'ni-party' })).toEqual({ undone: true });
  });

  it("passes ProfileService's mark limit on as RESOURCE_EXHAUSTED with its ErrorInfo", async () => {
    h.profile.markLimit = 1;
    try {
      await h.client.markNotInterested({ userId: 'ni-limit', itemId: 'ni-post' });
      const refused = await h.client.markNotInterested({ userId: 'ni-limit', itemId: 'ni-other' }).catch((error: unknown) => readStatus(error));
      expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: { errorInfo: { reason: 'NOT_INTERESTED_LIMIT', domain: ERROR_DOMAIN, metadata: { limit: '1' } } } });
    } finally {
      h.profile.markLimit = undefined;
    }
  });

  it('refuses bad input naming the field, and an item not in the catalog', async () => {
    await expect(h.client.markNotInterested({ userId: '', itemId: 'ni-post' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('user_id') });
    await expect(h.client.markNotInterested({ userId: 'ni-user', itemId: '' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('item_id') });
    await expect(h.client.undoNotInterested({ userId: 'ni-user', itemId: ' x' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('item_id') });
    await expect(h.client.markNotInterested({ userId: 'ni-user', itemId: 'ni-missing' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect(h.profile.marks.get('ni-user')?.has('ni-missing') ?? false).toBe(false);
  });

  it('answers UNAVAILABLE when ProfileService cannot record the mark', async () => {
    h.profile.failWith = status.UNAVAILABLE;
    try {
      await expect(h.client.markNotInterested({ userId: 'ni-down', itemId: 'ni-post' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      h.profile.failWith = undefined;
    }
  });
});
