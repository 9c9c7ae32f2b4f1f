import type { ServerUnaryCall } from '@grpc/grpc-js';
import {
  consentStringFormatOf,
  ConsentStringError,
  decodeConsentString,
  effectiveSettings,
  encodeConsentString,
  mayOptInToAds,
  type ConsentPurposeName,
  type ConsentStringFormat,
} from '@signalpath/consent-policy';
import { FailedPreconditionError, InvalidArgumentError, requireEnum, requireId, VersionConflictError, type Handlers } from '@signalpath/grpc-kit';
import { consent } from '@signalpath/proto';
import { consentRecordOf, consentStringFormatName, settingsProto, subjectOf } from '../mapping';
import type { ChangeSourceName, SettingsDoc } from '../store/documents';
import { applyGpc, erasureScopeOf, historyPaths, noticeVersionOf } from '../settings/consent-changes';
import { actorOf, userAssertedOf, type ConsentContext } from './context';
import { answerWhenEveryReplicaHasIt } from '../settings/replica-visibility';
import { parseVersion } from '../validation';

type Call = ServerUnaryCall<unknown, unknown>;

/** Each project purpose's settings field. */
const PURPOSE_PATH: Record<ConsentPurposeName, 'ai_chat_ads' | 'ai_chat_content' | 'cross_app_sharing'> = {
  AI_CHAT_ADS: 'ai_chat_ads',
  AI_CHAT_CONTENT: 'ai_chat_content',
  CROSS_APP_SHARING: 'cross_app_sharing',
};

function requireFormat(value: consent.ConsentStringFormat): ConsentStringFormat {
  return consentStringFormatName(requireEnum(value, consent.ConsentStringFormat, 'format'));
}

/** A format is only spoken where the region's policy uses it (TCF in Europe, GPP in the US). */
function requireFormatOfRegion(settings: SettingsDoc, format: ConsentStringFormat): void {
  if (consentStringFormatOf(settings.region) === format) return;
  throw new FailedPreconditionError(
    `the user's region ${settings.region === '' ? '(unknown)' : settings.region} does not use ${format === 'TCF_V2' ? 'TCF v2.2' : 'GPP'} consent strings`,
    'CONSENT_STRING_FORMAT_NOT_USED',
    { format: consent.consentStringFormatToJSON(consent.ConsentStringFormat[`CONSENT_STRING_FORMAT_${format}`]) },
  );
}

export async function importConsentString(ctx: ConsentContext, request: consent.ImportConsentStringRequest, call: Call): Promise<consent.ImportConsentStringResponse> {
  const userId = requireId(request.userId, 'user_id');
  const format = requireFormat(request.format);
  let imported;
  try {
    imported = decodeConsentString(format, request.consentString);
  } catch (error) {
    // The message never quotes the string: it is the person's consent record, not ours to echo.
    if (error instanceof ConsentStringError) throw new InvalidArgumentError('consent_string', error.message);
    throw error;
  }
  const expectedVersion = parseVersion(request.expectedVersion, 'expected_version');
  const actor = actorOf(call);
  const userAsserted = userAssertedOf(call);
  const noticeVersion = noticeVersionOf(request.noticeVersion, userAsserted);
  const before = await ctx.writer.load(userId);
  requireFormatOfRegion(before, format);
  if (before.version !== expectedVersion) {
    ctx.cache.put(before);
    throw new VersionConflictError(`settings are at version ${before.version}, not ${expectedVersion}: re-read and retry`);
  }
  const after: SettingsDoc = { ...before };
  const sources = new Map<string, ChangeSourceName>();
  for (const [purpose, choice] of Object.entries(imported.choices) as [ConsentPurposeName, SettingsDoc['ai_chat_ads']][]) {
    const path = PURPOSE_PATH[purpose];
    after[path] = choice;
    sources.set(path, 'CONSENT_STRING');
  }
  if (after.ai_chat_ads === 'OPT_IN' && before.ai_chat_ads !== 'OPT_IN' && !mayOptInToAds(after.age_band)) {
    throw new FailedPreconditionError('a minor cannot opt in to AI-chat ads personalization', 'MINOR_ADS_OPT_IN', { field: 'consent_string' });
  }
  applyGpc(before, after, imported.gpc, sources);
  const paths = historyPaths([], sources, imported.gpc !== undefined);
  const consentRecord = consentRecordOf(ctx.policy, after, { noticeVersion, gpc: imported.gpc === true, consentStringFormat: format });
  const result = await ctx.writer.commit(before, after, { actor, userAsserted, paths, sources, consentRecord, erasureScope: erasureScopeOf(before, after) });
  if (result === 'conflict') throw new VersionConflictError(`settings changed concurrently from version ${expectedVersion}: re-read and retry`);
  await answerWhenEveryReplicaHasIt(ctx.policy, before, result, Date.now(), ctx.cache.stalenessBoundMs, call);
  return { settings: settingsProto(result, ctx.policy) };
}

export async function exportConsentString(ctx: ConsentContext, request: consent.ExportConsentStringRequest): Promise<consent.ExportConsentStringResponse> {
  const userId = requireId(request.userId, 'user_id');
  const format = requireFormat(request.format);
  const settings = await ctx.cache.get(userId);
  requireFormatOfRegion(settings, format);
  const effective = effectiveSettings(ctx.policy, subjectOf(settings));
  const consentString = encodeConsentString(
    format,
    {
      enabled: { AI_CHAT_ADS: effective.aiChatAdsEnabled, AI_CHAT_CONTENT: effective.aiChatContentEnabled, CROSS_APP_SHARING: effective.crossAppSharingEnabled },
      gpc: settings.gpc === true,
    },
    ctx.now(),
  );
  return { consentString, settingsVersion: String(settings.version) };
}

/** ImportConsentString and ExportConsentString. */
export function consentStringHandlers(ctx: ConsentContext) {
  return {
    importConsentString: (request, call) => importConsentString(ctx, request, call),
    exportConsentString: (request) => exportConsentString(ctx, request),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
