import { GppModel } from '@iabgpp/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { CONSENT_STRING_MAPPING, ConsentStringError, decodeConsentString, encodeConsentString, MAX_CONSENT_STRING_LENGTH } from './consent-strings';

/** A TC string as a CMP would encode it with the IAB library. */
function tcString(purposeConsents: number[], policyVersion = 5): string {
  const purposes: Record<string, unknown> = {};
  for (let id = 1; id <= 11; id++) purposes[id] = { id, name: `Purpose ${id}`, description: '', illustrations: [] };
  const gvl = new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 7, tcfPolicyVersion: policyVersion, lastUpdated: '2026-01-01T00:00:00Z', purposes, specialPurposes: {}, features: {}, specialFeatures: {}, vendors: {}, stacks: {}, dataCategories: {} } as never);
  const model = new TCModel(gvl);
  model.cmpId = 31;
  model.cmpVersion = 2;
  model.purposeConsents.set(purposeConsents);
  return TCString.encode(model);
}

const NOW = new Date('2026-03-01T00:00:00Z');

describe('TCF v2.2 with @iabtechlabtcf/core', () => {
  it('purposes 3+4 are the ads choice and 5+6 the content choice; anything less is a refusal', () => {
    expect(decodeConsentString('TCF_V2', tcString([1, 3, 4, 5, 6]))).toEqual({ choices: { AI_CHAT_ADS: 'OPT_IN', AI_CHAT_CONTENT: 'OPT_IN' } });
    expect(decodeConsentString('TCF_V2', tcString([3, 4, 5]))).toEqual({ choices: { AI_CHAT_ADS: 'OPT_IN', AI_CHAT_CONTENT: 'OPT_OUT' } });
    expect(decodeConsentString('TCF_V2', tcString([3]))).toEqual({ choices: { AI_CHAT_ADS: 'OPT_OUT', AI_CHAT_CONTENT: 'OPT_OUT' } });
  });

  it('encodes what the library decodes back', () => {
    const encoded = encodeConsentString('TCF_V2', { enabled: { AI_CHAT_ADS: false, AI_CHAT_CONTENT: true, CROSS_APP_SHARING: true }, gpc: false }, NOW);
    const model = TCString.decode(encoded);
    expect([...model.purposeConsents.values()].sort()).toEqual([5, 6]);
    expect(model.policyVersion).toBeGreaterThanOrEqual(4);
  });

  it('refuses TCF 2.0/2.1 strings (policy version below 4)', () => {
    expect(() => decodeConsentString('TCF_V2', tcString([3, 4], 2))).toThrow(/TCF v2.2/);
  });
});

describe('GPP (US sections) with @iabgpp/cmpapi', () => {
  const gpp = (fields: Record<string, unknown>, section = 'usnat') => {
    const model = new GppModel();
    for (const [field, value] of Object.entries(fields)) model.setFieldValue(section, field, value);
    return model.encode();
  };

  it('any of sale, sharing or targeted-advertising opted out is an ads opt-out; "did not opt out" is no choice', () => {
    expect(decodeConsentString('GPP', gpp({ TargetedAdvertisingOptOut: 1, SharingOptOut: 2 }))).toEqual({ choices: { AI_CHAT_ADS: 'OPT_OUT' } });
    expect(decodeConsentString('GPP', gpp({ SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 }))).toEqual({ choices: { AI_CHAT_ADS: 'UNSPECIFIED' } });
    expect(decodeConsentString('GPP', gpp({ Gpc: true, SharingOptOut: 1 }, 'usca'))).toEqual({ choices: { AI_CHAT_ADS: 'OPT_OUT' }, gpc: true });
    expect(decodeConsentString('GPP', gpp({ MspaCoveredTransaction: 2 }))).toEqual({ choices: {} });
  });

  it('encodes what the library decodes back', () => {
    const model = new GppModel(encodeConsentString('GPP', { enabled: { AI_CHAT_ADS: false, AI_CHAT_CONTENT: true, CROSS_APP_SHARING: true }, gpc: true }, NOW));
    expect(['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'].map((field) => model.getFieldValue('usnat', field))).toEqual([1, 1, 1]);
    expect(model.getFieldValue('usnat', 'Gpc')).toBe(true);
  });

  it('refuses a GPP string without a US section', () => {
    const eu = new GppModel();
    eu.setFieldValue('tcfeuv2', 'CmpId', 31);
    expect(() => decodeConsentString('GPP', eu.encode())).toThrow(/US section/);
  });
});

describe('malformed strings are ConsentStringErrors, never anything else, and never quoted', () => {
  const bad = ['', 'x'.repeat(MAX_CONSENT_STRING_LENGTH + 1), 'C', 'CQ!!', 'secret words', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA', 'x'.repeat(500), '~~~', 'DBABL~garbage', 'DBABLA~', '.', 'D'];
  it.each(bad.map((value) => [value.slice(0, 30), value]))('%j', (_shown, value) => {
    for (const format of ['TCF_V2', 'GPP'] as const) {
      let thrown: unknown;
      try {
        decodeConsentString(format, value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConsentStringError);
      if (value.length > 3) expect((thrown as Error).message).not.toContain(value);
    }
  });
});

it('the mapping table covers every project purpose exactly once', () => {
  expect(CONSENT_STRING_MAPPING.map((row) => row.purpose)).toEqual(['AI_CHAT_ADS', 'AI_CHAT_CONTENT', 'CROSS_APP_SHARING']);
});
