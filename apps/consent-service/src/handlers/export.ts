import type { ServerUnaryCall } from '@grpc/grpc-js';
import { requireId, type Handlers } from '@signalpath/grpc-kit';
import { consent, profile, signal } from '@signalpath/proto';
import { erasureJobProto, settingsChangeProto, settingsProto } from '../mapping';
import type { ConsentContext } from './context';

type Call = ServerUnaryCall<unknown, unknown>;

const HISTORY_PAGE = 500;

/**
 * Everything held about a user, as one proto3-JSON document: this service's settings, history
 * and erasure jobs, SignalService's signals (which never carry text) and ProfileService's
 * interests with their sources. All parts or nothing: any failure fails the export.
 */
export async function exportUserData(ctx: ConsentContext, request: consent.ExportUserDataRequest, call: Call): Promise<consent.ExportUserDataResponse> {
  const userId = requireId(request.userId, 'user_id');
  const [settings, history, jobs, signals, profiles] = await Promise.all([
    ctx.writer.load(userId),
    allHistory(ctx, userId),
    ctx.erasureStore.listForUser(userId),
    ctx.signal.exportUserData({ userId }, { parent: call }),
    ctx.profile.exportUserData({ userId }, { parent: call }),
  ]);
  const exportTime = ctx.now();
  const document = {
    userId,
    exportTime: exportTime.toISOString(),
    settings: consent.Settings.toJSON(settingsProto(settings, ctx.policy)),
    settingsHistory: history.map((entry) => consent.SettingsChange.toJSON(settingsChangeProto(entry))),
    erasureJobs: jobs.map((job) => consent.ErasureJob.toJSON(erasureJobProto(job))),
    signals: signal.ExportUserDataResponse.toJSON(signals),
    profile: profile.ExportUserDataResponse.toJSON(profiles),
  };
  return { documentJson: JSON.stringify(document), exportTime };
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
