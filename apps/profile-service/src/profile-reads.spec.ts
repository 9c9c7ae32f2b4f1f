import { status } from '@grpc/grpc-js';
import { common, consent, profile } from '@signalpath/proto';

import { DAY_MS, scoresOf, signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const { SURFACE_INSTAGRAM: INSTAGRAM, SURFACE_MESSENGER: MESSENGER, SURFACE_FACEBOOK: FACEBOOK } = common.Surface;
const ADS = common.Purpose.PURPOSE_ADS;
const CONTENT = common.Purpose.PURPOSE_CONTENT;
const Reason = profile.NotPersonalizedReason;

describe('GetProfile and ExplainInterest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.clock.now = T0;
  });

  const read = (userId: string, surface: common.Surface, purpose: common.Purpose, limit = 0) => h.client.getProfile({ userId, surface, purpose, limit });
  const topics = async (userId: string, surface: common.Surface, purpose: common.Purpose) => Object.keys(scoresOf((await read(userId, surface, purpose)).interests)).sort();

  describe('cross-surface rules', () => {
    const user = 'cross';
    beforeAll(async () => {
      await h.client.applySignals({
        signals: [
          signal({ userId: user, surface: MESSENGER, topicId: TOPIC.TRAVEL, weight: 0.5 }),
          signal({ userId: user, surface: INSTAGRAM, topicId: TOPIC.CLIMBING, weight: 1 }),
          signal({ userId: user, surface: FACEBOOK, topicId: TOPIC.COOKING, weight: 1 }),
        ],
      });
    });

    it('keeps Messenger signals invisible on Instagram until the accounts are linked', async () => {
      expect(await topics(user, INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING]);
      expect(await topics(user, MESSENGER, CONTENT)).toEqual([TOPIC.TRAVEL]);
      // Only one side linked is not enough.
      h.consent.update(user, { linkedSurfaces: [MESSENGER] });
      expect(await topics(user, INSTAGRAM, ADS)).toEqual([TOPIC.CLIMBING]);
    });

    it('shows them while both are linked and sharing is on, and only linked surfaces', async () => {
      h.consent.update(user, { linkedSurfaces: [MESSENGER, INSTAGRAM], crossAppSharing: true });
      expect(await topics(user, INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING, TOPIC.TRAVEL].sort());
      expect(await topics(user, MESSENGER, ADS)).toEqual([TOPIC.CLIMBING, TOPIC.TRAVEL].sort());
      const travel = (await read(user, INSTAGRAM, ADS)).interests.find((i) => i.topic?.id === TOPIC.TRAVEL);
      expect(travel?.sources).toEqual([{ surface: MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, lastTime: T0 }]);
      expect(travel?.topic).toEqual({ id: TOPIC.TRAVEL, name: 'Travel', tier1: 'Travel' });
    });

    it('hides them on the next read after sharing is turned off', async () => {
      h.consent.update(user, { crossAppSharing: false });
      expect(await topics(user, INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING]);
      h.consent.update(user, { crossAppSharing: true });
      expect(await topics(user, INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING, TOPIC.TRAVEL].sort());
    });

    it('hides them on the next read after an unlink', async () => {
      h.consent.update(user, { linkedSurfaces: [INSTAGRAM] });
      expect(await topics(user, INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING]);
      expect((await h.client.explainInterest({ userId: user, topicId: TOPIC.TRAVEL, surface: INSTAGRAM, purpose: CONTENT })).present).toBe(false);
    });

    it('reports the settings version the read was decided on', async () => {
      const response = await read(user, INSTAGRAM, CONTENT);
      expect(response.settingsVersion).toBe(h.consent.settingsOf(user).version);
    });
  });

  it('decays scores with the configured half-life against the injected clock', async () => {
    await h.client.applySignals({ signals: [signal({ userId: 'decay', weight: 1, eventTime: T0 }), signal({ userId: 'decay', topicId: TOPIC.TRAVEL, weight: 0.125, eventTime: T0 })] });
    expect(scoresOf((await read('decay', INSTAGRAM, ADS)).interests)[TOPIC.CLIMBING]).toBeCloseTo(1, 9);
    h.clock.now = new Date(T0.getTime() + 30 * DAY_MS);
    expect(scoresOf((await read('decay', INSTAGRAM, ADS)).interests)[TOPIC.CLIMBING]).toBeCloseTo(0.5, 9);
    h.clock.now = new Date(T0.getTime() + 90 * DAY_MS);
    const later = await read('decay', INSTAGRAM, ADS);
    expect(scoresOf(later.interests)).toEqual({ [TOPIC.CLIMBING]: expect.closeTo(0.125, 9), [TOPIC.TRAVEL]: expect.closeTo(0.015625, 9) });
    // A new signal adds at full weight on top of the decayed score.
    await h.client.applySignals({ signals: [signal({ userId: 'decay', topicId: TOPIC.TRAVEL, weight: 0.25, eventTime: h.clock.now })] });
    expect(scoresOf((await read('decay', INSTAGRAM, ADS)).interests)[TOPIC.TRAVEL]).toBeCloseTo(0.265625, 9);
  });

  it('uses only ads-eligible signals for ads and content-eligible ones for content', async () => {
    await h.client.applySignals({
      signals: [
        signal({ userId: 'purpose', topicId: TOPIC.CLIMBING, adsEligible: false, contentEligible: true }),
        signal({ userId: 'purpose', topicId: TOPIC.TRAVEL, adsEligible: true, contentEligible: false }),
        signal({ userId: 'purpose', topicId: TOPIC.COOKING, adsEligible: false, contentEligible: false }),
      ],
    });
    expect(await topics('purpose', INSTAGRAM, ADS)).toEqual([TOPIC.TRAVEL]);
    expect(await topics('purpose', INSTAGRAM, CONTENT)).toEqual([TOPIC.CLIMBING]);
  });

  it('removes a blocked ad topic and its descendants for ads only', async () => {
    await h.client.applySignals({
      signals: [TOPIC.SPORTS, TOPIC.EXTREME_SPORTS, TOPIC.CLIMBING, TOPIC.SOCCER, TOPIC.TRAVEL].map((topicId) => signal({ userId: 'blocked', topicId })),
    });
    h.consent.update('blocked', { blockedTopicIds: [TOPIC.EXTREME_SPORTS] });
    expect(await topics('blocked', INSTAGRAM, ADS)).toEqual([TOPIC.SPORTS, TOPIC.SOCCER, TOPIC.TRAVEL].sort());
    expect((await h.client.explainInterest({ userId: 'blocked', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose: ADS })).present).toBe(false);
    h.consent.update('blocked', { blockedTopicIds: [TOPIC.SPORTS] });
    expect(await topics('blocked', INSTAGRAM, ADS)).toEqual([TOPIC.TRAVEL]);
    expect(await topics('blocked', INSTAGRAM, CONTENT)).toHaveLength(5);
  });

  it('lowers show-less and raises show-more topics for content', async () => {
    await h.client.applySignals({
      signals: [TOPIC.CLIMBING, TOPIC.SOCCER, TOPIC.TRAVEL, TOPIC.COOKING].map((topicId) => signal({ userId: 'feed', topicId, weight: 0.25 })),
    });
    h.consent.update('feed', { showLessTopicIds: [TOPIC.SPORTS], showMoreTopicIds: [TOPIC.CLIMBING, TOPIC.TRAVEL] });
    const content = await read('feed', INSTAGRAM, CONTENT);
    expect(scoresOf(content.interests)).toEqual({ [TOPIC.CLIMBING]: 0.375, [TOPIC.TRAVEL]: 0.375, [TOPIC.COOKING]: 0.25, [TOPIC.SOCCER]: 0.125 });
    expect(content.interests.map((i) => i.topic?.id)).toEqual([TOPIC.CLIMBING, TOPIC.TRAVEL, TOPIC.COOKING, TOPIC.SOCCER]);
    // Feed controls do not touch ads.
    expect(scoresOf((await read('feed', INSTAGRAM, ADS)).interests)[TOPIC.SOCCER]).toBe(0.25);
  });

  it('ranks highest first and applies the limit (0 means 50, above 500 means 500)', async () => {
    const all = Object.values(TOPIC);
    await h.client.applySignals({ signals: all.map((topicId, i) => signal({ userId: 'limit', topicId, weight: (i + 1) / all.length })) });
    const top2 = await read('limit', INSTAGRAM, ADS, 2);
    expect(top2.interests.map((i) => i.topic?.id)).toEqual([all[all.length - 1], all[all.length - 2]]);
    expect((await read('limit', INSTAGRAM, ADS, 0)).interests).toHaveLength(all.length);
    expect((await read('limit', INSTAGRAM, ADS, 100_000)).interests).toHaveLength(all.length);
  });

  describe('not personalized', () => {
    beforeAll(async () => {
      for (const userId of ['opted-out', 'minor', 'npf', 'excluded']) await h.client.applySignals({ signals: [signal({ userId })] });
    });

    it('an AI-chat ads opt-out leaves out AI-chat data for ads only, and says so', async () => {
      await h.client.applySignals({ signals: [signal({ userId: 'opted-out', topicId: TOPIC.SOCCER, sourceKind: common.SourceKind.SOURCE_KIND_FOLLOW, modality: common.Modality.MODALITY_UNSPECIFIED })] });
      h.consent.update('opted-out', { eligibility: { [ADS]: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT } });
      // The follow still counts for ads; the AI-chat climbing signal does not.
      expect(await read('opted-out', INSTAGRAM, ADS)).toMatchObject({
        interests: [expect.objectContaining({ topic: expect.objectContaining({ id: TOPIC.SOCCER }) })],
        personalized: true,
        notPersonalizedReason: Reason.NOT_PERSONALIZED_REASON_UNSPECIFIED,
        aiChatNotUsedReason: Reason.NOT_PERSONALIZED_REASON_OPTED_OUT,
      });
      const content = await read('opted-out', INSTAGRAM, CONTENT);
      expect(content).toMatchObject({ personalized: true, aiChatNotUsedReason: Reason.NOT_PERSONALIZED_REASON_UNSPECIFIED });
      expect(content.interests.map((i) => i.topic?.id).sort()).toEqual([TOPIC.CLIMBING, TOPIC.SOCCER].sort());
      expect((await h.client.explainInterest({ userId: 'opted-out', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose: ADS })).present).toBe(false);
      expect((await h.client.explainInterest({ userId: 'opted-out', topicId: TOPIC.SOCCER, surface: INSTAGRAM, purpose: ADS })).present).toBe(true);
    });

    it('gives a minor no ads interests', async () => {
      h.consent.update('minor', { ageBand: consent.AgeBand.AGE_BAND_MINOR });
      expect(await read('minor', INSTAGRAM, ADS)).toMatchObject({ interests: [], personalized: false, notPersonalizedReason: Reason.NOT_PERSONALIZED_REASON_MINOR });
    });

    it('honours the non-personalized feed for content', async () => {
      h.consent.update('npf', { nonPersonalizedFeed: true });
      expect(await read('npf', INSTAGRAM, CONTENT)).toMatchObject({ interests: [], personalized: false, notPersonalizedReason: Reason.NOT_PERSONALIZED_REASON_NON_PERSONALIZED_FEED });
      expect((await read('npf', INSTAGRAM, ADS)).personalized).toBe(true);
    });

    it('reports the real reason AI-chat data is left out (an excluded region)', async () => {
      h.consent.update('excluded', { eligibility: { [CONTENT]: consent.EligibilityReason.ELIGIBILITY_REASON_REGION_EXCLUDED } });
      expect(await read('excluded', INSTAGRAM, CONTENT)).toMatchObject({
        interests: [],
        personalized: true,
        aiChatNotUsedReason: Reason.NOT_PERSONALIZED_REASON_REGION_EXCLUDED,
      });
    });

    it('gives the real reason for an unknown age or region (ads), from the settings themselves', async () => {
      h.consent.update('minor', { ageBand: consent.AgeBand.AGE_BAND_UNKNOWN });
      expect(await read('minor', INSTAGRAM, ADS)).toMatchObject({ personalized: false, notPersonalizedReason: Reason.NOT_PERSONALIZED_REASON_AGE_UNKNOWN });
      h.consent.update('minor', { ageBand: consent.AgeBand.AGE_BAND_ADULT, region: '' });
      expect(await read('minor', INSTAGRAM, ADS)).toMatchObject({ personalized: false, notPersonalizedReason: Reason.NOT_PERSONALIZED_REASON_REGION_UNKNOWN });
    });
  });

  it('explains an interest: score and sources, most recent first', async () => {
    await h.client.applySignals({
      signals: [
        signal({ userId: 'explain', weight: 1, eventTime: new Date(T0.getTime() - DAY_MS) }),
        signal({ userId: 'explain', weight: 0.5, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, modality: common.Modality.MODALITY_UNSPECIFIED }),
      ],
    });
    const explained = await h.client.explainInterest({ userId: 'explain', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose: ADS });
    expect(explained.present).toBe(true);
    expect(explained.interest?.score).toBeCloseTo(0.5 + Math.pow(2, -1 / 30), 10);
    expect(explained.interest?.sources).toEqual([
      { surface: INSTAGRAM, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, lastTime: T0 },
      { surface: INSTAGRAM, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, lastTime: new Date(T0.getTime() - DAY_MS) },
    ]);
    expect(await h.client.explainInterest({ userId: 'explain', topicId: TOPIC.TRAVEL, surface: INSTAGRAM, purpose: ADS })).toEqual({ interest: undefined, present: false });
  });

  describe('bad input → INVALID_ARGUMENT naming the field', () => {
    const ok = { userId: 'u', surface: INSTAGRAM, purpose: ADS, limit: 0 };
    it.each([
      ['user_id', { ...ok, userId: '' }],
      ['surface', { ...ok, surface: common.Surface.SURFACE_UNSPECIFIED }],
      ['purpose', { ...ok, purpose: common.Purpose.PURPOSE_UNSPECIFIED }],
      ['limit', { ...ok, limit: -1 }],
    ])('GetProfile %s', async (field, request) => {
      await expect(h.client.getProfile(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(field) });
    });

    const explainOk = { userId: 'u', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose: ADS };
    it.each([
      ['user_id', { ...explainOk, userId: '' }],
      ['topic_id', { ...explainOk, topicId: '' }],
      ['topic_id', { ...explainOk, topicId: 'nope' }],
      ['surface', { ...explainOk, surface: common.Surface.SURFACE_UNSPECIFIED }],
      ['purpose', { ...explainOk, purpose: common.Purpose.PURPOSE_UNSPECIFIED }],
    ])('ExplainInterest %s', async (field, request) => {
      await expect(h.client.explainInterest(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(field) });
    });
  });

  describe('GetReadContext (issue 17 §2: one read for a ranking)', () => {
    const context = (userId: string, purposes: common.Purpose[] = []) => h.client.getReadContext({ userId, surface: INSTAGRAM, purposes, limit: 0 });
    beforeAll(async () => {
      await h.client.applySignals({
        signals: [
          signal({ userId: 'ctx', surface: INSTAGRAM, topicId: TOPIC.CLIMBING, weight: 1 }),
          signal({ userId: 'ctx', surface: INSTAGRAM, topicId: TOPIC.SOCCER, sourceKind: common.SourceKind.SOURCE_KIND_FOLLOW, modality: common.Modality.MODALITY_UNSPECIFIED }),
          signal({ userId: 'ctx', surface: MESSENGER, topicId: TOPIC.TRAVEL, weight: 0.5 }),
        ],
      });
    });

    // Each state is one the GetProfile tests above cover rule by rule; the context must agree with them.
    it.each([
      ['everything allowed', {}],
      ['an AI-chat ads opt-out', { eligibility: { [ADS]: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT } }],
      ['a minor', { ageBand: consent.AgeBand.AGE_BAND_MINOR }],
      ['a non-personalized feed and linked, shared accounts', { ageBand: consent.AgeBand.AGE_BAND_ADULT, eligibility: {}, nonPersonalizedFeed: true, linkedSurfaces: [MESSENGER, INSTAGRAM], crossAppSharing: true }],
      ['an unlink', { nonPersonalizedFeed: false, linkedSurfaces: [INSTAGRAM] }],
    ] as const)('answers what GetProfile answers for each purpose, with the settings used: %s', async (_state, change) => {
      h.consent.update('ctx', change as Parameters<typeof h.consent.update>[1]);
      const calls = h.consent.calls;
      const answer = await context('ctx');
      // One settings lookup and one eligibility check per purpose.
      expect(h.consent.calls - calls).toBe(3);
      expect(answer.settings?.version).toBe(h.consent.settingsOf('ctx').version);
      expect(answer.profiles.map((p) => p.purpose)).toEqual([ADS, CONTENT]);
      for (const purposeProfile of answer.profiles) {
        const alone = await read('ctx', INSTAGRAM, purposeProfile.purpose);
        expect(purposeProfile).toEqual({
          purpose: purposeProfile.purpose,
          interests: alone.interests,
          personalized: alone.personalized,
          notPersonalizedReason: alone.notPersonalizedReason,
          aiChatNotUsedReason: alone.aiChatNotUsedReason,
        });
      }
    });

    it('reads the purposes asked for, in that order', async () => {
      expect((await context('ctx', [CONTENT])).profiles.map((p) => p.purpose)).toEqual([CONTENT]);
      expect((await context('ctx', [CONTENT, ADS])).profiles.map((p) => p.purpose)).toEqual([CONTENT, ADS]);
    });

    it.each([
      [{ userId: '', surface: INSTAGRAM, purposes: [], limit: 0 }, 'user_id'],
      [{ userId: 'ctx', surface: common.Surface.SURFACE_UNSPECIFIED, purposes: [], limit: 0 }, 'surface'],
      [{ userId: 'ctx', surface: INSTAGRAM, purposes: [ADS, common.Purpose.PURPOSE_UNSPECIFIED], limit: 0 }, 'purposes[1]'],
      [{ userId: 'ctx', surface: INSTAGRAM, purposes: [ADS, ADS], limit: 0 }, 'purposes[1]'],
      [{ userId: 'ctx', surface: INSTAGRAM, purposes: [], limit: -1 }, 'limit'],
    ])('rejects bad input naming the field (%#)', async (request, field) => {
      await expect(h.client.getReadContext(request)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(field) });
    });

    it('answers UNAVAILABLE, never a profile, while ConsentService fails', async () => {
      h.consent.failWith = status.UNAVAILABLE;
      try {
        await expect(context('ctx')).rejects.toMatchObject({ code: status.UNAVAILABLE });
      } finally {
        h.consent.failWith = undefined;
      }
    });
  });

  it('answers UNAVAILABLE, never a profile, while ConsentService is unavailable', async () => {
    await h.client.applySignals({ signals: [signal({ userId: 'consent-down' })] });
    h.consent.failWith = status.UNAVAILABLE;
    try {
      await expect(read('consent-down', INSTAGRAM, ADS)).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await expect(h.client.explainInterest({ userId: 'consent-down', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose: CONTENT })).rejects.toMatchObject({
        code: status.UNAVAILABLE,
      });
    } finally {
      h.consent.failWith = undefined;
    }
    expect((await read('consent-down', INSTAGRAM, ADS)).personalized).toBe(true);
  });
});

