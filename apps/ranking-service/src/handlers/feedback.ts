import type { ServerUnaryCall } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, NotFoundError, readStatus, requireId, ResourceExhaustedError, type Handlers } from '@signalpath/grpc-kit';
import { common, type ranking } from '@signalpath/proto';
import { purposeOfKind } from '@signalpath/ranking-model';
import { sensitiveClassOfTopic } from '@signalpath/sensitive-topics';
import { assertedUserOf, callerOf } from '@signalpath/service-auth';
import type { ProfileClient } from '@signalpath/service-clients';

import type { CatalogFeed } from '../catalog/catalog-feed';
import { topicMessage } from '../mapping';
import { catalogWaitMs } from './ranking';

export interface FeedbackDeps {
  catalog: CatalogFeed;
  profileClient: ProfileClient;
  /** Deadline of the ProfileService call (the caller's deadline lowers it). */
  dependencyTimeoutMs: number;
}


/** Who RankingService acts for: its verified caller, recorded in the user's corrections history. */
function acting(call: ServerUnaryCall<unknown, unknown>): { actingCaller: string; userAsserted: boolean } {
  return { actingCaller: callerOf(call.metadata) ?? '', userAsserted: assertedUserOf(call.metadata) !== undefined };
}

/**
 * MarkNotInterested / UndoNotInterested. The mark is the user's data, so ProfileService stores it
 * (with export, erasure and the corrections history); this service only adds what it alone knows:
 * the item's topics and kind from its catalog.
 */
export function feedbackHandlers({ catalog, profileClient, dependencyTimeoutMs }: FeedbackDeps) {
  return {
    markNotInterested: async (request: ranking.MarkNotInterestedRequest, call: ServerUnaryCall<ranking.MarkNotInterestedRequest, ranking.MarkNotInterestedResponse>): Promise<ranking.MarkNotInterestedResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const itemId = requireId(request.itemId, 'item_id');
      const found = (await catalog.index(catalogWaitMs(call))).get(itemId);
      if (!found) throw new NotFoundError('item not found in the catalog');
      // An ad lowers the ads profile; a post, reel or group the content profile.
      const purpose = purposeOfKind(found.rankable.kind) === 'ADS' ? common.Purpose.PURPOSE_ADS : common.Purpose.PURPOSE_CONTENT;
      // A sensitive topic is never sent to be kept in the user's corrections (data minimization):
      // no profile holds it for ads, and the item is hidden by its id alone.
      const topicIds = found.rankable.topicIds.filter((id) => sensitiveClassOfTopic(id) === undefined);
      try {
        await profileClient.markItemNotInterested({ userId, itemId, topicIds, purpose, ...acting(call) }, { parent: call, timeoutMs: dependencyTimeoutMs });
      } catch (error) {
        // The user's mark limit: passed on with its reason, so a client can tell the person.
        const info = isGrpcServiceError(error) && error.code === status.RESOURCE_EXHAUSTED ? readStatus(error)?.details.errorInfo : undefined;
        if (info?.reason) throw new ResourceExhaustedError('too many items are marked "not interested"; undo some first', info.reason, info.metadata);
        throw error;
      }
      return { loweredTopics: topicIds.map(topicMessage), purpose };
    },

    undoNotInterested: async (request: ranking.UndoNotInterestedRequest, call: ServerUnaryCall<ranking.UndoNotInterestedRequest, ranking.UndoNotInterestedResponse>): Promise<ranking.UndoNotInterestedResponse> => {
      const userId = requireId(request.userId, 'user_id');
      const itemId = requireId(request.itemId, 'item_id');
      const { undone } = await profileClient.undoItemNotInterested({ userId, itemId, ...acting(call) }, { parent: call, timeoutMs: dependencyTimeoutMs });
      return { undone };
    },
  } satisfies Handlers<ranking.RankingServiceServer>;
}
