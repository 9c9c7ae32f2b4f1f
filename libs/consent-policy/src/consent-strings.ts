import { GppModel } from '@iabgpp/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import type { Choice } from '@signalpath/domain';

import type { ConsentPurposeName, ConsentStringFormat } from './consent-records';

/**
 * IAB consent strings ↔ the project's choices, with the IAB's own libraries
 * (@iabtechlabtcf/core for TCF v2.2, @iabgpp/cmpapi's GppModel encoder for GPP; GppModel needs no
 * browser, unlike CmpApi). THE mapping table is CONSENT_STRING_MAPPING; docs/consent.md renders
 * the same table.
 */

/** One row per project purpose: which IAB fields express it. */
export interface ConsentStringMappingRow {
  purpose: ConsentPurposeName;
  /** TCF v2.2 purposes whose consent bits (core segment, `purposeConsents`) all stand for an opt-in. */
  tcfPurposes: readonly number[];
  /** GPP US-section opt-out fields (usnat and each state section that has them): any 1 = opted out. */
  gppOptOutFields: readonly string[];
}

export const CONSENT_STRING_MAPPING: readonly ConsentStringMappingRow[] = Object.freeze([
  // TCF 3 "create profiles for personalised advertising" + 4 "use profiles to select personalised advertising".
  { purpose: 'AI_CHAT_ADS', tcfPurposes: [3, 4], gppOptOutFields: ['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'] },
  // TCF 5 "create profiles to personalise content" + 6 "use profiles to select personalised content".
  // GPP's US sections have no content-personalization field: a GPP import leaves it as it is.
  { purpose: 'AI_CHAT_CONTENT', tcfPurposes: [5, 6], gppOptOutFields: [] },
  // Neither framework has a purpose for linking one person's accounts across apps.
  { purpose: 'CROSS_APP_SHARING', tcfPurposes: [], gppOptOutFields: [] },
]);

/** What a consent string says about the project's choices; a purpose it cannot express is absent. */
export interface ImportedChoices {
  choices: Partial<Record<ConsentPurposeName, Choice>>;
  /** GPP: the Gpc field of a US section. */
  gpc?: boolean;
}

/** A string that is not a valid string of its format. The message never quotes the string. */
export class ConsentStringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsentStringError';
  }
}

export const MAX_CONSENT_STRING_LENGTH = 16_384;
/** TCF v2.2 is policy version 4 (2023) and later; version 2 strings with policy 2 or 3 are TCF 2.0/2.1. */
const MIN_TCF_POLICY_VERSION = 4;

/**
 * The CMP identity written into exported TC strings. A deployment that exports to partners sets
 * its IAB-registered CMP id here; the decoder accepts any.
 */
export const TCF_EXPORT_CMP = Object.freeze({ id: 2, version: 1, vendorListVersion: 1, policyVersion: 5 });

/** The minimal vendor list the TCF encoder needs (it requires one; no vendors are declared). */
function exportGvl(): GVL {
  const purposes: Record<string, { id: number; name: string; description: string; illustrations: string[] }> = {};
  for (let id = 1; id <= 11; id++) purposes[id] = { id, name: `Purpose ${id}`, description: '', illustrations: [] };
  return new GVL({
    gvlSpecificationVersion: 3,
    vendorListVersion: TCF_EXPORT_CMP.vendorListVersion,
    tcfPolicyVersion: TCF_EXPORT_CMP.policyVersion,
    lastUpdated: '2026-01-01T00:00:00Z',
    purposes,
    specialPurposes: {},
    features: {},
    specialFeatures: {},
    vendors: {},
    stacks: {},
    dataCategories: {},
  } as unknown as ConstructorParameters<typeof GVL>[0]);
}

function checkShape(value: string): void {
  if (value.length === 0) throw new ConsentStringError('must not be empty');
  if (value.length > MAX_CONSENT_STRING_LENGTH) throw new ConsentStringError(`must be at most ${MAX_CONSENT_STRING_LENGTH} characters`);
  // Both formats are base64url segments joined by "." (TCF) or "~" (GPP).
  if (!/^[A-Za-z0-9_\-.~]+$/.test(value)) throw new ConsentStringError('must be base64url segments');
}

