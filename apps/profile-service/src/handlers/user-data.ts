import { optionalId, requireEnum, requireId } from '@signalpath/grpc-kit';
import { buildInterests } from '@signalpath/interest-profile';
import { common, type profile } from '@signalpath/proto';
import type { Logger } from '@signalpath/telemetry';

import type { LedgerStore } from '../store/ledger-store';
import { storedInterestsOf, type ProfileStore } from '../store/profile-store';
import { ALL_SURFACES, eraseUserData } from '../store/user-data';
import { toApiInterest } from './interests';

export interface UserDataDeps {
  profiles: ProfileStore;
  ledger: LedgerStore;
  halfLifeMs: number;
  now: () => Date;
  logger: Pick<Logger, 'info'>;
}

export function deleteUserDataHandler(deps: UserDataDeps) {
  return async (request: profile.DeleteUserDataRequest): Promise<profile.DeleteUserDataResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const scope = requireEnum(request.scope, common.ErasureScope, 'scope');
    // Logged below: held to the id grammar, so no control or bidi character reaches a log line.
    const erasureJobId = optionalId(request.erasureJobId, 'erasure_job_id');
    const deleted = await eraseUserData(deps.profiles, deps.ledger, userId, scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT ? 'ai_chat' : 'all', deps.now());
    deps.logger.info({ erasure_job_id: erasureJobId, scope: common.erasureScopeToJSON(scope), deleted }, 'user data erased');
    return { deletedCount: String(deleted) };
  };
}

/** Every stored interest per source surface, decayed to now, before any read-time rule. */
export function exportUserDataHandler(deps: UserDataDeps) {
  return async (request: profile.ExportUserDataRequest): Promise<profile.ExportUserDataResponse> => {
    const userId = requireId(request.userId, 'user_id');
    const documents = await deps.profiles.read(userId, ALL_SURFACES);
    const nowMs = deps.now().getTime();
    return {
      profiles: documents
        .map((document) => ({
          surface: document.surface,
          interests: buildInterests(storedInterestsOf(document), { view: 'total', nowMs, halfLifeMs: deps.halfLifeMs, minScore: -1 }).map(toApiInterest),
        }))
        .filter((surfaceProfile) => surfaceProfile.interests.length > 0),
    };
  };
}
