import { getTaxonomy } from '@signalpath/taxonomy';

import { addContribution, type TopicScores } from './topic-scores';
import {
  blockedTopicSet,
  buildInterests,
  feedControlAdjuster,
  normalizeLimit,
  visibleSourceSurfaces,
  type StoredInterest,
} from './read-rules';

const DAY = 86_400_000;
const H = 30 * DAY;
const FACEBOOK = 1;
const INSTAGRAM = 2;
const MESSENGER = 3;
const AI_CHAT = 1;
const PAGE_LIKE = 2;
const SPORTS = '483';
const EXTREME_SPORTS = '498';
const CLIMBING = '500';
const TRAVEL = '653';

function scores(weight: number, atMs: number, ads = true, content = true): TopicScores {
  return addContribution(undefined, { weight, eventTimeMs: atMs, adsEligible: ads, contentEligible: content }, H);
}

function entry(surface: number, topicId: string, weight: number, options: { kind?: number; atMs?: number; ads?: boolean; content?: boolean } = {}): StoredInterest {
  return { surface, topicId, sourceKind: options.kind ?? AI_CHAT, scores: scores(weight, options.atMs ?? 0, options.ads ?? true, options.content ?? true) };
}

describe('visibleSourceSurfaces', () => {
  it('sees only its own surface unless linked with sharing on', () => {
    expect([...visibleSourceSurfaces(INSTAGRAM, [], true)]).toEqual([INSTAGRAM]);
    expect([...visibleSourceSurfaces(INSTAGRAM, [INSTAGRAM, MESSENGER], false)]).toEqual([INSTAGRAM]);
    expect([...visibleSourceSurfaces(INSTAGRAM, [MESSENGER, FACEBOOK], true)]).toEqual([INSTAGRAM]);
    expect(new Set(visibleSourceSurfaces(INSTAGRAM, [INSTAGRAM, MESSENGER], true))).toEqual(new Set([INSTAGRAM, MESSENGER]));
  });
});

describe('normalizeLimit', () => {
  it('defaults to 50 and caps at 500', () => {
    expect(normalizeLimit(0)).toBe(50);
    expect(normalizeLimit(7)).toBe(7);
    expect(normalizeLimit(10_000)).toBe(500);
  });
});

describe('blockedTopicSet', () => {
  it('includes every descendant of a blocked topic', () => {
    const blocked = blockedTopicSet([SPORTS]);
    expect(blocked.has(SPORTS)).toBe(true);
    expect(blocked.has(EXTREME_SPORTS)).toBe(true);
    expect(blocked.has(CLIMBING)).toBe(true);
    expect(blocked.has(TRAVEL)).toBe(false);
    expect(blocked.size).toBe(1 + getTaxonomy().descendants(SPORTS).length);
  });
});

describe('feedControlAdjuster', () => {
  it('raises show-more, lowers show-less, nearest control wins', () => {
    const adjust = feedControlAdjuster({ showMoreTopicIds: [CLIMBING], showLessTopicIds: [SPORTS] }, { showMore: 2, showLess: 0.25 });
    expect(adjust(CLIMBING)).toBe(2);
    expect(adjust(EXTREME_SPORTS)).toBe(0.25);
    expect(adjust(SPORTS)).toBe(0.25);
    expect(adjust(TRAVEL)).toBe(1);
  });
});

describe('buildInterests', () => {
  it('uses only the purpose-eligible score', () => {
    const stored = [entry(INSTAGRAM, CLIMBING, 1, { ads: false }), entry(INSTAGRAM, TRAVEL, 2, { content: false })];
    expect(buildInterests(stored, { view: 'ADS', nowMs: 0, halfLifeMs: H }).map((i) => i.topicId)).toEqual([TRAVEL]);
    expect(buildInterests(stored, { view: 'CONTENT', nowMs: 0, halfLifeMs: H }).map((i) => i.topicId)).toEqual([CLIMBING]);
  });

  it('filters by visible surface, sums sources per topic and ranks by decayed score', () => {
    const stored = [
      entry(INSTAGRAM, CLIMBING, 1, { atMs: 30 * DAY }),
      entry(INSTAGRAM, CLIMBING, 1, { kind: PAGE_LIKE, atMs: 10 * DAY }),
      entry(MESSENGER, CLIMBING, 4, { atMs: 20 * DAY }),
      entry(INSTAGRAM, TRAVEL, 1.5, { atMs: 60 * DAY }),
    ];
    const own = buildInterests(stored, { view: 'CONTENT', nowMs: 60 * DAY, halfLifeMs: H, visibleSurfaces: new Set([INSTAGRAM]) });
    expect(own.map((i) => i.topicId)).toEqual([TRAVEL, CLIMBING]);
    expect(own[1].score).toBeCloseTo(0.5 + Math.pow(2, -50 / 30), 10);
    expect(own[1].sources).toEqual([
      { surface: INSTAGRAM, sourceKind: AI_CHAT, lastTimeMs: 30 * DAY },
      { surface: INSTAGRAM, sourceKind: PAGE_LIKE, lastTimeMs: 10 * DAY },
    ]);
    const linked = buildInterests(stored, { view: 'CONTENT', nowMs: 60 * DAY, halfLifeMs: H, visibleSurfaces: new Set([INSTAGRAM, MESSENGER]) });
    expect(linked[0].topicId).toBe(CLIMBING);
    expect(linked[0].sources.map((s) => s.surface)).toEqual([INSTAGRAM, MESSENGER, INSTAGRAM]);
  });

  it('removes excluded topics, applies adjustments and the limit', () => {
    const stored = [entry(INSTAGRAM, CLIMBING, 3), entry(INSTAGRAM, TRAVEL, 2), entry(INSTAGRAM, SPORTS, 1)];
    const result = buildInterests(stored, { view: 'ADS', nowMs: 0, halfLifeMs: H, excludedTopicIds: blockedTopicSet([EXTREME_SPORTS]) });
    expect(result.map((i) => i.topicId)).toEqual([TRAVEL, SPORTS]);
    const adjusted = buildInterests(stored, { view: 'CONTENT', nowMs: 0, halfLifeMs: H, adjust: (id) => (id === SPORTS ? 10 : id === CLIMBING ? 0 : 1), limit: 1 });
    expect(adjusted).toEqual([{ topicId: SPORTS, score: 10, sources: [{ surface: INSTAGRAM, sourceKind: AI_CHAT, lastTimeMs: 0 }] }]);
  });

  it('explains a single topic', () => {
    const stored = [entry(INSTAGRAM, CLIMBING, 3), entry(INSTAGRAM, TRAVEL, 2)];
    expect(buildInterests(stored, { view: 'ADS', nowMs: 0, halfLifeMs: H, onlyTopicId: TRAVEL }).map((i) => i.topicId)).toEqual([TRAVEL]);
  });

  it('uses only the source kinds the decision allows', () => {
    const stored = [entry(INSTAGRAM, CLIMBING, 0.5), entry(INSTAGRAM, TRAVEL, 0.25, { kind: PAGE_LIKE }), entry(INSTAGRAM, CLIMBING, 0.125, { kind: PAGE_LIKE })];
    const noChat = buildInterests(stored, { view: 'CONTENT', nowMs: 0, halfLifeMs: H, usableSourceKinds: new Set([PAGE_LIKE]) });
    expect(noChat.map((i) => [i.topicId, i.score])).toEqual([
      [TRAVEL, 0.25],
      [CLIMBING, 0.125],
    ]);
    expect(noChat.flatMap((i) => i.sources.map((s) => s.sourceKind))).toEqual([PAGE_LIKE, PAGE_LIKE]);
  });
});
