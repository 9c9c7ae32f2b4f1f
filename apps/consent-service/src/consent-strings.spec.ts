import { status } from '@grpc/grpc-js';
import { GppModel } from '@iabgpp/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { consent } from '@signalpath/proto';
import { readStatus } from '@signalpath/grpc-kit';
import { asActor, startConsent, statusOf, type ConsentUnderTest } from './testing/harness';

const { Choice, AgeBand, ChangeSource, ConsentStringFormat: F } = consent;

/** The value, or a failed test when the service left it out. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value in the response');
  return value;
}

/** A TC string as a consent management platform encodes it with the IAB's library. */
function tcString(purposeConsents: number[], policyVersion = 5): string {
  const purposes: Record<string, unknown> = {};
  for (let id = 1; id <= 11; id++) purposes[id] = { id, name: `Purpose ${id}`, description: '', illustrations: [] };
  const gvl = new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 42, tcfPolicyVersion: policyVersion, lastUpdated: '2026-01-01T00:00:00Z', purposes, specialPurposes: {}, features: {}, specialFeatures: {}, vendors: {}, stacks: {}, dataCategories: {} } as never);
  const model = new TCModel(gvl);
  model.cmpId = 31;
  model.cmpVersion = 2;
  model.purposeConsents.set(purposeConsents);
  return TCString.encode(model);
}

/** A GPP string with US sections, encoded with the IAB's library. */
function gppString(sections: Record<string, Record<string, unknown>>): string {
  const model = new GppModel();
  for (const [section, fields] of Object.entries(sections)) for (const [field, value] of Object.entries(fields)) model.setFieldValue(section, field, value);
  return model.encode();
}

