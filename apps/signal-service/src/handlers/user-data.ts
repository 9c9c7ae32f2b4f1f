import { optionalId, requireEnum, requireId, unary } from '@signalpath/grpc-kit';
import { common, type signal } from '@signalpath/proto';

import { signalMessage } from '../ingest/signal-view';
import type { HandlerContext } from './context';

const EXPORT_PAGE = 1000;

/** Erasure and export, called by ConsentService's jobs. */
export function userDataHandlers(ctx: HandlerContext) {
  const { store, logger } = ctx;
  return {
    deleteUserData: unary<signal.DeleteUserDataRequest, signal.DeleteUserDataResponse>(async (request) => {
      const userId = requireId(request.userId, 'user_id');
      const scope = requireEnum(request.scope, common.ErasureScope, 'scope');
      // Logged below: held to the id grammar, so no control or bidi character reaches a log line.
      const erasureJobId = optionalId(request.erasureJobId, 'erasure_job_id');
      const deleted = await store.deleteUser(userId, scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT);
      logger.info({ erasure_job_id: erasureJobId, scope: common.ErasureScope[scope], deleted }, 'user data deleted');
      return { deletedCount: String(deleted) };
    }, logger),

    exportUserData: unary<signal.ExportUserDataRequest, signal.ExportUserDataResponse>(async (request) => {
      const userId = requireId(request.userId, 'user_id');
      const signals: signal.Signal[] = [];
      let after: { eventTime: Date; key: string; inclusive: boolean } | undefined;
      for (;;) {
        const records = await store.userRecordsPage(userId, after, EXPORT_PAGE);
        for (const record of records) for (const stored of record.signals) signals.push(signalMessage(stored, record));
        if (records.length < EXPORT_PAGE) break;
        const last = records[records.length - 1];
        after = { eventTime: last.eventTime as Date, key: last._id, inclusive: false };
      }
      return { signals, endToEndEncryptedSkippedCount: String(await store.e2eSkipCount(userId)) };
    }, logger),
  };
}
