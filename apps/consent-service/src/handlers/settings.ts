import type { ServerUnaryCall } from '@grpc/grpc-js';
import { withdrawnAiChatPurposes } from '@signalpath/consent-policy';
import { clampedCount, decodePageToken, encodePageToken, InvalidArgumentError, requireId, VersionConflictError, type Handlers } from '@signalpath/grpc-kit';
import type { consent } from '@signalpath/proto';
import { settingsChangeProto, settingsProto, subjectOf } from '../mapping';
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
  const paths = resolveMask(request.updateMask);
  const expectedVersion = parseVersion(request.expectedVersion, 'expected_version');
  const actor = actorOf(call);
  const before = await ctx.writer.load(userId);
  // Validate against the stored settings (a minor's opt-in depends on the age band).
  const after = applyMasked(before, request.settings, paths);
  if (before.version !== expectedVersion) {
    // The caller read an older version, perhaps from a replica's cache: this one now has the current.
    ctx.cache.put(before);
    throw new VersionConflictError(`settings are at version ${before.version}, not ${expectedVersion}: re-read and retry`);
  }
  // Each AI-chat choice governs its own purpose only (invariant 9): withdrawing one erases that use.
  const withdrawn = withdrawnAiChatPurposes(subjectOf(before), subjectOf(after));
  const erasureScope = withdrawn.length === 2 ? 'AI_CHAT' : withdrawn[0] === 'ADS' ? 'AI_CHAT_ADS' : withdrawn[0] === 'CONTENT' ? 'AI_CHAT_CONTENT' : undefined;
  const result = await ctx.writer.commit(before, after, { actor, userAsserted: userAssertedOf(call), paths, erasureScope });
  if (result === 'conflict') throw new VersionConflictError(`settings changed concurrently from version ${expectedVersion}: re-read and retry`);
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
