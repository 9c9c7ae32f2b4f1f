import {
  NO_PREFERENCES,
  Ranker,
  UNAVAILABLE,
  UNKNOWN_PREFERENCES,
  explanationSentence,
  itemTopicPolicy,
  profileViewFor,
  retrievalTopics,
  type Interest,
  type ProfileView,
  type RankableItem,
  type RankingContext,
  type UserPreferences,
} from './index';

// IAB Content Taxonomy 3.1 ids used below.
const SPORTS = '483';
const EXTREME_SPORTS = '498';
const CLIMBING = '500';
const SURFING = '505';
const SOCCER = '533';
const COOKING = '216';
const DOGS = '425';
const WOMENS_HEALTH = '238';
const DIABETES = '317';
const RELIGION = '453';
const FITNESS = '225';
const PROFANITY = 'j9PaO9';

const T0 = new Date('2026-01-10T10:00:00Z');

function item(id: string, topicIds: string[], extra: Partial<RankableItem> = {}): RankableItem {
  return { id, kind: 'POST', topicIds, surfaces: [], baseScore: 10, ...extra };
}

function interest(topicId: string, score: number, sourceKind: Interest['sources'][number]['sourceKind'] = 'AI_CHAT', surface: Interest['sources'][number]['surface'] = 'MESSENGER'): Interest {
  return { topicId, score, sources: [{ surface, sourceKind, lastTime: T0 }] };
}

const personalized = (interests: Interest[]): ProfileView => ({ personalized: true, interests });

function context(interests: Interest[], overrides: Partial<Omit<RankingContext, 'preferences'>> & { preferences?: Partial<UserPreferences> } = {}): RankingContext {
  return {
    surface: 'FACEBOOK',
    profiles: overrides.profiles ?? { ADS: personalized(interests), CONTENT: personalized(interests) },
    preferences: { ...NO_PREFERENCES, ...overrides.preferences },
    ...(overrides.surface ? { surface: overrides.surface } : {}),
  };
}

const ranker = new Ranker({ diversityCap: 100, diversityWindow: 20 });
const ids = (items: readonly RankableItem[], result: ReturnType<Ranker['rank']>) => result.ranked.map((r) => items[r.index].id);

describe('Ranker: ordering', () => {
  it('ranks items matching stronger interests first, ahead of merely popular ones', () => {
    const items = [item('popular-cooking', [COOKING], { baseScore: 1000 }), item('soccer', [SOCCER]), item('climbing', [CLIMBING])];
    const result = ranker.rank(items, context([interest(CLIMBING, 10), interest(SOCCER, 4)]));
    expect(ids(items, result)).toEqual(['climbing', 'soccer', 'popular-cooking']);
    expect(result.personalized).toBe(true);
    expect(result.ranked[0].personalized).toBe(true);
    expect(result.ranked[2].personalized).toBe(false);
    expect(result.ranked[2].reasons).toEqual([]);
  });

  it('lets an interest in a parent topic partially match a child item', () => {
    const items = [item('surfing', [SURFING]), item('cooking', [COOKING]), item('climbing', [CLIMBING])];
    const result = ranker.rank(items, context([interest(EXTREME_SPORTS, 5), interest(CLIMBING, 5)]));
    expect(ids(items, result)).toEqual(['climbing', 'surfing', 'cooking']);
    const surfing = result.ranked[1];
    expect(surfing.personalized).toBe(true);
    expect(surfing.reasons[0]).toMatchObject({ topicId: EXTREME_SPORTS, itemTopicId: SURFING });
    // A grandparent match counts less than a parent match.
    const viaSports = ranker.rank([item('surfing', [SURFING])], context([interest(SPORTS, 5)])).ranked[0];
    expect(viaSports.score).toBeLessThan(surfing.score);
  });

  it('orders by base score when not personalized, and says why', () => {
    const items = [item('a', [CLIMBING], { baseScore: 1 }), item('b', [COOKING], { baseScore: 50 }), item('c', [DOGS], { baseScore: 5 })];
    const result = ranker.rank(items, context([interest(CLIMBING, 10)], { profiles: { ADS: { personalized: false, reason: 'OPTED_OUT' }, CONTENT: { personalized: false, reason: 'NON_PERSONALIZED_FEED' } } }));
    expect(ids(items, result)).toEqual(['b', 'c', 'a']);
    expect(result.personalized).toBe(false);
    expect(result.notPersonalizedReason).toBe('NON_PERSONALIZED_FEED');
    expect(result.ranked.every((r) => !r.personalized && r.reasons.length === 0)).toBe(true);
  });

  it('uses the ads profile for ads and the content profile for everything else', () => {
    const items = [item('ad', [CLIMBING], { kind: 'AD', advertiserId: 'adv' }), item('post', [CLIMBING])];
    const result = ranker.rank(items, context([], { profiles: { ADS: { personalized: false, reason: 'MINOR' }, CONTENT: personalized([interest(CLIMBING, 3)]) } }));
    const byId = Object.fromEntries(result.ranked.map((r) => [items[r.index].id, r]));
    expect(byId.post.personalized).toBe(true);
    expect(byId.ad.personalized).toBe(false);
    expect(result.personalized).toBe(true);
    expect(result.notPersonalizedReason).toBeUndefined();
  });
});

