import type { ProfileClient, SignalClient } from '@signalpath/service-clients';
import { scopeProto } from '../mapping';
import type { ErasureTargetClient } from './worker';

/**
 * SignalService and ProfileService as erasure targets, each call bounded by `timeoutMs`. The
 * cut-off sent is the job's create time: nothing about an event before it, or recorded before it,
 * may exist there once the target confirms (docs/erasure.md).
 */
export function grpcErasureTargets(signal: SignalClient, profile: ProfileClient, timeoutMs: number): ErasureTargetClient[] {
  return [
    {
      key: 'signal',
      deleteUserData: async (userId, scope, jobId, cutoff) =>
        Number((await signal.deleteUserData({ userId, scope: scopeProto(scope), erasureJobId: jobId, cutoffTime: cutoff }, { timeoutMs })).deletedCount),
    },
    {
      key: 'profile',
      deleteUserData: async (userId, scope, jobId, cutoff) =>
        Number((await profile.deleteUserData({ userId, scope: scopeProto(scope), erasureJobId: jobId, cutoffTime: cutoff }, { timeoutMs })).deletedCount),
    },
  ];
}
