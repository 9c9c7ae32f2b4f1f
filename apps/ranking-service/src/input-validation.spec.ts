import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { ranking } from '@signalpath/proto';
import { callRaw, codePointLabel, idWithForbiddenCodePoint, validIdArbitrary, withRawMessage, withRawTimestamp } from '@signalpath/testing';
import { SURFACES, byId, inline, makeAd, makeItem, rankedIds, startRankingHarness, type RankingHarness } from './testing/harness';

/**
 * Ids and timestamps at RankingService's boundary, on a real server (port 0) and database: every
 * item, advertiser and user id follows the id grammar, item create_time is a valid protobuf
 * Timestamp, and a refusal names the field and writes nothing.
 */

const SEED = 20_260_216;
const PROPERTY_RUNS = Number(process.env.ID_PROPERTY_RUNS || 60);
const BOUNDED = { interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true } as const;
const CLIMBING = '500';

const failure = async (call: Promise<unknown>): Promise<string> => {
  try {
    await call;
  } catch (error) {
    const e = error as ServiceError;
    return `${status[e.code]}: ${e.details}`;
  }
  return 'OK';
};
const escape = (text: string) => text.replace(/[[\].+()]/g, '\\$&');

describe('RankingService input validation (real server, real database)', () => {
  let h: RankingHarness;
  beforeAll(async () => {
    h = await startRankingHarness();
    await h.client.upsertItems({ items: [makeItem('known-post', [CLIMBING])] });
  });
  afterAll(async () => h?.stop());

  const catalogSize = () => h.svc.mongo.db.collection('items').countDocuments({});

  it.each([
    { seconds: '9223372036854775807', nanos: 0 },
    { seconds: '-9223372036854775808', nanos: 0 },
    { seconds: '-62135596801', nanos: 0 },
    { seconds: '1767225600', nanos: -5 },
    { seconds: '1767225600', nanos: 1_500_000_000 },
  ])('create_time %o is INVALID_ARGUMENT naming it, in UpsertItems and for an inline Rank candidate', async (timestamp) => {
    const before = await catalogSize();
    const item = withRawTimestamp(ranking.Item.encode(makeItem('raw-time', [CLIMBING])).finish(), 8, timestamp);
    const upsert = withRawMessage(withRawMessage(new Uint8Array(), 1, ranking.Item.encode(makeItem('fine', [CLIMBING])).finish()), 1, item);
    expect(await failure(callRaw(h.svc.address, ranking.RankingServiceService.upsertItems, upsert))).toMatch(/^INVALID_ARGUMENT: items\[1\]\.create_time: must be a valid timestamp/);
    expect(await catalogSize()).toBe(before);

    const rankRequest = withRawMessage(ranking.RankRequest.encode({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId('known-post')], candidateIds: [] }).finish(), 3, withRawMessage(new Uint8Array(), 2, item));
    expect(await failure(callRaw(h.svc.address, ranking.RankingServiceService.rank, rankRequest))).toMatch(/^INVALID_ARGUMENT: candidates\[1\]\.item\.create_time: must be a valid timestamp/);
  });

  it('any id with a forbidden code point is INVALID_ARGUMENT naming the field and the code point (fast-check), nothing written', async () => {
    const before = await catalogSize();
    await fc.assert(
      fc.asyncProperty(idWithForbiddenCodePoint(), async ({ id, codePoint }) => {
        const label = escape(codePointLabel(codePoint));
        const cases: Array<[string, Promise<unknown>]> = [
          ['items[0].item_id', h.client.upsertItems({ items: [makeItem(id, [CLIMBING])] })],
          ['items[0].advertiser_id', h.client.upsertItems({ items: [makeAd('ad-ok', [CLIMBING], id)] })],
          ['item_ids[1]', h.client.deleteItems({ itemIds: ['known-post', id] })],
          ['user_id', h.client.rank({ userId: id, surface: SURFACES.FACEBOOK, candidates: [byId('known-post')] })],
          ['candidates[1].item_id', h.client.rank({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId('known-post'), byId(id)] })],
          ['candidates[0].item.item_id', h.client.rank({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [inline(makeItem(id, [CLIMBING]))] })],
          ['user_id', h.client.recommend({ userId: id, surface: SURFACES.FACEBOOK, kind: 0, limit: 0 })],
          ['user_id', h.client.explainItem({ userId: id, itemId: 'known-post', surface: SURFACES.FACEBOOK })],
          ['item_id', h.client.explainItem({ userId: 'u', itemId: id, surface: SURFACES.FACEBOOK })],
        ];
        for (const [field, call] of cases) expect(await failure(call)).toMatch(new RegExp(`^INVALID_ARGUMENT: ${escape(field)}: must not contain ${label} `));
      }),
      { seed: SEED, numRuns: PROPERTY_RUNS, ...BOUNDED },
    );
    expect(await catalogSize()).toBe(before);
  }, 120_000);

  it('valid item and advertiser ids round-trip through the catalog (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(validIdArbitrary('item '), validIdArbitrary('adv '), async (itemId, advertiserId) => {
        await h.client.upsertItems({ items: [makeAd(itemId, [CLIMBING], advertiserId)] });
        const explained = await h.client.explainItem({ userId: 'u', itemId, surface: SURFACES.FACEBOOK });
        expect(explained.item).toMatchObject({ itemId, advertiserId });
        const ranked = await h.client.rank({ userId: 'u', surface: SURFACES.FACEBOOK, candidates: [byId(itemId)] });
        expect(rankedIds(ranked)).toEqual([itemId]);
        await h.client.deleteItems({ itemIds: [itemId] });
      }),
      { seed: SEED, numRuns: Math.min(PROPERTY_RUNS, 15), ...BOUNDED },
    );
  }, 120_000);
});