describe('Ranker: filters', () => {
  it('filters items not allowed on the surface', () => {
    const items = [item('ig-only', [CLIMBING], { surfaces: ['INSTAGRAM'] }), item('fb', [CLIMBING], { surfaces: ['FACEBOOK', 'INSTAGRAM'] })];
    const result = ranker.rank(items, context([]));
    expect(result.filtered).toEqual([{ index: 0, reason: 'NOT_ON_SURFACE' }]);
    expect(ids(items, result)).toEqual(['fb']);
  });

  it('filters ads about restricted brand-safety topics (any of their topics); ads about sensitive topics are ranked, posts too', () => {
    const items = [
      item('health-ad', [WOMENS_HEALTH], { kind: 'AD', advertiserId: 'a' }),
      item('mixed-ad', [FITNESS, DIABETES], { kind: 'AD', advertiserId: 'a' }),
      item('religion-post', [RELIGION]),
      item('fitness-ad', [FITNESS], { kind: 'AD', advertiserId: 'a' }),
      item('profanity-ad', [FITNESS, PROFANITY], { kind: 'AD', advertiserId: 'a' }),
      item('restricted-and-sensitive-ad', [DIABETES, PROFANITY], { kind: 'AD', advertiserId: 'a' }),
    ];
    const result = ranker.rank(items, context([]));
    expect(result.filtered).toEqual([
      { index: 4, reason: 'SENSITIVE_TOPIC' },
      { index: 5, reason: 'SENSITIVE_TOPIC' },
    ]);
    expect(ids(items, result).sort()).toEqual(['fitness-ad', 'health-ad', 'mixed-ad', 'religion-post']);
    expect(itemTopicPolicy('AD', [FITNESS, DIABETES])).toEqual({ policy: 'UNPERSONALIZED_SENSITIVE', sensitiveClass: 'HEALTH' });
    expect(itemTopicPolicy('AD', [DIABETES, PROFANITY])).toEqual({ policy: 'NEVER_RESTRICTED' });
    expect(itemTopicPolicy('POST', [RELIGION])).toEqual({ policy: 'STANDARD' });
  });

  it('filters ads from blocked advertisers and about blocked topics with their descendants', () => {
    const items = [
      item('blocked-adv', [COOKING], { kind: 'AD', advertiserId: 'acme' }),
      item('climbing-ad', [CLIMBING], { kind: 'AD', advertiserId: 'gear' }),
      item('climbing-post', [CLIMBING]),
      item('dogs-ad', [DOGS], { kind: 'AD', advertiserId: 'gear' }),
    ];
    const result = ranker.rank(items, context([], { preferences: { blockedAdvertiserIds: ['acme'], blockedAdTopicIds: [EXTREME_SPORTS] } }));
    expect(result.filtered).toEqual([
      { index: 0, reason: 'BLOCKED_ADVERTISER' },
      { index: 1, reason: 'BLOCKED_TOPIC', blockedTopicId: EXTREME_SPORTS },
    ]);
    // Blocked topics are ad preferences: posts about them are still ranked.
    expect(ids(items, result).sort()).toEqual(['climbing-post', 'dogs-ad']);
  });

  it('filters every ad when the preferences are unknown (their blocks cannot be checked), and nothing else', () => {
    const items = [
      item('adv-ad', [COOKING], { kind: 'AD', advertiserId: 'acme' }),
      item('post', [CLIMBING]),
      item('sensitive-ad', [DIABETES], { kind: 'AD', advertiserId: 'pharma' }),
      item('reel-ig', [DOGS], { kind: 'REEL', surfaces: ['INSTAGRAM'] }),
      item('group', [DOGS], { kind: 'GROUP' }),
    ];
    const result = ranker.rank(items, { surface: 'FACEBOOK', profiles: { ADS: { personalized: false, reason: 'DEGRADED' }, CONTENT: { personalized: false, reason: 'DEGRADED' } }, preferences: UNKNOWN_PREFERENCES });
    expect(result.filtered).toEqual([
      { index: 0, reason: 'PREFERENCES_UNAVAILABLE' },
      { index: 2, reason: 'PREFERENCES_UNAVAILABLE' },
      { index: 3, reason: 'NOT_ON_SURFACE' },
    ]);
    expect(ids(items, result).sort()).toEqual(['group', 'post']);
    expect(explanationSentence({ kind: 'AD', surface: 'FACEBOOK', filterReason: 'PREFERENCES_UNAVAILABLE', personalized: false, reasons: [], controls: [] })).toBe(
      "Your ad preferences can't be checked right now, so no ads are shown until they can.",
    );
  });
});

