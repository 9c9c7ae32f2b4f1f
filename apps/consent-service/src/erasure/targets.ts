import type { UserDataTarget } from '@signalpath/config';
import type { ParentCall } from '@signalpath/grpc-kit';
import { createUserDataClient, type UserDataClient } from '@signalpath/service-clients';
import { scopeProto } from '../mapping';
import type { ScopeName } from '../store/documents';

/** One configured service holding user data, reached through its UserDataService. */
export interface UserDataTargetClient {
  /** The target's name (CONSENT_USER_DATA_TARGETS): its key in jobs and in the export document. */
  key: string;
  /** The gRPC service hosting it, recorded in jobs (ErasureTarget.service). */
  service: string;
  /** `cutoff`: data about events before it, or recorded before it, goes and never comes back. */
  deleteUserData(userId: string, scope: ScopeName, jobId: string, cutoff: Date): Promise<number>;
  /** The target's part of an export: its document type and its document (parsed proto3 JSON). */
  exportUserData(userId: string, parent: ParentCall): Promise<{ documentType: string; document: unknown }>;
  close(): void;
}

/**
 * The configured targets as clients of the one user-data contract. Deletions are bounded by
 * `deleteTimeoutMs`; the cut-off sent is the job's create time: nothing about an event before it,
 * or recorded before it, may exist there once the target confirms (docs/erasure.md). Exports run
 * under the ExportUserData call's deadline.
 */
export function userDataTargetClients(targets: readonly UserDataTarget[], deleteTimeoutMs: number, create: (target: UserDataTarget) => UserDataClient = createUserDataClient): UserDataTargetClient[] {
  return targets.map((target) => {
    const client = create(target);
    return {
      key: target.key,
      service: target.audience,
      deleteUserData: async (userId, scope, jobId, cutoff) =>
        Number((await client.delete({ userId, scope: scopeProto(scope), erasureJobId: jobId, cutoffTime: cutoff }, { timeoutMs: deleteTimeoutMs })).deletedCount),
      exportUserData: async (userId, parent) => {
        const response = await client.export({ userId }, { parent });
        return { documentType: response.documentType, document: JSON.parse(response.documentJson) as unknown };
      },
      close: () => client.close(),
    };
  });
}
