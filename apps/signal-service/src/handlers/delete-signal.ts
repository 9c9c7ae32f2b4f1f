import { NotFoundError, requireId, type Handlers } from '@signalpath/grpc-kit';
import { common, type profile, type signal } from '@signalpath/proto';
import { assertedUserOf, callerOf } from '@signalpath/service-auth';

import { signalMessage } from '../mapping';
import type { SignalDeletionDoc } from '../store/documents';
import type { HandlerContext } from './context';

function profileSignalOf(deletion: SignalDeletionDoc): profile.ProfileSignal {
  return {
    signalId: deletion._id,
    userId: deletion.userId,
    surface: deletion.surface,
    topicId: deletion.signal.topicId,
    weight: deletion.signal.weight,
    sourceKind: deletion.sourceKind,
    modality: deletion.modality,
    eventTime: deletion.eventTime,
    adsEligible: deletion.signal.adsEligible,
    contentEligible: deletion.signal.contentEligible,
    recordTime: deletion.recordedAt,
  };
}

/**
 * DeleteSignal (docs/consent.md, "Deleting one signal"): 1. record the deletion (through the
 * erasure guard: a deletion an erasure covers is not kept); 2. ProfileService subtracts the
 * signal's contribution and refuses every later delivery of it, and records the correction;
 * 3. the signal leaves its record and its pending outbox entry. Each step is idempotent and a
 * retry redoes what is not done, so a call that failed after step 1 is finished by the retry.
 */
export function deleteSignalHandlers(ctx: Pick<HandlerContext, 'store' | 'guard' | 'profile' | 'now' | 'logger'>) {
  const { store } = ctx;
  return {
    deleteSignal: async (request, call) => {
      const userId = requireId(request.userId, 'user_id');
      const signalId = requireId(request.signalId, 'signal_id');
      let deletion = await store.findDeletion(signalId);
      // Another user's signal id is answered like an unknown one.
      if (deletion && deletion.userId !== userId) deletion = null;
      if (!deletion) {
        const record = await store.findSignalRecord(userId, signalId);
        const stored = record?.signals.find((s) => s.signalId === signalId);
        if (!record || !stored || !record.surface || !record.sourceKind || !record.eventTime) throw new NotFoundError('the user has no such signal');
        const doc: SignalDeletionDoc = {
          _id: signalId,
          userId,
          recordKey: record._id,
          signal: stored,
          surface: record.surface,
          sourceKind: record.sourceKind,
          modality: record.modality ?? common.Modality.MODALITY_UNSPECIFIED,
          eventTime: record.eventTime,
          recordedAt: record.recordedAt,
          deleteTime: ctx.now(),
          done: false,
        };
        const outcome = await ctx.guard.write(
          [doc],
          (d) => ({ userId: d.userId, aiChat: d.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT, eventTime: d.eventTime, recordTime: d.recordedAt }),
          async ([kept]) => store.recordDeletion(kept),
          async (covered) => store.deleteDeletions(covered.map(({ item }) => item._id)),
        );
        // An erasure covers the signal: it is being erased with everything else.
        if (outcome.kept.length === 0 || !outcome.result) throw new NotFoundError('the user has no such signal');
        deletion = outcome.result;
      }
      await ctx.profile.removeSignal(
        { signal: profileSignalOf(deletion), actingCaller: callerOf(call.metadata) ?? '', userAsserted: assertedUserOf(call.metadata) !== undefined },
        { parent: call },
      );
      if (!deletion.done) {
        await store.dropSignal(deletion.recordKey, signalId);
        await store.markDeletionDone(signalId);
      }
      ctx.logger.info({ source_kind: common.SourceKind[deletion.sourceKind] }, 'signal deleted');
      return { deleted: true, signal: signalMessage(deletion.signal, deletion), deleteTime: deletion.deleteTime };
    },
  } satisfies Handlers<signal.SignalServiceServer>;
}