describe('Ranker: sensitive topics never boost or explain an ad', () => {
  it('ignores sensitive interests for ads even when the ads profile carries them', () => {
    // An ad tagged with an ordinary topic whose interest match would come only from a sensitive
    // ancestor cannot exist (descendants inherit the class), so check the direct case: the
    // profile carries a sensitive interest and an ordinary one, and the ad matches only the latter.
    const items = [item('ad', [FITNESS], { kind: 'AD', advertiserId: 'a' })];
    const leaky = personalized([interest(WOMENS_HEALTH, 100), interest(DIABETES, 100), interest('223', 1)]);
    const result = ranker.rank(items, context([], { profiles: { ADS: leaky, CONTENT: leaky } }));
    const [ranked] = result.ranked;
    expect(ranked.reasons.map((r) => r.topicId)).toEqual(['223']);
    const view = profileViewFor('ADS', { ageBand: 'ADULT', regionKnown: true, nonPersonalizedFeed: false }, { personalized: true, interests: [interest(DIABETES, 9), interest(RELIGION, 9), interest(CLIMBING, 1)] });
    expect(view.personalized && view.interests.map((i) => i.topicId)).toEqual([CLIMBING]);
  });

  it('ranks an ad about a sensitive topic on popularity only: no interest contributes or explains it, the user\'s own controls still apply', () => {
    // Even a profile that (wrongly) carries sensitive interests, and an ordinary interest the ad also matches.
    const leaky = personalized([interest(DIABETES, 100), interest(FITNESS, 50)]);
    const items = [item('popular-fitness-ad', [FITNESS], { kind: 'AD', advertiserId: 'a', baseScore: 1 }), item('diabetes-fitness-ad', [DIABETES, FITNESS], { kind: 'AD', advertiserId: 'b', baseScore: 1 })];
    const result = ranker.rank(items, context([], { profiles: { ADS: leaky, CONTENT: leaky } }));
    expect(result.filtered).toEqual([]);
    const [sensitive, ordinary] = [1, 0].map((index) => {
      const found = result.ranked.find((r) => r.index === index);
      if (!found) throw new Error(`item ${index} was not ranked`);
      return found;
    });
    expect(sensitive).toMatchObject({ personalized: false, reasons: [], sensitiveTopic: true });
    expect(ordinary).toMatchObject({ personalized: true });
    expect(ordinary.score).toBeGreaterThan(sensitive.score);
    // Same base score and no personalization: exactly the score of an unmatched ad.
    const unmatched = ranker.rank([items[1]], context([], { profiles: { ADS: { personalized: false, reason: 'OPTED_OUT' }, CONTENT: { personalized: false, reason: 'OPTED_OUT' } } }));
    expect(sensitive.score).toBeCloseTo(unmatched.ranked[0].score, 12);
    const sentence = explanationSentence({ kind: 'AD', surface: 'FACEBOOK', personalized: false, reasons: [], controls: [], sensitiveTopic: true });
    expect(sentence).toBe('Ads about sensitive topics are never based on your activity, so this ad is shown because it is popular on Facebook.');
    expect(sentence).not.toMatch(/Diabetes|Fitness|Health/);
    // Blocks still filter it; "see fewer" still lowers it.
    const blocked = ranker.rank(items, context([], { profiles: { ADS: leaky, CONTENT: leaky }, preferences: { blockedAdvertiserIds: ['b'] } }));
    expect(blocked.filtered).toEqual([{ index: 1, reason: 'BLOCKED_ADVERTISER' }]);
  });

  it('lets content use a sensitive interest the content profile has', () => {
    const items = [item('post', [RELIGION])];
    const result = ranker.rank(items, context([interest(RELIGION, 2)]));
    expect(result.ranked[0].personalized).toBe(true);
  });
});

