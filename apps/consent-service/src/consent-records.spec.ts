import { status } from '@grpc/grpc-js';
import type { KeyObject } from 'node:crypto';
import { common, consent } from '@signalpath/proto';
import { generateKeyRing, mintUserAssertion, tokenMetadataProvider, userAssertionMetadata } from '@signalpath/service-auth';
import { createConsentClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';
import { consentService } from './server';
import { asActor, startConsent, startFakeTargets, statusOf, waitFor, type ConsentUnderTest } from './testing/harness';

const { Choice, AgeBand, ChangeSource } = consent;
const AFTER = new Date('2026-02-01T00:00:00Z');
const MESSENGER = common.Surface.SURFACE_MESSENGER;

/** The value, or a failed test when the service left it out. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value in the response');
  return value;
}

type Fakes = Awaited<ReturnType<typeof startFakeTargets>>;

describe('consent records and Global Privacy Control (real database)', () => {
  let fakes: Fakes;
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    fakes = await startFakeTargets();
    consentUnderTest = await startConsent(fakes.env);
    client = consentUnderTest.client;
  });
  afterAll(async () => {
    await consentUnderTest.stop();
    await fakes.stop();
  });

  const update = async (userId: string, settings: Partial<consent.Settings>, paths: string[], extra: Partial<consent.UpdateSettingsRequest> = {}) => {
    const current = present((await client.getSettings({ userId, consistentRead: true })).settings);
    return present((await client.updateSettings({ userId, expectedVersion: current.version, settings: consent.Settings.fromPartial(settings), updateMask: paths, ...extra }, asActor('settings-tests'))).settings);
  };
  const history = async (userId: string) => (await client.listSettingsHistory({ userId, pageSize: 0, pageToken: '' })).changes;
  const bases = (change: consent.SettingsChange) => Object.fromEntries((change.consentRecord?.legalBases ?? []).map((b) => [consent.consentPurposeToJSON(b.purpose), consent.legalBasisToJSON(b.legalBasis)]));

  describe('consent records', () => {
    it('every choice change records the notice version and each purpose’s legal basis for the region', async () => {
      const user = 'record-us';
      await update(user, { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band'], { noticeVersion: '2026-01' });
      await update(user, { aiChatAds: Choice.CHOICE_OPT_IN, aiChatContent: Choice.CHOICE_OPT_OUT }, ['ai_chat_ads', 'ai_chat_content'], { noticeVersion: 'ads-notice.v3' });
      await update(user, { feedControls: { nonPersonalizedFeed: true, showMoreTopicIds: [], showLessTopicIds: [] } }, ['feed_controls.non_personalized_feed']);
      await update(user, { region: 'DE' }, ['region']);
      await client.linkAccount({ userId: user, surface: MESSENGER, accountId: 'm-record-us' });
      const [link, moved, feed, choices, first] = await history(user);
      expect(first.consentRecord).toMatchObject({ noticeVersion: '2026-01', region: 'US', gpc: false, gpcBinding: false });
      expect(bases(first)).toEqual({ CONSENT_PURPOSE_AI_CHAT_ADS: 'LEGAL_BASIS_LEGITIMATE_INTEREST', CONSENT_PURPOSE_AI_CHAT_CONTENT: 'LEGAL_BASIS_LEGITIMATE_INTEREST', CONSENT_PURPOSE_CROSS_APP_SHARING: 'LEGAL_BASIS_LEGITIMATE_INTEREST' });
      expect(choices.consentRecord?.noticeVersion).toBe('ads-notice.v3');
      expect(bases(choices)).toEqual({ CONSENT_PURPOSE_AI_CHAT_ADS: 'LEGAL_BASIS_CONSENT', CONSENT_PURPOSE_AI_CHAT_CONTENT: 'LEGAL_BASIS_NOT_APPLICABLE', CONSENT_PURPOSE_CROSS_APP_SHARING: 'LEGAL_BASIS_LEGITIMATE_INTEREST' });
      // Moving to an excluded region changes the bases: the opt-in is consent, sharing off until opted in.
      expect(moved.consentRecord).toMatchObject({ region: 'DE', noticeVersion: '' });
      expect(bases(moved)).toEqual({ CONSENT_PURPOSE_AI_CHAT_ADS: 'LEGAL_BASIS_CONSENT', CONSENT_PURPOSE_AI_CHAT_CONTENT: 'LEGAL_BASIS_NOT_APPLICABLE', CONSENT_PURPOSE_CROSS_APP_SHARING: 'LEGAL_BASIS_NOT_APPLICABLE' });
      // Feed controls and links are not consent changes.
      expect(feed.consentRecord).toBeUndefined();
      expect(link.consentRecord).toBeUndefined();
      expect(link.fieldChanges.map((f) => f.fieldPath)).toEqual(['linked_accounts']);
    });

    it('ExportUserData includes the consent records and field sources', async () => {
      const user = 'record-export';
      await update(user, { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band'], { noticeVersion: 'n-1' });
      await update(user, {}, [], { gpc: true });
      const document = JSON.parse((await client.exportUserData({ userId: user })).documentJson);
      expect(document.settings).toMatchObject({ gpc: true, aiChatAds: 'CHOICE_OPT_OUT' });
      expect(document.settingsHistory[0]).toMatchObject({
        consentRecord: { region: 'US', gpc: true, gpcBinding: true, legalBases: expect.arrayContaining([{ purpose: 'CONSENT_PURPOSE_AI_CHAT_ADS', legalBasis: 'LEGAL_BASIS_NOT_APPLICABLE' }]) },
        fieldChanges: [{ fieldPath: 'ai_chat_ads', source: 'CHANGE_SOURCE_GPC', newValueJson: '"CHOICE_OPT_OUT"' }, { fieldPath: 'gpc', newValueJson: 'true' }],
      });
      expect(document.settingsHistory[1]).toMatchObject({ consentRecord: { noticeVersion: 'n-1', region: 'US' } });
    });

    it.each<[string, string, string]>([
      ['with a space', '2026 01', 'notice_version'],
      ['too long', 'v'.repeat(65), 'notice_version'],
      ['a bidi control', 'v1\u202e', 'notice_version'],
    ])('a malformed notice version (%s) is INVALID_ARGUMENT naming the field, and nothing is written', async (_name, noticeVersion, field) => {
      const result = await statusOf(client.updateSettings({ userId: 'record-bad', expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region'], noticeVersion }));
      expect(result.code).toBe(status.INVALID_ARGUMENT);
      expect(result.details.startsWith(`${field}:`)).toBe(true);
      expect(result.details).not.toContain(noticeVersion);
      expect((await client.getSettings({ userId: 'record-bad', consistentRead: true })).settings?.version).toBe('0');
    });

    it('gpc is output only in the mask: set it with UpdateSettingsRequest.gpc', async () => {
      const result = await statusOf(client.updateSettings({ userId: 'record-bad', expectedVersion: '0', settings: consent.Settings.fromPartial({ gpc: true }), updateMask: ['gpc'] }));
      expect(result).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^update_mask.paths\[0\]: "gpc" is output only/) });
    });
  });

  describe('Global Privacy Control', () => {
    it('in the US a GPC signal opts out of AI-chat ads (source GPC), starts the ads-use erasure and keeps everything else', async () => {
      const user = 'gpc-us';
      await update(user, { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT, aiChatAds: Choice.CHOICE_OPT_IN }, ['region', 'age_band', 'ai_chat_ads'], { noticeVersion: 'n-1' });
      // An opt-in sent together with the signal: GPC wins.
      const settings = await update(user, { aiChatAds: Choice.CHOICE_OPT_IN }, ['ai_chat_ads'], { gpc: true, noticeVersion: 'n-1' });
      expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_OUT, gpc: true, effective: { aiChatAdsEnabled: false, aiChatContentEnabled: true, crossAppSharingEnabled: true } });
      const [entry] = await history(user);
      expect(entry.fieldChanges).toEqual([
        { fieldPath: 'ai_chat_ads', oldValueJson: '"CHOICE_OPT_IN"', newValueJson: '"CHOICE_OPT_OUT"', source: ChangeSource.CHANGE_SOURCE_GPC },
        { fieldPath: 'gpc', oldValueJson: 'null', newValueJson: 'true' },
      ]);
      expect(entry.consentRecord).toMatchObject({ gpc: true, gpcBinding: true, region: 'US' });
      await waitFor(async () => fakes.signal.calls.some((call) => call.userId === user && call.scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT_ADS));
      const check = (purpose: common.Purpose, sourceKind = common.SourceKind.SOURCE_KIND_AI_CHAT) =>
        client.checkEligibility({ userId: user, surface: MESSENGER, purpose, eventTime: AFTER, endToEndEncrypted: false, sourceKind });
      expect(await check(common.Purpose.PURPOSE_ADS)).toMatchObject({ allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT });
      expect(await check(common.Purpose.PURPOSE_CONTENT)).toMatchObject({ allowed: true });
      expect(await check(common.Purpose.PURPOSE_ADS, common.SourceKind.SOURCE_KIND_PAGE_LIKE)).toMatchObject({ allowed: true });
    });

    it('outside a binding region the signal is recorded but changes no choice', async () => {
      const user = 'gpc-ca';
      await update(user, { region: 'CA', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
      const settings = await update(user, {}, [], { gpc: true });
      expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_UNSPECIFIED, gpc: true, effective: { aiChatAdsEnabled: true } });
      const [entry] = await history(user);
      expect(entry.fieldChanges).toEqual([{ fieldPath: 'gpc', oldValueJson: 'null', newValueJson: 'true' }]);
      expect(entry.consentRecord).toMatchObject({ gpc: true, gpcBinding: false, region: 'CA' });
      // A recorded signal binds once the region becomes a binding one.
      const moved = await update(user, { region: 'US' }, ['region']);
      expect(moved).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_OUT, effective: { aiChatAdsEnabled: false } });
      expect((await history(user))[0].fieldChanges.find((f) => f.fieldPath === 'ai_chat_ads')?.source).toBe(ChangeSource.CHANGE_SOURCE_GPC);
    });

    it('the eligibility context’s gpc flag denies AI-chat ads in the US only', async () => {
      await update('gpc-ctx-us', { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
      await update('gpc-ctx-br', { region: 'BR', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
      const ask = (userId: string, gpc: boolean | undefined, purpose = common.Purpose.PURPOSE_ADS) =>
        client.checkEligibility({ userId, surface: MESSENGER, purpose, eventTime: AFTER, endToEndEncrypted: false, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, gpc });
      expect(await ask('gpc-ctx-us', true)).toMatchObject({ allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT });
      expect(await ask('gpc-ctx-us', false)).toMatchObject({ allowed: true });
      expect(await ask('gpc-ctx-us', undefined)).toMatchObject({ allowed: true });
      expect(await ask('gpc-ctx-us', true, common.Purpose.PURPOSE_CONTENT)).toMatchObject({ allowed: true });
      expect(await ask('gpc-ctx-br', true)).toMatchObject({ allowed: true });
      const batch = await client.batchCheckEligibility({
        queries: [
          { userId: 'gpc-ctx-us', surface: MESSENGER, purpose: common.Purpose.PURPOSE_ADS, eventTime: AFTER, endToEndEncrypted: false, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, gpc: true },
          { userId: 'gpc-ctx-br', surface: MESSENGER, purpose: common.Purpose.PURPOSE_ADS, eventTime: AFTER, endToEndEncrypted: false, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, gpc: true },
        ],
      });
      expect(batch.decisions.map((d) => d.allowed)).toEqual([false, true]);
    });

    it('a GPC opt-out holds on the very next read through another replica (commit wait)', async () => {
      const dbName = consentUnderTest.service.mongo.db.databaseName;
      const replica = await startConsent({}, { dbName, keepDatabase: true });
      try {
        const user = 'gpc-next-read';
        await update(user, { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
        const allowedOnReplica = async () =>
          (await replica.client.checkEligibility({ userId: user, surface: MESSENGER, purpose: common.Purpose.PURPOSE_ADS, eventTime: AFTER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, endToEndEncrypted: false })).allowed;
        await waitFor(allowedOnReplica);
        const started = Date.now();
        await update(user, {}, [], { gpc: true });
        const gpcMs = Date.now() - started;
        expect(await allowedOnReplica()).toBe(false);
        // The wait is the staleness bound (500 ms), paid because the change restricts use.
        expect(gpcMs).toBeGreaterThanOrEqual(500);
      } finally {
        await replica.stop();
      }
    });
  });
});

describe('notice version required from the person (service auth on, real database)', () => {
  const keyRing = generateKeyRing();
  const audience = 'signalpath.consent.v1.ConsentService';
  const as = (userId: string) =>
    mintUserAssertion({ userId, audience, privateKey: keyRing.privateKey('identity-provider') as KeyObject }).then((assertion) => ({ metadata: userAssertionMetadata(assertion) }));

  it('a person changing a choice must send the notice version; the operator, a region change or GPC alone need none', async () => {
    const service = await startTestService(consentService, { env: { SIGNAL_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const settingsUi = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
    const operator = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'operator', audience) });
    const request = (version: string, settings: Partial<consent.Settings>, updateMask: string[], extra: Partial<consent.UpdateSettingsRequest> = {}) => ({
      userId: 'notice-alice',
      expectedVersion: version,
      settings: consent.Settings.fromPartial(settings),
      updateMask,
      ...extra,
    });
    try {
      await settingsUi.updateSettings(request('0', { region: 'US', ageBand: AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']), await as('notice-alice'));
      const missing = await statusOf(settingsUi.updateSettings(request('1', { aiChatContent: Choice.CHOICE_OPT_OUT }, ['ai_chat_content']), await as('notice-alice')));
      expect(missing).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^notice_version: is required/) });
      await settingsUi.updateSettings(request('1', { aiChatContent: Choice.CHOICE_OPT_OUT }, ['ai_chat_content'], { noticeVersion: '2026-02' }), await as('notice-alice'));
      await settingsUi.updateSettings(request('2', {}, [], { gpc: true }), await as('notice-alice'));
      await operator.updateSettings(request('3', { crossAppSharing: Choice.CHOICE_OPT_OUT }, ['cross_app_sharing']));
      const { changes } = await operator.listSettingsHistory({ userId: 'notice-alice', pageSize: 0, pageToken: '' });
      expect(changes.map((c) => [c.version, c.actor, c.userAsserted, c.consentRecord?.noticeVersion])).toEqual([
        ['4', 'operator', false, ''],
        ['3', 'settings-ui', true, ''],
        ['2', 'settings-ui', true, '2026-02'],
        ['1', 'settings-ui', true, ''],
      ]);
    } finally {
      settingsUi.close();
      operator.close();
      await service.stop();
    }
  });
});
