import { status } from '@grpc/grpc-js';
import { AlreadyExistsError, InvalidArgumentError, isGrpcServiceError, maxItems, nonEmpty, RpcError, rpcStatus, toStatus, UnavailableError, type Handlers } from '@signalpath/grpc-kit';
import { signal, type rpc } from '@signalpath/proto';

import type { ItemOutcome } from '../ingest/ingestion';
import { MAX_BATCH_ITEMS, validateActivity, validateInteraction } from '../validation';
import type { HandlerContext } from './context';

type FailedItem = Extract<ItemOutcome, { ok: false }>;

/**
 * The error a failed item stands for: the single-item RPC's status, and a batch item's
 * google.rpc.Status (the same error map, so the details match: BadRequest naming the field,
 * RetryInfo on UNAVAILABLE).
 */
function itemError(outcome: FailedItem): RpcError {
  if (outcome.cause instanceof RpcError) return outcome.cause;
  if (outcome.code === status.ALREADY_EXISTS) return new AlreadyExistsError(outcome.message);
  if (outcome.code === status.INVALID_ARGUMENT) return new InvalidArgumentError('request', outcome.message);
  return new UnavailableError(outcome.message);
}

/** A per-item failure of a single-item RPC becomes the RPC's status. */
function throwIfFailed(outcome: ItemOutcome): asserts outcome is Extract<ItemOutcome, { ok: true }> {
  if (outcome.ok) return;
  // A deadline or cancellation from the caller's own call passes through; anything else fails closed.
  if (isGrpcServiceError(outcome.cause) && (outcome.cause.code === status.DEADLINE_EXCEEDED || outcome.cause.code === status.CANCELLED)) throw outcome.cause;
  throw itemError(outcome);
}

function itemStatus(outcome: FailedItem): rpc.Status {
  const mapped = toStatus(itemError(outcome));
  return rpcStatus(mapped.code, mapped.details, mapped.statusDetails);
}

export function ingestHandlers(ctx: HandlerContext) {
  const { ingestion } = ctx;
  return {
    ingestInteraction: async (request, call) => {
      const interaction = validateInteraction(request.interaction, 'interaction', ctx.now());
      const [outcome] = await ingestion.process([ingestion.interactionUnit(interaction)], call);
      throwIfFailed(outcome);
      return { status: outcome.status, skipReason: outcome.skipReason, signals: outcome.signals, suppressed: outcome.suppressed.map((sensitiveClass) => ({ sensitiveClass })) };
    },

    ingestInteractions: async (request, call) => {
      nonEmpty(request.interactions, 'interactions');
      maxItems(request.interactions, 'interactions', MAX_BATCH_ITEMS);
      const now = ctx.now();
      const items = request.interactions.map((interaction, index) => {
        try {
          return ingestion.interactionUnit(validateInteraction(interaction, `interactions[${index}]`, now));
        } catch (error) {
          if (error instanceof InvalidArgumentError) return { ok: false as const, code: status.INVALID_ARGUMENT as const, message: error.message, cause: error };
          throw error;
        }
      });
      const outcomes = await ingestion.process(items, call);
      return {
        results: outcomes.map((outcome, index): signal.IngestResult => {
          const interactionId = request.interactions[index]?.interactionId ?? '';
          if (!outcome.ok) return { interactionId, status: signal.IngestStatus.INGEST_STATUS_UNSPECIFIED, skipReason: signal.SkipReason.SKIP_REASON_UNSPECIFIED, signals: [], suppressed: [], errorCode: outcome.code, errorMessage: outcome.message, error: itemStatus(outcome) };
          return { interactionId, status: outcome.status, skipReason: outcome.skipReason, signals: outcome.signals, suppressed: outcome.suppressed.map((sensitiveClass) => ({ sensitiveClass })), errorCode: 0, errorMessage: '', error: undefined };
        }),
      };
    },

    recordActivity: async (request, call) => {
      const activity = validateActivity(request, ctx.now());
      const [outcome] = await ingestion.process([ingestion.activityUnit(activity)], call);
      throwIfFailed(outcome);
      return { status: outcome.status, skipReason: outcome.skipReason, signals: outcome.signals, suppressed: outcome.suppressed.map((sensitiveClass) => ({ sensitiveClass })) };
    },
  } satisfies Handlers<signal.SignalServiceServer>;
}