describe('GetProfile with ConsentService unreachable', () => {
  it('answers UNAVAILABLE', async () => {
    const h = await startHarness();
    try {
      await h.client.applySignals({ signals: [signal({ userId: 'unreachable' })] });
      await h.consent.stop();
      await expect(h.client.getProfile({ userId: 'unreachable', surface: INSTAGRAM, purpose: ADS, limit: 0 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      await h.stop();
    }
  });
});

describe('profile reads with ConsentService hung (accepts calls, never answers)', () => {
  it('fail closed: UNAVAILABLE within the consent timeout, never a profile, for GetProfile and ExplainInterest', async () => {
    const h = await startHarness({ PROFILE_CONSENT_TIMEOUT: '300ms' });
    try {
      await h.client.applySignals({ signals: [signal({ userId: 'hung' })] });
      h.consent.delayMs = 60_000;
      // UNAVAILABLE, not DEADLINE_EXCEEDED: each read gives up at its consent timeout, long before the caller's 10 s.
      for (const purpose of [ADS, CONTENT]) {
        await expect(h.client.getProfile({ userId: 'hung', surface: INSTAGRAM, purpose, limit: 0 }, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
        await expect(h.client.explainInterest({ userId: 'hung', topicId: TOPIC.CLIMBING, surface: INSTAGRAM, purpose }, { timeoutMs: 10_000 })).rejects.toMatchObject({
          code: status.UNAVAILABLE,
        });
      }
      h.consent.delayMs = 0;
      expect((await h.client.getProfile({ userId: 'hung', surface: INSTAGRAM, purpose: ADS, limit: 0 })).personalized).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
