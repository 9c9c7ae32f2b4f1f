import { decideEligibility } from '@signalpath/consent-policy';
import { maxItems, requireEnum, requireId } from '@signalpath/grpc-kit';
import { common, type consent } from '@signalpath/proto';
import { purposeName, reasonProto, subjectOf } from '../mapping';
import type { SettingsDoc } from '../store/documents';
import type { ConsentContext } from './context';

export const MAX_BATCH_QUERIES = 500;

type Query = consent.CheckEligibilityRequest | consent.EligibilityQuery;

interface ValidQuery {
  userId: string;
  surface: common.Surface;
  purpose: common.Purpose;
  eventTime?: Date;
  endToEndEncrypted: boolean;
}

function validate(query: Query, prefix: string): ValidQuery {
  return {
    userId: requireId(query.userId, `${prefix}user_id`),
    surface: requireEnum(query.surface, common.Surface, `${prefix}surface`),
    purpose: requireEnum(query.purpose, common.Purpose, `${prefix}purpose`),
    eventTime: query.eventTime,
    endToEndEncrypted: query.endToEndEncrypted,
  };
}

function decide(ctx: ConsentContext, settings: SettingsDoc, query: ValidQuery, now: Date): consent.CheckEligibilityResponse {
  const decision = decideEligibility(ctx.policy, subjectOf(settings), {
    purpose: purposeName(query.purpose),
    eventTime: query.eventTime ?? now,
    endToEndEncrypted: query.endToEndEncrypted,
  });
  return { allowed: decision.allowed, reason: reasonProto(decision.reason), settingsVersion: String(settings.version) };
}

export async function checkEligibility(ctx: ConsentContext, request: consent.CheckEligibilityRequest): Promise<consent.CheckEligibilityResponse> {
  const query = validate(request, '');
  return decide(ctx, await ctx.cache.get(query.userId), query, ctx.now());
}

export async function batchCheckEligibility(ctx: ConsentContext, request: consent.BatchCheckEligibilityRequest): Promise<consent.BatchCheckEligibilityResponse> {
  maxItems(request.queries, 'queries', MAX_BATCH_QUERIES);
  const queries = request.queries.map((query, index) => validate(query, `queries[${index}].`));
  if (queries.length === 0) return { decisions: [] };
  const settings = await ctx.cache.getMany(queries.map((query) => query.userId));
  const now = ctx.now();
  return {
    decisions: queries.map((query) => ({
      ...decide(ctx, settings.get(query.userId) as SettingsDoc, query, now),
      userId: query.userId,
      purpose: query.purpose,
      surface: query.surface,
    })),
  };
}
