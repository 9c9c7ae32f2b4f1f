import type { ServerUnaryCall } from '@grpc/grpc-js';
import { clampedCount, decodePageToken, encodePageToken, InvalidArgumentError, requireId, VersionConflictError, type Handlers } from '@signalpath/grpc-kit';
import type { consent } from '@signalpath/proto';
import { consentRecordOf, settingsChangeProto, settingsProto } from '../mapping';
import type { ChangeSourceName } from '../store/documents';
import { applyGpc, CHOICE_PATHS, erasureScopeOf, historyPaths, noticeVersionOf, touchesConsent } from '../settings/consent-changes';
import { actorOf, userAssertedOf, type ConsentContext } from './context';
import { answerWhenEveryReplicaHasIt } from '../settings/replica-visibility';
import { applyMasked, parseVersion, resolveMask } from '../validation';

type Call = ServerUnaryCall<unknown, unknown>;

export async function getSettings(ctx: ConsentContext, request: consent.GetSettingsRequest): Promise<consent.GetSettingsResponse> {
  const userId = requireId(request.userId, 'user_id');
  const settings = request.consistentRead ? await ctx.cache.getConsistent(userId) : await ctx.cache.get(userId);
  return { settings: settingsProto(settings, ctx.policy) };
}

export async function updateSettings(ctx: ConsentContext, request: consent.UpdateSettingsRequest, call: Call): Promise<consent.UpdateSettingsResponse> {
  const userId = requireId(request.userId, 'user_id');
  const gpc = request.gpc;
  // A GPC signal alone is a change: the mask may then be empty.
  const paths = gpc !== undefined && (request.updateMask ?? []).length === 0 ? [] : resolveMask(request.updateMask);
  const expectedVersion = parseVersion(request.expectedVersion, 'expected_version');
  const actor = actorOf(call);
  const userAsserted = userAssertedOf(call);
  const noticeVersion = noticeVersionOf(request.noticeVersion, userAsserted && paths.some((path) => CHOICE_PATHS.has(path)));
  const before = await ctx.writer.load(userId);
  // Validate against the stored settings (a minor's opt-in depends on the age band).
  const after = applyMasked(before, request.settings, paths);
  if (before.version !== expectedVersion) {
    // The caller read an older version, perhaps from a replica's cache: this one now has the current.
    ctx.cache.put(before);
    throw new VersionConflictError(`settings are at version ${before.version}, not ${expectedVersion}: re-read and retry`);
  }
  const sources = new Map<string, ChangeSourceName>();
  applyGpc(before, after, gpc, sources);
  const changed = historyPaths(paths, sources, gpc !== undefined);
  const consentRecord = touchesConsent(changed) || gpc !== undefined ? consentRecordOf(ctx.policy, after, { noticeVersion, gpc: gpc === true }) : undefined;
  const result = await ctx.writer.commit(before, after, { actor, userAsserted, paths: changed, sources, consentRecord, erasureScope: erasureScopeOf(before, after) });
  if (result === 'conflict') throw new VersionConflictError(`settings changed concurrently from version ${expectedVersion}: re-read and retry`);
  // A GPC opt-out restricts use like any other: it waits for every replica too.
  await answerWhenEveryReplicaHasIt(ctx.policy, before, result, Date.now(), ctx.cache.stalenessBoundMs, call);
  return { settings: settingsProto(result, ctx.policy) };
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

export async function listSettingsHistory(ctx: ConsentContext, request: consent.ListSettingsHistoryRequest): Promise<consent.ListSettingsHistoryResponse> {
  const userId = requireId(request.userId, 'user_id');
  const size = clampedCount(request.pageSize, 'page_size', { defaultSize: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE });
  const cursor = decodePageToken<{ u: string; v: number }>(request.pageToken, 'page_token', ['u', 'v']);
  if (cursor && (cursor.u !== userId || !Number.isSafeInteger(cursor.v))) throw new InvalidArgumentError('page_token', 'is not a valid page token for this user');
  const page = await ctx.settings.listHistory(userId, size + 1, cursor?.v);
  const changes = page.slice(0, size);
  const more = page.length > size;
  return {
    changes: changes.map(settingsChangeProto),
    nextPageToken: more ? encodePageToken({ u: userId, v: changes[changes.length - 1].version }) : '',
  };
}

/** GetSettings, UpdateSettings and ListSettingsHistory. */
export function settingsHandlers(ctx: ConsentContext) {
  return {
    getSettings: (request) => getSettings(ctx, request),
    updateSettings: (request, call) => updateSettings(ctx, request, call),
    listSettingsHistory: (request) => listSettingsHistory(ctx, request),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