describe('IAB consent strings: ImportConsentString / ExportConsentString (real database)', () => {
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    consentUnderTest = await startConsent();
    client = consentUnderTest.client;
  });
  afterAll(() => consentUnderTest.stop());

  const setUp = async (userId: string, region: string, extra: Partial<consent.Settings> = {}, paths: string[] = []) =>
    client.updateSettings({ userId, expectedVersion: '0', settings: consent.Settings.fromPartial({ region, ageBand: AgeBand.AGE_BAND_ADULT, ...extra }), updateMask: ['region', 'age_band', ...paths] }, asActor('settings-tests'));
  const version = async (userId: string) => present((await client.getSettings({ userId, consistentRead: true })).settings).version;
  const importString = async (userId: string, format: consent.ConsentStringFormat, consentString: string, noticeVersion = 'cmp-notice.4') =>
    present((await client.importConsentString({ userId, format, consentString, expectedVersion: await version(userId), noticeVersion }, asActor('settings-ui'))).settings);
  const exportString = async (userId: string, format: consent.ConsentStringFormat) => (await client.exportConsentString({ userId, format })).consentString;

  it('TCF v2.2: library-encoded string → import → export → library decode keeps the purposes', async () => {
    const user = 'tcf-de';
    await setUp(user, 'DE');
    const settings = await importString(user, F.CONSENT_STRING_FORMAT_TCF_V2, tcString([1, 3, 4, 7]));
    expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_IN, aiChatContent: Choice.CHOICE_OPT_OUT, effective: { aiChatAdsEnabled: true, aiChatContentEnabled: false } });
    const [entry] = (await client.listSettingsHistory({ userId: user, pageSize: 0, pageToken: '' })).changes;
    expect(entry.fieldChanges).toEqual([
      { fieldPath: 'ai_chat_ads', oldValueJson: '"CHOICE_UNSPECIFIED"', newValueJson: '"CHOICE_OPT_IN"', source: ChangeSource.CHANGE_SOURCE_CONSENT_STRING },
      { fieldPath: 'ai_chat_content', oldValueJson: '"CHOICE_UNSPECIFIED"', newValueJson: '"CHOICE_OPT_OUT"', source: ChangeSource.CHANGE_SOURCE_CONSENT_STRING },
    ]);
    expect(entry.consentRecord).toMatchObject({ noticeVersion: 'cmp-notice.4', region: 'DE', consentStringFormat: F.CONSENT_STRING_FORMAT_TCF_V2 });
    const decoded = TCString.decode(await exportString(user, F.CONSENT_STRING_FORMAT_TCF_V2));
    expect([...decoded.purposeConsents.values()].sort()).toEqual([3, 4]);
    expect(decoded.version).toBe(2);
    // And back: consent to content too.
    await importString(user, F.CONSENT_STRING_FORMAT_TCF_V2, tcString([3, 4, 5, 6]));
    expect([...TCString.decode(await exportString(user, F.CONSENT_STRING_FORMAT_TCF_V2)).purposeConsents.values()].sort()).toEqual([3, 4, 5, 6]);
  });

  it('TCF: withdrawing the ads purposes is a withdrawal like any other (opt-out recorded, restricting)', async () => {
    const user = 'tcf-fr';
    await setUp(user, 'FR', { aiChatAds: Choice.CHOICE_OPT_IN }, ['ai_chat_ads']);
    const settings = await importString(user, F.CONSENT_STRING_FORMAT_TCF_V2, tcString([1]));
    expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_OUT, effective: { aiChatAdsEnabled: false } });
    expect([...TCString.decode(await exportString(user, F.CONSENT_STRING_FORMAT_TCF_V2)).purposeConsents.values()]).toEqual([]);
  });

  it('GPP: usnat opt-out with GPC → import → export → library decode', async () => {
    const user = 'gpp-us';
    await setUp(user, 'US');
    const settings = await importString(user, F.CONSENT_STRING_FORMAT_GPP, gppString({ usnat: { TargetedAdvertisingOptOut: 1, SharingOptOut: 2, SaleOptOut: 2, Gpc: true } }));
    expect(settings).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_OUT, gpc: true, effective: { aiChatAdsEnabled: false, aiChatContentEnabled: true } });
    const [entry] = (await client.listSettingsHistory({ userId: user, pageSize: 0, pageToken: '' })).changes;
    expect(entry.fieldChanges).toEqual([
      { fieldPath: 'ai_chat_ads', oldValueJson: '"CHOICE_UNSPECIFIED"', newValueJson: '"CHOICE_OPT_OUT"', source: ChangeSource.CHANGE_SOURCE_CONSENT_STRING },
      { fieldPath: 'gpc', oldValueJson: 'null', newValueJson: 'true' },
    ]);
    expect(entry.consentRecord).toMatchObject({ gpc: true, gpcBinding: true, consentStringFormat: F.CONSENT_STRING_FORMAT_GPP });
    const decoded = new GppModel(await exportString(user, F.CONSENT_STRING_FORMAT_GPP));
    expect(['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'].map((field) => decoded.getFieldValue('usnat', field))).toEqual([1, 1, 1]);
    expect(decoded.getFieldValue('usnat', 'Gpc')).toBe(true);
  });

  it('GPP: a state section (usca) opting out, then "did not opt out" returns to the regional default', async () => {
    const user = 'gpp-ca-state';
    await setUp(user, 'US');
    expect(await importString(user, F.CONSENT_STRING_FORMAT_GPP, gppString({ usca: { SaleOptOut: 1, SharingOptOut: 1 } }))).toMatchObject({ aiChatAds: Choice.CHOICE_OPT_OUT });
    const back = await importString(user, F.CONSENT_STRING_FORMAT_GPP, gppString({ usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 } }));
    expect(back).toMatchObject({ aiChatAds: Choice.CHOICE_UNSPECIFIED, effective: { aiChatAdsEnabled: true } });
    const decoded = new GppModel(await exportString(user, F.CONSENT_STRING_FORMAT_GPP));
    expect(decoded.getFieldValue('usnat', 'TargetedAdvertisingOptOut')).toBe(2);
  });

  describe('refusals', () => {
    beforeAll(async () => {
      await setUp('cs-de', 'DE');
      await setUp('cs-us', 'US');
      await setUp('cs-br', 'BR');
    });

    const malformed: [string, consent.ConsentStringFormat, string][] = [
      ['empty', F.CONSENT_STRING_FORMAT_TCF_V2, ''],
      ['not base64url', F.CONSENT_STRING_FORMAT_TCF_V2, 'my secret words'],
      ['truncated TCF', F.CONSENT_STRING_FORMAT_TCF_V2, 'C'],
      ['TCF v1', F.CONSENT_STRING_FORMAT_TCF_V2, 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'],
      ['TCF 2.0 (policy version 2)', F.CONSENT_STRING_FORMAT_TCF_V2, tcString([3, 4], 2)],
      ['garbage that crashes the decoder', F.CONSENT_STRING_FORMAT_TCF_V2, 'x'.repeat(500)],
      ['too long', F.CONSENT_STRING_FORMAT_TCF_V2, 'C'.repeat(16_385)],
      ['GPP garbage', F.CONSENT_STRING_FORMAT_GPP, 'DBABL~garbage'],
      ['GPP blank section', F.CONSENT_STRING_FORMAT_GPP, 'DBABLA~'],
      ['GPP without a US section', F.CONSENT_STRING_FORMAT_GPP, gppString({ tcfeuv2: { CmpId: 31 } })],
    ];
    it.each(malformed)('%s → INVALID_ARGUMENT naming consent_string, never quoting it, nothing written', async (_name, format, consentString) => {
      const userId = format === F.CONSENT_STRING_FORMAT_TCF_V2 ? 'cs-de' : 'cs-us';
      const before = await version(userId);
      const result = await statusOf(client.importConsentString({ userId, format, consentString, expectedVersion: before, noticeVersion: '' }));
      expect(result.code).toBe(status.INVALID_ARGUMENT);
      expect(result.details.startsWith('consent_string:')).toBe(true);
      if (consentString.length > 3) expect(result.details).not.toContain(consentString.slice(0, 30));
      expect(await version(userId)).toBe(before);
    });

    it('unspecified or unknown format → INVALID_ARGUMENT naming format', async () => {
      for (const format of [F.CONSENT_STRING_FORMAT_UNSPECIFIED, 9 as consent.ConsentStringFormat]) {
        expect(await statusOf(client.importConsentString({ userId: 'cs-de', format, consentString: tcString([3]), expectedVersion: '1', noticeVersion: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^format:/) });
        expect(await statusOf(client.exportConsentString({ userId: 'cs-de', format }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^format:/) });
      }
    });

    it('a format the region does not use → FAILED_PRECONDITION CONSENT_STRING_FORMAT_NOT_USED', async () => {
      const cases: [string, consent.ConsentStringFormat, string][] = [
        ['cs-us', F.CONSENT_STRING_FORMAT_TCF_V2, tcString([3, 4])],
        ['cs-de', F.CONSENT_STRING_FORMAT_GPP, gppString({ usnat: { SaleOptOut: 1 } })],
        ['cs-br', F.CONSENT_STRING_FORMAT_TCF_V2, tcString([3, 4])],
        ['cs-unknown-region', F.CONSENT_STRING_FORMAT_GPP, gppString({ usnat: { SaleOptOut: 1 } })],
      ];
      for (const [userId, format, consentString] of cases) {
        let error: unknown;
        await client.importConsentString({ userId, format, consentString, expectedVersion: await version(userId), noticeVersion: '' }).catch((e: unknown) => (error = e));
        expect((error as { code: number }).code).toBe(status.FAILED_PRECONDITION);
        expect(readStatus(error)?.details.errorInfo?.reason).toBe('CONSENT_STRING_FORMAT_NOT_USED');
        expect(await statusOf(client.exportConsentString({ userId, format }))).toMatchObject({ code: status.FAILED_PRECONDITION });
      }
    });

    it('a stale expected_version → ABORTED; a minor’s ads consent → FAILED_PRECONDITION', async () => {
      expect(await statusOf(client.importConsentString({ userId: 'cs-de', format: F.CONSENT_STRING_FORMAT_TCF_V2, consentString: tcString([3, 4]), expectedVersion: '0', noticeVersion: '' }))).toMatchObject({ code: status.ABORTED });
      await client.updateSettings({ userId: 'cs-minor', expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'DE', ageBand: AgeBand.AGE_BAND_MINOR }), updateMask: ['region', 'age_band'] });
      expect(await statusOf(client.importConsentString({ userId: 'cs-minor', format: F.CONSENT_STRING_FORMAT_TCF_V2, consentString: tcString([3, 4]), expectedVersion: '1', noticeVersion: '' }))).toMatchObject({ code: status.FAILED_PRECONDITION });
    });
  });
});
