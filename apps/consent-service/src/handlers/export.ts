import type { ServerUnaryCall } from '@grpc/grpc-js';
import { optionalId, requireId, type Handlers } from '@signalpath/grpc-kit';
import { consent } from '@signalpath/proto';
import { erasureJobProto, requestProto, settingsChangeProto, settingsProto } from '../mapping';
import { actorOf, type ConsentContext } from './context';

type Call = ServerUnaryCall<unknown, unknown>;

const HISTORY_PAGE = 500;

/**
 * Everything held about a user, as one proto3-JSON document: this service's settings, history,
 * erasure jobs and data-subject requests, and the UserDataService export of every configured target under its name
 * as `services.<name>: { documentType, document }` (`signal`: signals, which never carry text;
 * `profile`: interests with their sources, corrections ...). All parts or nothing: any failure
 * fails the export.
 */
export async function exportUserData(ctx: ConsentContext, request: consent.ExportUserDataRequest, call: Call): Promise<consent.ExportUserDataResponse> {
  const userId = requireId(request.userId, 'user_id');
  const requestId = optionalId(request.dataSubjectRequestId, 'data_subject_request_id');
  // An export answering a data-subject request: checked before the work, completed after it.
  if (requestId) await ctx.requests.exportInProgress(requestId, userId);
  const [settings, history, jobs, requests, parts] = await Promise.all([
    ctx.writer.load(userId),
    allHistory(ctx, userId),
    ctx.erasureStore.listForUser(userId),
    ctx.requests.forUser(userId),
    Promise.all(ctx.userData.map(async (target) => [target.key, await target.exportUserData(userId, call)] as const)),
  ]);
  const exportTime = ctx.now();
  const document = {
    userId,
    exportTime: exportTime.toISOString(),
    settings: consent.Settings.toJSON(settingsProto(settings, ctx.policy)),
    settingsHistory: history.map((entry) => consent.SettingsChange.toJSON(settingsChangeProto(entry))),
    erasureJobs: jobs.map((job) => consent.ErasureJob.toJSON(erasureJobProto(job))),
    dataSubjectRequests: requests.map((doc) => consent.DataSubjectRequest.toJSON(requestProto(doc, ctx.requests.now()))),
    services: Object.fromEntries(parts),
  };
  const documentJson = JSON.stringify(document);
  if (requestId) await ctx.requests.completeExport(requestId, actorOf(call));
  return { documentJson, exportTime };
}

async function allHistory(ctx: ConsentContext, userId: string) {
  const entries = [];
  let before: number | undefined;
  for (;;) {
    const page = await ctx.settings.listHistory(userId, HISTORY_PAGE, before);
    entries.push(...page);
    if (page.length < HISTORY_PAGE) return entries;
    before = page[page.length - 1].version;
  }
}

/** ExportUserData: everything held about a user, from this service and the others. */
export function exportHandlers(ctx: ConsentContext) {
  return {
    exportUserData: (request, call) => exportUserData(ctx, request, call),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
