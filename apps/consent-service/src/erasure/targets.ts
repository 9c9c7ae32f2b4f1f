import type { ProfileClient, SignalClient } from '@signalpath/service-clients';
import { scopeProto } from '../mapping';
import type { ErasureTargetClient } from './worker';

/** SignalService and ProfileService as erasure targets, each call bounded by `timeoutMs`. */
export function grpcErasureTargets(signal: SignalClient, profile: ProfileClient, timeoutMs: number): ErasureTargetClient[] {
  return [
    {
      key: 'signal',
      deleteUserData: async (userId, scope, jobId) =>
        Number((await signal.deleteUserData({ userId, scope: scopeProto(scope), erasureJobId: jobId }, { timeoutMs })).deletedCount),
    },
    {
      key: 'profile',
      deleteUserData: async (userId, scope, jobId) =>
        Number((await profile.deleteUserData({ userId, scope: scopeProto(scope), erasureJobId: jobId }, { timeoutMs })).deletedCount),
    },
  ];
}