/** Decodes with the library; any library failure (they throw plain Errors, TypeErrors…) is a bad string. */
function attempt<T>(format: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ConsentStringError) throw error;
    throw new ConsentStringError(`is not a valid ${format} string`);
  }
}

export function decodeConsentString(format: ConsentStringFormat, value: string): ImportedChoices {
  checkShape(value);
  return format === 'TCF_V2' ? decodeTcf(value) : decodeGpp(value);
}

function decodeTcf(value: string): ImportedChoices {
  const model = attempt('TCF v2.2', () => TCString.decode(value));
  if (model.version !== 2 || !(Number(model.policyVersion) >= MIN_TCF_POLICY_VERSION)) throw new ConsentStringError('is not a TCF v2.2 string (version 2, policy version 4 or later)');
  const choices: ImportedChoices['choices'] = {};
  for (const row of CONSENT_STRING_MAPPING) {
    if (row.tcfPurposes.length === 0) continue;
    // The TC string records the person's decision: every bit set is an opt-in, anything less a refusal.
    choices[row.purpose] = row.tcfPurposes.every((purpose) => model.purposeConsents.has(purpose)) ? 'OPT_IN' : 'OPT_OUT';
  }
  return { choices };
}

/** GPP section ids of the US sections (usnat 7 and the state sections 8–…); the header is 3. */
const US_SECTION = /^us/;

function decodeGpp(value: string): ImportedChoices {
  return attempt('GPP', () => {
    const model = new GppModel(value);
    // Sections decode lazily: toObject() forces every one, so a bad section fails here, not later.
    const sections = model.toObject() as Record<string, Record<string, unknown>>;
    const us = Object.keys(sections).filter((name) => US_SECTION.test(name));
    if (us.length === 0) throw new ConsentStringError('has no US section (usnat or a state section)');
    const choices: ImportedChoices['choices'] = {};
    let gpc: boolean | undefined;
    for (const row of CONSENT_STRING_MAPPING) {
      const values = us.flatMap((name) => row.gppOptOutFields.filter((field) => model.hasField(name, field)).map((field) => Number(model.getFieldValue(name, field))));
      // 1 = opted out, 2 = did not opt out, 0 = not applicable.
      if (values.includes(1)) choices[row.purpose] = 'OPT_OUT';
      else if (values.includes(2)) choices[row.purpose] = 'UNSPECIFIED';
    }
    for (const name of us) if (model.hasField(name, 'Gpc') && model.getFieldValue(name, 'Gpc') === true) gpc = true;
    return { choices, ...(gpc ? { gpc } : {}) };
  });
}

export interface ExportSubject {
  /** Effective permissions (after the region policy). */
  enabled: Record<ConsentPurposeName, boolean>;
  gpc: boolean;
}

export function encodeConsentString(format: ConsentStringFormat, subject: ExportSubject, now: Date): string {
  return format === 'TCF_V2' ? encodeTcf(subject, now) : encodeGpp(subject);
}

function encodeTcf(subject: ExportSubject, now: Date): string {
  const model = new TCModel(exportGvl());
  model.cmpId = TCF_EXPORT_CMP.id;
  model.cmpVersion = TCF_EXPORT_CMP.version;
  model.isServiceSpecific = true;
  model.created = now;
  model.lastUpdated = now;
  for (const row of CONSENT_STRING_MAPPING) if (subject.enabled[row.purpose]) model.purposeConsents.set([...row.tcfPurposes]);
  return TCString.encode(model);
}

function encodeGpp(subject: ExportSubject): string {
  const model = new GppModel();
  // Notices given (1 = yes): the settings screens show them with every choice.
  for (const notice of ['SharingNotice', 'SaleOptOutNotice', 'SharingOptOutNotice', 'TargetedAdvertisingOptOutNotice']) model.setFieldValue('usnat', notice, 1);
  for (const row of CONSENT_STRING_MAPPING) {
    for (const field of row.gppOptOutFields) model.setFieldValue('usnat', field, subject.enabled[row.purpose] ? 2 : 1);
  }
  model.setFieldValue('usnat', 'MspaCoveredTransaction', 2);
  model.setFieldValue('usnat', 'Gpc', subject.gpc);
  return model.encode();
}
