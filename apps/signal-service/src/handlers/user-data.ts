import type { ServerUnaryCall } from '@grpc/grpc-js';
import { eraseFenced, erasedPurpose, erasureRecordOf, erasureScopeName } from '@signalpath/erasure';
import { deadlineMsOf, optionalId, optionalTime, requireEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { common, signal } from '@signalpath/proto';

import { signalMessage } from '../mapping';
import type { OutboxDoc, RecordDoc } from '../store/documents';
import type { HandlerContext } from './context';

const EXPORT_PAGE = 1000;

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number | undefined {
  const ms = deadlineMsOf(call);
  return Number.isFinite(ms) ? ms : undefined;
}

function ledgerEntry(record: RecordDoc): signal.IngestionRecord {
  return {
    recordKey: record._id,
    kind: record.kind === 'interaction' ? signal.RecordKind.RECORD_KIND_INTERACTION : signal.RecordKind.RECORD_KIND_ACTIVITY,
    status: record.status,
    skipReason: record.skipReason,
    recordTime: record.recordedAt,
    signalCount: record.signals.length,
  };
}

/** Erasure and export, called by ConsentService's jobs. */
export function userDataHandlers(ctx: HandlerContext) {
  const { store, markers, logger } = ctx;
  return {
    /**
     * Records the erasure marker, erases, waits out the fence, erases again (docs/erasure.md):
     * once this answers OK nothing recorded before the cut-off comes back, whatever was in flight.
     */
    deleteUserData: async (request, call) => {
      const userId = requireId(request.userId, 'user_id');
      const scope = requireEnum(request.scope, common.ErasureScope, 'scope');
      // Logged below: held to the id grammar, so no control or bidi character reaches a log line.
      const erasureJobId = optionalId(request.erasureJobId, 'erasure_job_id');
      const scopeName = erasureScopeName(scope);
      const purpose = erasedPurpose(scopeName);
      const deleted = await eraseFenced({
        markers,
        userId,
        scope: scopeName,
        jobId: erasureJobId ?? '',
        cutoff: optionalTime(request.cutoffTime, 'cutoff_time', { now: ctx.now() }),
        now: ctx.now,
        fenceMs: ctx.erasureFenceMs,
        deadlineMs: deadlineOf(call),
        erase: () => (purpose ? store.eraseAiChatPurpose(userId, purpose) : store.deleteUser(userId, scopeName === 'ai_chat')),
      });
      logger.info({ erasure_job_id: erasureJobId, scope: common.ErasureScope[scope], deleted }, 'user data deleted');
      return { deletedCount: String(deleted) };
    },

    /**
     * Everything held under the user's id: signals, every ledger entry (accepted and skipped),
     * outbox entries pending (with their claims) and delivered, the end-to-end-encrypted count and
     * the erasure markers. Left out, with the reason, in docs/erasure.md: the keyed ids of the
     * counted end-to-end-encrypted interactions (the count is what they say).
     */
    exportUserData: async (request) => {
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
      const [holdings, e2eCount, erasures] = await Promise.all([store.userHoldings(userId), store.e2eSkipCount(userId), markers.listForUser(userId)]);
      const now = ctx.now();
      const claimed = new Set(holdings.claims.filter((claim) => claim.leaseUntil > now).map((claim) => claim.entryId));
      const pending = (entry: OutboxDoc): signal.Delivery => ({
        recordKey: entry._id,
        sourceKind: entry.sourceKind,
        signalCount: entry.signals.length,
        createTime: entry.createdAt,
        deliverTime: undefined,
        attempts: entry.attempts,
        claimed: claimed.has(entry._id),
      });
      return {
        signals,
        endToEndEncryptedSkippedCount: String(e2eCount),
        records: holdings.records.map(ledgerEntry),
        pendingDeliveries: holdings.pending.map(pending),
        deliveries: holdings.delivered.map((d) => ({ recordKey: d._id, sourceKind: d.sourceKind, signalCount: d.signalCount, createTime: undefined, deliverTime: d.deliveredAt, attempts: 0, claimed: false })),
        erasures: erasures.map(erasureRecordOf),
      };
    },
  } satisfies Handlers<signal.SignalServiceServer>;
}