describe('Ranker: feed controls and ad preferences', () => {
  it('raises show-more topics and lowers show-less topics (with descendants) for content', () => {
    const items = [item('cooking', [COOKING]), item('climbing', [CLIMBING]), item('dogs', [DOGS])];
    const result = ranker.rank(items, context([], { preferences: { showMoreTopicIds: [EXTREME_SPORTS], showLessTopicIds: [COOKING] } }));
    expect(ids(items, result)).toEqual(['climbing', 'dogs', 'cooking']);
    expect(result.ranked[0].controls).toEqual([{ control: 'SHOW_MORE', topicId: EXTREME_SPORTS }]);
    expect(result.ranked[2].controls).toEqual([{ control: 'SHOW_LESS', topicId: COOKING }]);
  });

  it('lowers see-fewer ad topics', () => {
    const items = [item('a', [CLIMBING], { kind: 'AD', advertiserId: 'x' }), item('b', [DOGS], { kind: 'AD', advertiserId: 'x' })];
    const result = ranker.rank(items, context([], { preferences: { seeFewerAdTopicIds: [SPORTS] } }));
    expect(ids(items, result)).toEqual(['b', 'a']);
  });
});

describe('Ranker: diversity', () => {
  it('caps items of one topic among the top results and keeps scores ordered', () => {
    const items = [
      ...Array.from({ length: 6 }, (_, i) => item(`climb-${i}`, [CLIMBING], { baseScore: 100 - i })),
      item('dogs', [DOGS], { baseScore: 5 }),
      item('cooking', [COOKING], { baseScore: 4 }),
    ];
    const diverse = new Ranker({ diversityCap: 2, diversityWindow: 4 });
    const result = diverse.rank(items, context([interest(CLIMBING, 10)]));
    const order = ids(items, result);
    expect(order.slice(0, 4)).toEqual(['climb-0', 'climb-1', 'dogs', 'cooking']);
    expect(order.slice(4)).toEqual(['climb-2', 'climb-3', 'climb-4', 'climb-5']);
    for (let i = 1; i < result.ranked.length; i++) expect(result.ranked[i].score).toBeLessThanOrEqual(result.ranked[i - 1].score);
  });

  it('fills the window with capped items when nothing else is left', () => {
    const items = Array.from({ length: 4 }, (_, i) => item(`c${i}`, [CLIMBING], { baseScore: 10 - i }));
    const result = new Ranker({ diversityCap: 1, diversityWindow: 3 }).rank(items, context([]));
    expect(ids(items, result)).toEqual(['c0', 'c1', 'c2', 'c3']);
  });
});

