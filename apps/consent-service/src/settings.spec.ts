import { status } from '@grpc/grpc-js';
import { consent } from '@signalpath/proto';
import { asActor, startConsent, statusOf, type ConsentUnderTest } from './testing/harness';

const { Choice, AgeBand } = consent;

describe('ConsentService settings (real database)', () => {
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    consentUnderTest = await startConsent();
    client = consentUnderTest.client;
  });
  afterAll(() => consentUnderTest.stop());

  const update = (userId: string, expectedVersion: string, settings: Partial<consent.Settings>, paths: string[], actor = 'test-suite') =>
    client.updateSettings({ userId, expectedVersion, settings: consent.Settings.fromPartial(settings), updateMask: paths }, asActor(actor));

  describe('GetSettings', () => {
    it('returns the policy defaults at version 0 for a new user, without writing anything', async () => {
      const { settings } = await client.getSettings({ userId: 'new-user' });
      expect(settings).toMatchObject({
        userId: 'new-user',
        aiChatAds: Choice.CHOICE_UNSPECIFIED,
        aiChatContent: Choice.CHOICE_UNSPECIFIED,
        crossAppSharing: Choice.CHOICE_UNSPECIFIED,
        effective: { aiChatAdsEnabled: false, aiChatContentEnabled: false, crossAppSharingEnabled: false },
        linkedAccounts: [],
        adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: [], seeFewerTopicIds: [] },
        feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: [] },
        region: '',
        ageBand: AgeBand.AGE_BAND_UNKNOWN,
        version: '0',
      });
      expect(settings?.updateTime).toBeUndefined();
      const db = consentUnderTest.service.mongo.db;
      expect(await db.collection('settings').countDocuments({ _id: 'new-user' as never })).toBe(0);
      expect(await db.collection('settings_history').countDocuments({ user_id: 'new-user' })).toBe(0);
    });

    it('rejects an empty user id', async () => {
      expect(await statusOf(client.getSettings({ userId: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('user_id') });
      expect(await statusOf(client.getSettings({ userId: '   ' }))).toMatchObject({ code: status.INVALID_ARGUMENT });
    });
  });

  describe('UpdateSettings', () => {
    it('changes only the masked fields, bumps the version and applies the policy', async () => {
      const { settings } = await update(
        'u-update',
        '0',
        { region: 'us', ageBand: AgeBand.AGE_BAND_ADULT, aiChatContent: Choice.CHOICE_OPT_OUT, crossAppSharing: Choice.CHOICE_OPT_OUT },
        ['region', 'age_band', 'ai_chat_content'],
      );
      expect(settings).toMatchObject({
        region: 'US',
        ageBand: AgeBand.AGE_BAND_ADULT,
        aiChatContent: Choice.CHOICE_OPT_OUT,
        crossAppSharing: Choice.CHOICE_UNSPECIFIED, // not in the mask
        version: '1',
        effective: { aiChatAdsEnabled: true, aiChatContentEnabled: false, crossAppSharingEnabled: true },
      });
      expect(settings?.updateTime).toBeInstanceOf(Date);

      const second = await update(
        'u-update',
        '1',
        { adPreferences: { blockedTopicIds: ['500', '483', '500'], blockedAdvertiserIds: ['adv-1'], seeFewerTopicIds: [] }, feedControls: { nonPersonalizedFeed: true, showMoreTopicIds: ['483'], showLessTopicIds: [] } },
        ['ad_preferences', 'feed_controls.non_personalized_feed'],
      );
      expect(second.settings).toMatchObject({
        version: '2',
        region: 'US',
        adPreferences: { blockedTopicIds: ['500', '483'], blockedAdvertiserIds: ['adv-1'], seeFewerTopicIds: [] },
        feedControls: { nonPersonalizedFeed: true, showMoreTopicIds: [], showLessTopicIds: [] },
      });
      const read = await client.getSettings({ userId: 'u-update' });
      expect(read.settings).toEqual(second.settings);
    });

    it('reverts a choice to the regional default with CHOICE_UNSPECIFIED', async () => {
      await update('u-revert', '0', { region: 'DE', ageBand: AgeBand.AGE_BAND_ADULT, aiChatAds: Choice.CHOICE_OPT_IN }, ['region', 'age_band', 'ai_chat_ads']);
      expect((await client.getSettings({ userId: 'u-revert' })).settings?.effective?.aiChatAdsEnabled).toBe(true);
      const { settings } = await update('u-revert', '1', { aiChatAds: Choice.CHOICE_UNSPECIFIED }, ['ai_chat_ads']);
      expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_UNSPECIFIED, effective: { aiChatAdsEnabled: false } });
    });

    it('answers ABORTED when expected_version is not the current version', async () => {
      await update('u-stale', '0', { region: 'US' }, ['region']);
      expect(await statusOf(update('u-stale', '0', { region: 'CA' }, ['region']))).toMatchObject({ code: status.ABORTED });
      expect(await statusOf(update('u-stale', '5', { region: 'CA' }, ['region']))).toMatchObject({ code: status.ABORTED });
      expect((await client.getSettings({ userId: 'u-stale' })).settings).toMatchObject({ region: 'US', version: '1' });
    });

    it('of 10 concurrent updates from a new user (version 0) exactly one wins', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => update('u-race-0', '0', { feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [String(483 + i)], showLessTopicIds: [] } }, ['feed_controls.show_more_topic_ids'])),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(rejected.map((r) => r.reason.code)).toEqual(Array(9).fill(status.ABORTED));
      const winner = (ok[0] as PromiseFulfilledResult<consent.UpdateSettingsResponse>).value.settings;
      expect((await client.getSettings({ userId: 'u-race-0' })).settings).toEqual(winner);
      const history = await client.listSettingsHistory({ userId: 'u-race-0', pageSize: 0, pageToken: '' });
      expect(history.changes).toHaveLength(1);
    });

    it('of 10 concurrent updates from the same existing version exactly one wins, every round', async () => {
      await update('u-race-n', '0', { region: 'US' }, ['region']);
      for (let round = 1; round <= 5; round++) {
        const regions = ['CA', 'MX', 'BR', 'AR', 'CL', 'PE', 'CO', 'JP', 'AU', 'NZ'];
        const results = await Promise.allSettled(regions.map((region) => update('u-race-n', String(round), { region }, ['region'])));
        const ok = results.filter((r): r is PromiseFulfilledResult<consent.UpdateSettingsResponse> => r.status === 'fulfilled');
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(ok).toHaveLength(1);
        expect(rejected.every((r) => r.reason.code === status.ABORTED)).toBe(true);
        const stored = (await client.getSettings({ userId: 'u-race-n' })).settings;
        expect(stored).toMatchObject({ version: String(round + 1), region: ok[0].value.settings?.region });
      }
      const history = await client.listSettingsHistory({ userId: 'u-race-n', pageSize: 0, pageToken: '' });
      expect(history.changes.map((c) => c.version)).toEqual(['6', '5', '4', '3', '2', '1']);
    });

    it('refuses an ads opt-in for a minor with FAILED_PRECONDITION, and never enables ads for minors', async () => {
      await update('u-minor', '0', { region: 'US', ageBand: AgeBand.AGE_BAND_MINOR }, ['region', 'age_band']);
      expect(await statusOf(update('u-minor', '1', { aiChatAds: Choice.CHOICE_OPT_IN }, ['ai_chat_ads']))).toMatchObject({ code: status.FAILED_PRECONDITION });
      expect(await statusOf(update('u-new-minor', '0', { ageBand: AgeBand.AGE_BAND_MINOR, aiChatAds: Choice.CHOICE_OPT_IN }, ['age_band', 'ai_chat_ads']))).toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
      const { settings } = await update('u-minor', '1', { aiChatContent: Choice.CHOICE_OPT_IN }, ['ai_chat_content']);
      expect(settings?.effective).toEqual({ aiChatAdsEnabled: false, aiChatContentEnabled: true, crossAppSharingEnabled: true });
    });

    describe('bad input → INVALID_ARGUMENT naming the field', () => {
      const cases: [string, () => Promise<unknown>, string][] = [
        ['empty user id', () => update('', '0', { region: 'US' }, ['region']), 'user_id'],
        ['empty mask', () => update('u-bad', '0', { region: 'US' }, []), 'update_mask'],
        ['unknown path', () => update('u-bad', '0', { region: 'US' }, ['region', 'colour']), 'update_mask.paths[1]'],
        ['output-only path', () => update('u-bad', '0', {}, ['version']), 'update_mask.paths[0]'],
        ['output-only linked_accounts', () => update('u-bad', '0', {}, ['linked_accounts']), 'update_mask.paths[0]'],
        ['bad region', () => update('u-bad', '0', { region: 'UK' }, ['region']), 'settings.region'],
        ['three-letter region', () => update('u-bad', '0', { region: 'USA' }, ['region']), 'settings.region'],
        ['unspecified age band', () => update('u-bad', '0', { ageBand: AgeBand.AGE_BAND_UNSPECIFIED }, ['age_band']), 'settings.age_band'],
        ['unknown age band', () => update('u-bad', '0', { ageBand: 9 as consent.AgeBand }, ['age_band']), 'settings.age_band'],
        ['unknown choice', () => update('u-bad', '0', { aiChatAds: 7 as consent.Choice }, ['ai_chat_ads']), 'settings.ai_chat_ads'],
        ['unknown cross-app choice', () => update('u-bad', '0', { crossAppSharing: 3 as consent.Choice }, ['cross_app_sharing']), 'settings.cross_app_sharing'],
        [
          'unknown topic id',
          () => update('u-bad', '0', { adPreferences: { blockedTopicIds: ['500', '483', 'not-a-topic'], blockedAdvertiserIds: [], seeFewerTopicIds: [] } }, ['ad_preferences.blocked_topic_ids']),
          'settings.ad_preferences.blocked_topic_ids[2]',
        ],
        [
          'unknown see-fewer topic id',
          () => update('u-bad', '0', { adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: [], seeFewerTopicIds: ['99999'] } }, ['ad_preferences']),
          'settings.ad_preferences.see_fewer_topic_ids[0]',
        ],
        [
          'unknown show-less topic id',
          () => update('u-bad', '0', { feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: ['483', ''] } }, ['feed_controls']),
          'settings.feed_controls.show_less_topic_ids[1]',
        ],
        [
          'empty advertiser id',
          () => update('u-bad', '0', { adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: ['a', ''], seeFewerTopicIds: [] } }, ['ad_preferences.blocked_advertiser_ids']),
          'settings.ad_preferences.blocked_advertiser_ids[1]',
        ],
        ['negative expected_version', () => update('u-bad', '-1', { region: 'US' }, ['region']), 'expected_version'],
      ];
      it.each(cases)('%s', async (_name, call, field) => {
        const result = await statusOf(call());
        expect(result.code).toBe(status.INVALID_ARGUMENT);
        expect(result.details.startsWith(`${field}:`)).toBe(true);
      });

      it('wrote nothing for any rejected update', async () => {
        expect(await consentUnderTest.service.mongo.db.collection('settings').countDocuments({ _id: 'u-bad' as never })).toBe(0);
      });

      it('rejects an invalid actor in metadata', async () => {
        const result = await statusOf(update('u-bad', '0', { region: 'US' }, ['region'], 'x'.repeat(200)));
        expect(result).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('x-signalpath-actor') });
      });
    });
  });

  describe('ListSettingsHistory', () => {
    it('records every change with actor, old and new values as proto3 JSON, version and time, newest first', async () => {
      const before = Date.now();
      await update('u-hist', '0', { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band'], 'settings-ui');
      await client.updateSettings({ userId: 'u-hist', expectedVersion: '1', settings: consent.Settings.fromPartial({ aiChatAds: Choice.CHOICE_OPT_IN }), updateMask: ['ai_chat_ads'] });
      await update('u-hist', '2', { adPreferences: { blockedTopicIds: ['500'], blockedAdvertiserIds: [], seeFewerTopicIds: [] } }, ['ad_preferences'], 'ads-settings');
      await update('u-hist', '3', { region: 'US' }, ['region'], 'noop-writer');
      const { changes, nextPageToken } = await client.listSettingsHistory({ userId: 'u-hist', pageSize: 0, pageToken: '' });
      expect(nextPageToken).toBe('');
      expect(changes.map((c) => [c.version, c.actor])).toEqual([
        ['4', 'noop-writer'],
        ['3', 'ads-settings'],
        ['2', 'anonymous'],
        ['1', 'settings-ui'],
      ]);
      expect(changes[3].fieldChanges).toEqual([
        { fieldPath: 'region', oldValueJson: '""', newValueJson: '"US"' },
        { fieldPath: 'age_band', oldValueJson: '"AGE_BAND_UNKNOWN"', newValueJson: '"AGE_BAND_ADULT"' },
      ]);
      expect(changes[2].fieldChanges).toEqual([{ fieldPath: 'ai_chat_ads', oldValueJson: '"CHOICE_UNSPECIFIED"', newValueJson: '"CHOICE_OPT_IN"' }]);
      // The whole message was masked; only the leaf that changed is recorded.
      expect(changes[1].fieldChanges).toEqual([{ fieldPath: 'ad_preferences.blocked_topic_ids', oldValueJson: '[]', newValueJson: '["500"]' }]);
      // A write that changes nothing still makes a version (and says so).
      expect(changes[0].fieldChanges).toEqual([]);
      for (const change of changes) {
        expect(change.changeTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(change.changeTime!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      }
    });

    it('pages with tokens, clamps large pages and rejects bad tokens and sizes', async () => {
      for (let version = 0; version < 7; version++) await update('u-pages', String(version), { region: version % 2 ? 'US' : 'CA' }, ['region']);
      const first = await client.listSettingsHistory({ userId: 'u-pages', pageSize: 3, pageToken: '' });
      expect(first.changes.map((c) => c.version)).toEqual(['7', '6', '5']);
      const second = await client.listSettingsHistory({ userId: 'u-pages', pageSize: 3, pageToken: first.nextPageToken });
      expect(second.changes.map((c) => c.version)).toEqual(['4', '3', '2']);
      const third = await client.listSettingsHistory({ userId: 'u-pages', pageSize: 3, pageToken: second.nextPageToken });
      expect(third.changes.map((c) => c.version)).toEqual(['1']);
      expect(third.nextPageToken).toBe('');
      const big = await client.listSettingsHistory({ userId: 'u-pages', pageSize: 100_000, pageToken: '' });
      expect(big.changes).toHaveLength(7);

      expect(await statusOf(client.listSettingsHistory({ userId: 'u-pages', pageSize: -1, pageToken: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('page_size') });
      expect(await statusOf(client.listSettingsHistory({ userId: 'u-pages', pageSize: 3, pageToken: 'garbage!' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('page_token') });
      expect(await statusOf(client.listSettingsHistory({ userId: 'u-hist', pageSize: 3, pageToken: first.nextPageToken }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('page_token') });
      expect(await statusOf(client.listSettingsHistory({ userId: '', pageSize: 3, pageToken: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('user_id') });
      expect((await client.listSettingsHistory({ userId: 'nobody', pageSize: 0, pageToken: '' })).changes).toEqual([]);
    });
  });
});
