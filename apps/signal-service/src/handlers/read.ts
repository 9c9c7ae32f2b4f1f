import { clampedCount, decodePageToken, encodePageToken, InvalidArgumentError, requireId, type Handlers } from '@signalpath/grpc-kit';
import type { signal } from '@signalpath/proto';

import { signalMessage } from '../mapping';
import type { RecordDoc } from '../store/documents';
import type { HandlerContext } from './context';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** Where the next page starts: a record (by event time and key) and how many of its signals were returned. */
interface SignalCursor extends Record<string, string | number> {
  u: string;
  t: number;
  k: string;
  o: number;
}

function readCursor(token: string, userId: string): SignalCursor | undefined {
  const cursor = decodePageToken<SignalCursor>(token, 'page_token', ['u', 't', 'k', 'o']);
  if (!cursor) return undefined;
  if (typeof cursor.t !== 'number' || typeof cursor.k !== 'string' || typeof cursor.o !== 'number' || !Number.isInteger(cursor.o) || cursor.o < 0) {
    throw new InvalidArgumentError('page_token', 'is not a valid page token');
  }
  if (cursor.u !== userId) throw new InvalidArgumentError('page_token', 'belongs to another user');
  return cursor;
}

/** ListSignals and GetOutboxStatus: transparency and delivery lag. Never text: none is stored. */
export function readHandlers(ctx: HandlerContext) {
  const { store } = ctx;
  return {
    listSignals: async (request) => {
      const userId = requireId(request.userId, 'user_id');
      const size = clampedCount(request.pageSize, 'page_size', { defaultSize: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE });
      const cursor = readCursor(request.pageToken, userId);
      // Every accepted record has at least one signal, so size + 1 records always fill a page and tell whether more follow.
      const records = await store.userRecordsPage(userId, cursor && { eventTime: new Date(cursor.t), key: cursor.k, inclusive: cursor.o > 0 }, size + 1);
      const signals: signal.Signal[] = [];
      const tokenAt = (record: RecordDoc, offset: number) => encodePageToken({ u: userId, t: (record.eventTime as Date).getTime(), k: record._id, o: offset });
      for (let r = 0; r < records.length; r++) {
        const record = records[r];
        const start = cursor && cursor.o > 0 && record._id === cursor.k ? cursor.o : 0;
        for (let i = start; i < record.signals.length; i++) {
          signals.push(signalMessage(record.signals[i], record));
          if (signals.length < size) continue;
          const moreInRecord = i + 1 < record.signals.length;
          const moreRecords = r + 1 < records.length;
          return { signals, nextPageToken: moreInRecord ? tokenAt(record, i + 1) : moreRecords ? tokenAt(record, 0) : '' };
        }
      }
      return { signals, nextPageToken: '' };
    },

    getOutboxStatus: async () => {
      const outbox = await store.outboxStatus();
      const ageMs = outbox.oldestPendingAt ? Math.max(0, ctx.now().getTime() - outbox.oldestPendingAt.getTime()) : 0;
      return {
        pendingCount: String(outbox.pendingSignals),
        oldestPendingAge: { seconds: String(Math.floor(ageMs / 1000)), nanos: (ageMs % 1000) * 1_000_000 },
        deliveredCount: String(outbox.deliveredEntries),
      };
    },
  } satisfies Handlers<signal.SignalServiceServer>;
}