describe('profileViewFor', () => {
  const adult = { ageBand: 'ADULT', regionKnown: true, nonPersonalizedFeed: false } as const;
  const profile = { personalized: true as const, interests: [interest(CLIMBING, 1)] };
  it('never personalizes on unavailable consent, and degrades on an unavailable profile', () => {
    expect(profileViewFor('CONTENT', UNAVAILABLE, profile)).toEqual({ personalized: false, reason: 'DEGRADED' });
    expect(profileViewFor('ADS', adult, UNAVAILABLE)).toEqual({ personalized: false, reason: 'DEGRADED' });
  });
  it('rules out ads for minors and content for the non-personalized feed, whatever the profile says', () => {
    expect(profileViewFor('ADS', { ageBand: 'MINOR', regionKnown: true, nonPersonalizedFeed: false }, profile)).toEqual({ personalized: false, reason: 'MINOR' });
    expect(profileViewFor('CONTENT', { ageBand: 'MINOR', regionKnown: true, nonPersonalizedFeed: false }, profile).personalized).toBe(true);
    expect(profileViewFor('CONTENT', { ageBand: 'ADULT', regionKnown: true, nonPersonalizedFeed: true }, profile)).toEqual({ personalized: false, reason: 'NON_PERSONALIZED_FEED' });
    expect(profileViewFor('ADS', { ageBand: 'ADULT', regionKnown: true, nonPersonalizedFeed: true }, profile).personalized).toBe(true);
  });
  it("passes on the profile's own reason", () => {
    expect(profileViewFor('ADS', adult, { personalized: false, reason: 'OPTED_OUT' })).toEqual({ personalized: false, reason: 'OPTED_OUT' });
  });
  it('gives the real reason for an unknown age or region (ads), and carries why AI-chat data is out', () => {
    expect(profileViewFor('ADS', { ...adult, regionKnown: false }, profile)).toEqual({ personalized: false, reason: 'REGION_UNKNOWN' });
    expect(profileViewFor('ADS', { ...adult, ageBand: 'UNKNOWN' }, profile)).toEqual({ personalized: false, reason: 'AGE_UNKNOWN' });
    expect(profileViewFor('CONTENT', { ...adult, regionKnown: false }, { ...profile, aiChatNotUsed: 'REGION_UNKNOWN' })).toEqual({ ...profile, aiChatNotUsed: 'REGION_UNKNOWN' });
  });
  it('an explicit show-more shapes the feed of a user without history (declared interest)', () => {
    const items = [item('popular-cooking', [COOKING], { baseScore: 50 }), item('climbing', [CLIMBING], { baseScore: 1 })];
    const empty = { personalized: true as const, interests: [] };
    const result = ranker.rank(items, context([], { profiles: { ADS: empty, CONTENT: empty }, preferences: { ...NO_PREFERENCES, showMoreTopicIds: [CLIMBING] } }));
    expect(ids(items, result)).toEqual(['climbing', 'popular-cooking']);
    expect(result.ranked[0].controls).toEqual([{ control: 'SHOW_MORE', topicId: CLIMBING }]);
    expect(retrievalTopics({ ADS: empty, CONTENT: empty }, ['CONTENT'], undefined, [CLIMBING])).toContain(CLIMBING);
    expect(retrievalTopics({ ADS: empty, CONTENT: empty }, ['CONTENT'])).toEqual([]);
  });

  it('reports why AI-chat data was left out when nothing else matched', () => {
    const items = [item('a', [CLIMBING], { baseScore: 1 })];
    const noChat = { personalized: true as const, interests: [], aiChatNotUsed: 'OPTED_OUT' as const };
    const result = ranker.rank(items, context([], { profiles: { ADS: noChat, CONTENT: noChat } }));
    expect(result).toMatchObject({ personalized: false, notPersonalizedReason: 'OPTED_OUT' });
  });
});

