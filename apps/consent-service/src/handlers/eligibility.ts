import { decideEligibility } from '@signalpath/consent-policy';
import { maxItems, type Handlers } from '@signalpath/grpc-kit';
import type { consent } from '@signalpath/proto';
import { purposeName, reasonProto, sourceKindName, subjectOf } from '../mapping';
import type { SettingsDoc } from '../store/documents';
import { MAX_BATCH_QUERIES, validateEligibilityQuery as validate, type ValidQuery } from '../validation';
import type { ConsentContext } from './context';

function decide(ctx: ConsentContext, settings: SettingsDoc, query: ValidQuery, now: Date): consent.CheckEligibilityResponse {
  const decision = decideEligibility(ctx.policy, subjectOf(settings), {
    purpose: purposeName(query.purpose),
    sourceKind: sourceKindName(query.sourceKind),
    eventTime: query.eventTime ?? now,
    endToEndEncrypted: query.endToEndEncrypted,
  });
  return { allowed: decision.allowed, reason: reasonProto(decision.reason), settingsVersion: String(settings.version) };
}

export async function checkEligibility(ctx: ConsentContext, request: consent.CheckEligibilityRequest): Promise<consent.CheckEligibilityResponse> {
  const now = ctx.now();
  const query = validate(request, '', now);
  return decide(ctx, await ctx.cache.get(query.userId), query, now);
}

export async function batchCheckEligibility(ctx: ConsentContext, request: consent.BatchCheckEligibilityRequest): Promise<consent.BatchCheckEligibilityResponse> {
  maxItems(request.queries, 'queries', MAX_BATCH_QUERIES);
  const now = ctx.now();
  const queries = request.queries.map((query, index) => validate(query, `queries[${index}].`, now));
  if (queries.length === 0) return { decisions: [] };
  const settings = await ctx.cache.getMany(queries.map((query) => query.userId));
  return {
    decisions: queries.map((query) => ({
      ...decide(ctx, settings.get(query.userId) as SettingsDoc, query, now),
      userId: query.userId,
      purpose: query.purpose,
      surface: query.surface,
    })),
  };
}

/** CheckEligibility and BatchCheckEligibility. */
export function eligibilityHandlers(ctx: ConsentContext) {
  return {
    checkEligibility: (request) => checkEligibility(ctx, request),
    batchCheckEligibility: (request) => batchCheckEligibility(ctx, request),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
