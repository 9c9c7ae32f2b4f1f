import type { ServerUnaryCall } from '@grpc/grpc-js';
import { eraseFenced, erasureRecordOf, erasureScopeName, type ErasureMarkers } from '@signalpath/erasure';
import { deadlineMsOf, optionalId, optionalTime, requireEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { buildInterests } from '@signalpath/interest-profile';
import { common, type profile } from '@signalpath/proto';
import type { Logger } from '@signalpath/telemetry';

import type { CorrectionsStore } from '../store/corrections-store';
import type { LedgerStore } from '../store/ledger-store';
import { storedInterestsOf, type ProfileStore } from '../store/profile-store';
import { ALL_SURFACES, eraseUserData } from '../store/user-data';
import { listCorrections } from './corrections';
import { toApiInterest } from '../mapping';

export interface UserDataDeps {
  profiles: ProfileStore;
  ledger: LedgerStore;
  corrections: CorrectionsStore;
  markers: ErasureMarkers;
  /** PROFILE_ERASURE_FENCE. */
  erasureFenceMs: number;
  halfLifeMs: number;
  now: () => Date;
  logger: Pick<Logger, 'info'>;
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown> | undefined): number | undefined {
  const ms = deadlineMsOf(call);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Records the erasure marker, erases, waits out the fence, erases again (docs/erasure.md): once
 * this answers OK, no delivery in flight, retry or second process brings the data back.
 */
export function deleteUserDataHandler(deps: UserDataDeps) {
  return async (request: profile.DeleteUserDataRequest, call?: ServerUnaryCall<profile.DeleteUserDataRequest, profile.DeleteUserDataResponse>): Promise<profile.DeleteUserDataResponse> => {
    const userId = requireId(request.userId, 'user_id');
    // Logged below: held to the id grammar, so no control or bidi character reaches a log line.
    const erasureJobId = optionalId(request.erasureJobId, 'erasure_job_id');
    const scope = erasureScopeName(requireEnum(request.scope, common.ErasureScope, 'scope'));
    const deleted = await eraseFenced({
      markers: deps.markers,
      userId,
      scope,
      jobId: erasureJobId ?? '',
      cutoff: optionalTime(request.cutoffTime, 'cutoff_time', { now: deps.now() }),
      now: deps.now,
      fenceMs: deps.erasureFenceMs,
      deadlineMs: deadlineOf(call),
      erase: () => eraseUserData(deps.profiles, deps.ledger, deps.corrections, userId, scope),
    });
    deps.logger.info({ erasure_job_id: erasureJobId, scope: common.erasureScopeToJSON(request.scope), deleted }, 'user data erased');
    return { deletedCount: String(deleted) };
  };
}

/**
 * Everything held under the user's id: every stored interest per source surface (decayed to now,
 * before any read-time rule), the applied-signal ledger entries and applied-operation records,
 * the erasure markers and the corrections history. Left out, with the reason, in docs/erasure.md: the in-flight markers
 * inside a profile document (the operation ids of writes in progress, listed as
 * applied_operations once recorded).
 */
export function exportUserDataHandler(deps: UserDataDeps) {
  return async (request: profile.ExportUserDataRequest): Promise<profile.ExportUserDataResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const [documents, ledger, erasures, corrections] = await Promise.all([
      deps.profiles.read(userId, ALL_SURFACES),
      deps.ledger.userEntries(userId),
      deps.markers.listForUser(userId),
      listCorrections(deps.corrections, userId),
    ]);
    const nowMs = deps.now().getTime();
    return {
      profiles: documents
        .map((document) => ({
          surface: document.surface,
          interests: buildInterests(storedInterestsOf(document), { view: 'TOTAL', nowMs, halfLifeMs: deps.halfLifeMs, minScore: -1 }).map(toApiInterest),
        }))
        .filter((surfaceProfile) => surfaceProfile.interests.length > 0),
      appliedSignals: ledger.claims.map((claim) => ({
        signalId: claim._id,
        surface: claim.surface ?? common.Surface.SURFACE_UNSPECIFIED,
        sourceKind: claim.source_kind ?? common.SourceKind.SOURCE_KIND_UNSPECIFIED,
        claimTime: claim.create_time,
        applied: claim.applied,
      })),
      appliedOperations: ledger.ops.map((op) => ({ operationId: op._id, createTime: op.create_time })),
      erasures: erasures.map(erasureRecordOf),
      corrections,
    };
  };
}

/** DeleteUserData and ExportUserData (ConsentService's erasure and export fan-out). */
export function userDataHandlers(deps: UserDataDeps) {
  return {
    deleteUserData: deleteUserDataHandler(deps),
    exportUserData: exportUserDataHandler(deps),
  } satisfies Handlers<profile.ProfileServiceServer>;
}
