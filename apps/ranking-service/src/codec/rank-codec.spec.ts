import fc from 'fast-check';
import { ranking } from '@signalpath/proto';
import { carryReceivedItems, decodeRankRequest, encodeRankResponse } from './rank-codec';

const itemArbitrary: fc.Arbitrary<ranking.Item> = fc.record({
  itemId: fc.string({ maxLength: 12 }),
  kind: fc.integer({ min: 0, max: 4 }),
  title: fc.string({ maxLength: 30 }),
  topicIds: fc.array(fc.constantFrom('483', '500', '216', 'W3CW2J'), { maxLength: 3 }),
  advertiserId: fc.string({ maxLength: 6 }),
  surfaces: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  baseScore: fc.double({ noNaN: true, min: 0, max: 1e6 }),
  createTime: fc.option(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime()))), { nil: undefined }),
});

const candidateArbitrary: fc.Arbitrary<ranking.Candidate> = fc.oneof(
  fc.string({ maxLength: 10 }).map((value) => ({ candidate: { $case: 'itemId' as const, value } })),
  itemArbitrary.map((value) => ({ candidate: { $case: 'item' as const, value } })),
  fc.constant({ candidate: undefined }),
);

const requestArbitrary = fc.record({
  userId: fc.string({ maxLength: 10 }),
  surface: fc.integer({ min: 0, max: 4 }),
  candidates: fc.array(candidateArbitrary, { maxLength: 20 }),
});

describe('Rank codec', () => {
  it('decodes requests exactly as the generated code does', () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        const bytes = ranking.RankRequest.encode(request).finish();
        expect(decodeRankRequest(bytes)).toEqual(ranking.RankRequest.decode(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the last of two oneof values and skips unknown fields, like the generated code', () => {
    const item = { itemId: 'x', kind: 2, title: '', topicIds: ['500'], advertiserId: '', surfaces: [], baseScore: 1, createTime: undefined };
    const itemBytes = ranking.Item.encode(item).finish();
    // candidate { item_id: "a"; item: {...}; field 9 (varint) = 5 } then request field 15 (string)
    const candidate = Buffer.concat([Buffer.from([10, 1, 97, 18, itemBytes.length]), Buffer.from(itemBytes), Buffer.from([72, 5])]);
    const request = Buffer.concat([Buffer.from([26, candidate.length]), candidate, Buffer.from([122, 2, 104, 105])]);
    expect(decodeRankRequest(request)).toEqual(ranking.RankRequest.decode(request));
    expect(decodeRankRequest(request).candidates[0].candidate?.$case).toBe('item');
  });

  it('encodes responses byte for byte as the generated code does, reusing received item bytes', () => {
    fc.assert(
      fc.property(requestArbitrary, fc.array(itemArbitrary, { maxLength: 5 }), fc.boolean(), fc.integer({ min: 0, max: 4 }), (request, catalogItems, personalized, reason) => {
        const decoded = decodeRankRequest(Buffer.from(ranking.RankRequest.encode(request).finish()));
        const inlineItems = decoded.candidates.flatMap((c) => (c.candidate?.$case === 'item' ? [c.candidate.value] : []));
        const shared: ranking.RankingReason = { topic: { id: '500', name: 'Climbing', tier1: 'Sports' }, sourceKind: 1, surface: 3, lastTime: new Date('2026-01-10T10:00:00Z') };
        const response: ranking.RankResponse = carryReceivedItems(decoded, {
          items: [...inlineItems, ...catalogItems].map((item, i) => ({ item, score: i % 3 === 0 ? 0 : i / 7, personalized: i % 2 === 0, reasons: i % 2 === 0 ? [shared, shared] : [] })),
          filtered: [
            { itemId: 'gone', reason: ranking.FilterReason.FILTER_REASON_NOT_FOUND },
            { itemId: 'é-unicode-ü', reason: ranking.FilterReason.FILTER_REASON_BLOCKED_TOPIC },
            { itemId: '', reason: 0 },
          ],
          personalized,
          notPersonalizedReason: reason,
        });
        const fast = encodeRankResponse(response);
        expect(Buffer.compare(fast, Buffer.from(ranking.RankResponse.encode(response).finish()))).toBe(0);
        // Without the request's bytes (e.g. items read from the catalog) the result is the same.
        const plain = { ...response };
        expect(Buffer.compare(encodeRankResponse(plain), fast)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('falls back to the generated encoder for unrecognized enum values', () => {
    const response: ranking.RankResponse = { items: [], filtered: [{ itemId: 'x', reason: -1 }], personalized: false, notPersonalizedReason: -1 };
    expect(Buffer.compare(encodeRankResponse(response), Buffer.from(ranking.RankResponse.encode(response).finish()))).toBe(0);
  });

  it('writes large scores, long items and many reasons correctly', () => {
    const big = { itemId: 'x'.repeat(300), kind: 2, title: 't'.repeat(20_000), topicIds: ['500'], advertiserId: '', surfaces: [1], baseScore: 1e300, createTime: new Date(0) };
    const decoded = decodeRankRequest(Buffer.from(ranking.RankRequest.encode({ userId: 'u', surface: 1, candidates: [{ candidate: { $case: 'item', value: big } }] }).finish()));
    const item = (decoded.candidates[0].candidate as { value: ranking.Item }).value;
    const reasons = Array.from({ length: 200 }, (_, i) => ({ topic: { id: String(i), name: 'n', tier1: 't' }, sourceKind: 1, surface: 1, lastTime: undefined }));
    const response = carryReceivedItems(decoded, { items: [{ item, score: -0.5, personalized: true, reasons }], filtered: [], personalized: true, notPersonalizedReason: 4 });
    expect(Buffer.compare(encodeRankResponse(response), Buffer.from(ranking.RankResponse.encode(response).finish()))).toBe(0);
  });
});
