import { status } from '@grpc/grpc-js';
import { common, consent } from '@signalpath/proto';
import { startConsent, statusOf, waitFor, type ConsentUnderTest } from './testing/harness';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const MESSENGER = common.Surface.SURFACE_MESSENGER;
const R = consent.EligibilityReason;
const AFTER = new Date('2026-02-01T00:00:00Z');

describe('ConsentService eligibility (real database)', () => {
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  const setUp = async (userId: string, settings: Partial<consent.Settings>, paths: string[]) => {
    const current = (await client.getSettings({ userId })).settings!;
    return (await client.updateSettings({ userId, expectedVersion: current.version, settings: consent.Settings.fromPartial(settings), updateMask: paths })).settings!;
  };
  const check = (userId: string, purpose: common.Purpose, extra: Partial<consent.CheckEligibilityRequest> = {}) =>
    client.checkEligibility({ userId, surface: MESSENGER, purpose, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, ...extra });

  beforeAll(async () => {
    consentUnderTest = await startConsent();
    client = consentUnderTest.client;
    await setUp('adult-us', { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
    await setUp('adult-fr', { region: 'FR', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
    await setUp('minor-us', { region: 'US', ageBand: consent.AgeBand.AGE_BAND_MINOR }, ['region', 'age_band']);
    await setUp('noage-us', { region: 'US' }, ['region']);
    await setUp('noregion', { ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['age_band']);
    await setUp('optout-us', { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT, aiChatAds: consent.Choice.CHOICE_OPT_OUT }, ['region', 'age_band', 'ai_chat_ads']);
  });
  afterAll(() => consentUnderTest.stop());

  it.each([
    ['adult-us', ADS, {}, true, R.ELIGIBILITY_REASON_ALLOWED],
    ['adult-us', CONTENT, {}, true, R.ELIGIBILITY_REASON_ALLOWED],
    ['adult-us', ADS, { endToEndEncrypted: true }, false, R.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED],
    ['adult-us', ADS, { eventTime: new Date('2025-12-15T23:59:59.999Z') }, false, R.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE],
    ['adult-us', CONTENT, { eventTime: new Date('2025-12-16T00:00:00Z') }, true, R.ELIGIBILITY_REASON_ALLOWED],
    ['adult-fr', ADS, {}, false, R.ELIGIBILITY_REASON_REGION_EXCLUDED],
    ['adult-fr', CONTENT, {}, false, R.ELIGIBILITY_REASON_REGION_EXCLUDED],
    ['minor-us', ADS, {}, false, R.ELIGIBILITY_REASON_MINOR],
    ['minor-us', CONTENT, {}, true, R.ELIGIBILITY_REASON_ALLOWED],
    ['noage-us', ADS, {}, false, R.ELIGIBILITY_REASON_AGE_UNKNOWN],
    ['noregion', ADS, {}, false, R.ELIGIBILITY_REASON_REGION_UNKNOWN],
    ['optout-us', ADS, {}, false, R.ELIGIBILITY_REASON_OPTED_OUT],
    ['optout-us', CONTENT, {}, true, R.ELIGIBILITY_REASON_ALLOWED],
    ['never-seen', ADS, {}, false, R.ELIGIBILITY_REASON_AGE_UNKNOWN],
    ['never-seen', ADS, { endToEndEncrypted: true }, false, R.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED],
  ] as [string, common.Purpose, Partial<consent.CheckEligibilityRequest>, boolean, consent.EligibilityReason][])(
    '%s purpose %s %j → allowed %s, reason %s',
    async (userId, purpose, extra, allowed, reason) => {
      expect(await check(userId, purpose, extra)).toMatchObject({ allowed, reason });
    },
  );

  it('returns the settings version the decision was made on (0 for a new user)', async () => {
    expect((await check('never-seen', CONTENT)).settingsVersion).toBe('0');
    expect((await check('optout-us', ADS)).settingsVersion).toBe('1');
  });

  it('an unset event time means now (after the effective date)', async () => {
    expect(await check('adult-us', ADS, { eventTime: undefined })).toMatchObject({ allowed: true });
  });

  it('a consent change is visible to the next check at once (this process wrote it)', async () => {
    await setUp('flip', { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
    expect(await check('flip', ADS)).toMatchObject({ allowed: true, settingsVersion: '1' });
    await setUp('flip', { aiChatAds: consent.Choice.CHOICE_OPT_OUT }, ['ai_chat_ads']);
    expect(await check('flip', ADS)).toMatchObject({ allowed: false, reason: R.ELIGIBILITY_REASON_OPTED_OUT, settingsVersion: '2' });
    await setUp('flip', { aiChatAds: consent.Choice.CHOICE_UNSPECIFIED }, ['ai_chat_ads']);
    expect(await check('flip', ADS)).toMatchObject({ allowed: true, settingsVersion: '3' });
  });

  it('a change made through another replica is seen within the cache bound', async () => {
    const dbName = consentUnderTest.service.mongo.db.databaseName;
    const replica = await startConsent({ CONSENT_SETTINGS_CACHE_MAX_STALENESS: '250ms' }, { dbName, keepDatabase: true });
    try {
      await setUp('two-replicas', { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
      expect(await replica.client.checkEligibility({ userId: 'two-replicas', surface: MESSENGER, purpose: ADS, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined })).toMatchObject({ allowed: true });
      await setUp('two-replicas', { aiChatAds: consent.Choice.CHOICE_OPT_OUT }, ['ai_chat_ads']);
      // Committed by now (the change may have committed earlier: that only makes this stricter).
      const changedAt = Date.now();
      // Every check that starts more than the bound after the change must see it. Judged per
      // check by its start time, not by a fixed budget for the whole loop: on a busy machine a
      // check RPC may itself take long, which says nothing about the cache.
      const checks: Array<{ startedAfterMs: number; allowed: boolean }> = [];
      while (Date.now() - changedAt < 10_000) {
        const startedAfterMs = Date.now() - changedAt;
        const answer = await replica.client.checkEligibility({ userId: 'two-replicas', surface: MESSENGER, purpose: ADS, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined });
        checks.push({ startedAfterMs, allowed: answer.allowed });
        if (!answer.allowed && startedAfterMs > 250) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(checks.filter((c) => c.startedAfterMs > 250 && c.allowed)).toEqual([]);
      expect(checks.at(-1)?.allowed).toBe(false);
    } finally {
      await replica.stop();
    }
  });

  it("a user's no holds on the very next read through another replica: opt-out, unlink, block (commit wait)", async () => {
    const dbName = consentUnderTest.service.mongo.db.databaseName;
    // Both replicas with the default staleness bound (500 ms), the writer's as the reader's.
    const replica = await startConsent({}, { dbName, keepDatabase: true });
    try {
      const user = 'next-read';
      const INSTAGRAM = common.Surface.SURFACE_INSTAGRAM;
      await setUp(user, { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
      await client.linkAccount({ userId: user, surface: INSTAGRAM, accountId: 'ig-next-read' });
      const onReplica = () => replica.client.getSettings({ userId: user }).then((r) => r.settings!);
      const allowedOnReplica = async () => (await replica.client.checkEligibility({ userId: user, surface: MESSENGER, purpose: ADS, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, endToEndEncrypted: false })).allowed;
      // The replica has the current settings in its cache before each change.
      await waitFor(async () => (await onReplica()).linkedAccounts.length === 1 && (await allowedOnReplica()));
      const optOutStarted = Date.now();
      await setUp(user, { aiChatAds: consent.Choice.CHOICE_OPT_OUT }, ['ai_chat_ads']);
      const optOutMs = Date.now() - optOutStarted;
      expect(await allowedOnReplica()).toBe(false);
      await client.unlinkAccount({ userId: user, surface: INSTAGRAM });
      expect((await onReplica()).linkedAccounts).toEqual([]);
      await setUp(user, { adPreferences: { blockedTopicIds: ['500'], blockedAdvertiserIds: [], seeFewerTopicIds: [] } }, ['ad_preferences.blocked_topic_ids']);
      expect((await onReplica()).adPreferences?.blockedTopicIds).toEqual(['500']);
      // The wait is the bound, paid by restricting changes only: an opt-in answers at once.
      expect(optOutMs).toBeGreaterThanOrEqual(500);
      const optInStarted = Date.now();
      await setUp(user, { aiChatAds: consent.Choice.CHOICE_OPT_IN }, ['ai_chat_ads']);
      expect(Date.now() - optInStarted).toBeLessThan(optOutMs);
    } finally {
      await replica.stop();
    }
  });

  it('with the cache disabled every check reads the database', async () => {
    const dbName = consentUnderTest.service.mongo.db.databaseName;
    const replica = await startConsent({ CONSENT_SETTINGS_CACHE_MAX_STALENESS: '0' }, { dbName, keepDatabase: true });
    try {
      const ask = () => replica.client.checkEligibility({ userId: 'no-cache', surface: MESSENGER, purpose: CONTENT, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined });
      expect(await ask()).toMatchObject({ allowed: false, reason: R.ELIGIBILITY_REASON_REGION_UNKNOWN });
      await setUp('no-cache', { region: 'BR' }, ['region']);
      expect(await ask()).toMatchObject({ allowed: true, settingsVersion: '1' });
    } finally {
      await replica.stop();
    }
  });

  describe('BatchCheckEligibility', () => {
    it('answers each query in order, echoing user, purpose and surface', async () => {
      const queries = [
        { userId: 'adult-us', surface: MESSENGER, purpose: ADS, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false },
        { userId: 'adult-fr', surface: common.Surface.SURFACE_INSTAGRAM, purpose: CONTENT, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false },
        { userId: 'minor-us', surface: MESSENGER, purpose: ADS, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false },
        { userId: 'adult-us', surface: common.Surface.SURFACE_WHATSAPP, purpose: CONTENT, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: true },
        { userId: 'never-seen', surface: MESSENGER, purpose: CONTENT, eventTime: undefined, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false },
      ];
      const { decisions } = await client.batchCheckEligibility({ queries });
      expect(decisions).toEqual([
        { allowed: true, reason: R.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '1', userId: 'adult-us', purpose: ADS, surface: MESSENGER },
        { allowed: false, reason: R.ELIGIBILITY_REASON_REGION_EXCLUDED, settingsVersion: '1', userId: 'adult-fr', purpose: CONTENT, surface: common.Surface.SURFACE_INSTAGRAM },
        { allowed: false, reason: R.ELIGIBILITY_REASON_MINOR, settingsVersion: '1', userId: 'minor-us', purpose: ADS, surface: MESSENGER },
        { allowed: false, reason: R.ELIGIBILITY_REASON_END_TO_END_ENCRYPTED, settingsVersion: '1', userId: 'adult-us', purpose: CONTENT, surface: common.Surface.SURFACE_WHATSAPP },
        { allowed: false, reason: R.ELIGIBILITY_REASON_REGION_UNKNOWN, settingsVersion: '0', userId: 'never-seen', purpose: CONTENT, surface: MESSENGER },
      ]);
    });

    it('answers 500 queries for many users and an empty list with nothing', async () => {
      const queries = Array.from({ length: 500 }, (_, i) => ({ userId: i % 2 ? 'adult-us' : `bulk-${i}`, surface: MESSENGER, purpose: ADS, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false }));
      const { decisions } = await client.batchCheckEligibility({ queries });
      expect(decisions).toHaveLength(500);
      decisions.forEach((decision, i) => expect(decision).toMatchObject(i % 2 ? { userId: 'adult-us', allowed: true } : { userId: `bulk-${i}`, allowed: false, reason: R.ELIGIBILITY_REASON_AGE_UNKNOWN }));
      expect(await client.batchCheckEligibility({ queries: [] })).toEqual({ decisions: [] });
    });

    it('rejects more than 500 queries and names the invalid query field', async () => {
      const valid = { userId: 'u', surface: MESSENGER, purpose: ADS, eventTime: undefined, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false };
      expect(await statusOf(client.batchCheckEligibility({ queries: Array(501).fill(valid) }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^queries:/) });
      const bad = [valid, valid, valid, { ...valid, userId: '' }];
      expect(await statusOf(client.batchCheckEligibility({ queries: bad }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^queries\[3\]\.user_id:/) });
      expect(await statusOf(client.batchCheckEligibility({ queries: [valid, { ...valid, purpose: common.Purpose.PURPOSE_UNSPECIFIED }] }))).toMatchObject({
        details: expect.stringMatching(/^queries\[1\]\.purpose:/),
      });
      expect(await statusOf(client.batchCheckEligibility({ queries: [{ ...valid, surface: 99 as common.Surface }] }))).toMatchObject({ details: expect.stringMatching(/^queries\[0\]\.surface:/) });
    });
  });

  describe('bad input → INVALID_ARGUMENT naming the field', () => {
    it.each([
      ['user_id', { userId: '' }],
      ['surface', { surface: common.Surface.SURFACE_UNSPECIFIED }],
      ['purpose', { purpose: common.Purpose.PURPOSE_UNSPECIFIED }],
      ['purpose', { purpose: 5 as common.Purpose }],
    ] as [string, Partial<consent.CheckEligibilityRequest>][])('%s', async (field, overrides) => {
      const result = await statusOf(client.checkEligibility({ userId: 'u', surface: MESSENGER, purpose: ADS, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined, ...overrides }));
      expect(result.code).toBe(status.INVALID_ARGUMENT);
      expect(result.details.startsWith(`${field}:`)).toBe(true);
    });
  });
});