describe('explanationSentence', () => {
  const base = { kind: 'GROUP' as const, surface: 'FACEBOOK' as const, personalized: true, controls: [] };
  it('names the activity, topic and surface', () => {
    const sentence = explanationSentence({ ...base, reasons: [{ topicId: CLIMBING, itemTopicId: CLIMBING, sourceKind: 'AI_CHAT', surface: 'MESSENGER' }] });
    expect(sentence).toBe('You asked the assistant about Climbing on Messenger. Your Messenger and Facebook accounts are linked in Accounts Center; change this in settings.');
    // On the surface the activity happened on, there is nothing cross-app to say.
    expect(explanationSentence({ ...base, surface: 'MESSENGER', reasons: [{ topicId: CLIMBING, itemTopicId: CLIMBING, sourceKind: 'AI_CHAT', surface: 'MESSENGER' }] })).toBe(
      'You asked the assistant about Climbing on Messenger.',
    );
  });
  it('explains a partial match and a second source', () => {
    const sentence = explanationSentence({
      ...base,
      reasons: [
        { topicId: EXTREME_SPORTS, itemTopicId: CLIMBING, sourceKind: 'PAGE_LIKE', surface: 'INSTAGRAM' },
        { topicId: EXTREME_SPORTS, itemTopicId: CLIMBING, sourceKind: 'AI_CHAT', surface: 'MESSENGER' },
      ],
    });
    expect(sentence).toBe(
      'You liked a page about Extreme Sports on Instagram, and you asked the assistant about Extreme Sports on Messenger, and this group is about Climbing. Your Instagram, Messenger and Facebook accounts are linked in Accounts Center; change this in settings.',
    );
  });
  it('says why nothing was personalized, and names controls and filters', () => {
    expect(explanationSentence({ ...base, kind: 'AD', personalized: false, notPersonalizedReason: 'MINOR', reasons: [] })).toMatch(/never personalized for minors/);
    expect(explanationSentence({ ...base, personalized: false, notPersonalizedReason: 'DEGRADED', reasons: [] })).toMatch(/unavailable right now/);
    expect(explanationSentence({ ...base, personalized: false, notPersonalizedReason: 'NON_PERSONALIZED_FEED', reasons: [], controls: [{ control: 'SHOW_LESS', topicId: COOKING }] })).toMatch(
      /feed that isn't personalized.*see less about Cooking/,
    );
    expect(explanationSentence({ ...base, kind: 'AD', filterReason: 'BLOCKED_TOPIC', blockedTopicId: EXTREME_SPORTS, personalized: false, reasons: [] })).toBe(
      "You blocked ads about Extreme Sports, so you won't see this ad.",
    );
    expect(explanationSentence({ ...base, kind: 'AD', filterReason: 'SENSITIVE_TOPIC', personalized: false, reasons: [] })).toMatch(/restricted topic/);
  });
});

describe('retrievalTopics', () => {
  it('takes the strongest interests of personalized views, with their descendants', () => {
    const profiles = {
      ADS: { personalized: false as const, reason: 'MINOR' as const },
      CONTENT: personalized([interest(COOKING, 1), interest(EXTREME_SPORTS, 9)]),
    };
    const topics = retrievalTopics(profiles, ['ADS', 'CONTENT']);
    expect(topics[0]).toBe(EXTREME_SPORTS);
    expect(topics).toContain(CLIMBING);
    expect(topics).toContain(COOKING);
    expect(retrievalTopics(profiles, ['ADS'])).toEqual([]);
    expect(retrievalTopics(profiles, ['CONTENT'], { maxInterests: 1, maxTopicIds: 3 })).toHaveLength(3);
  });
});
