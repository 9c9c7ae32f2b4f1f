import { decideEligibility } from '@signalpath/consent-policy';
import { maxItems, optionalEnum, optionalTime, requireEnum, requireId } from '@signalpath/grpc-kit';
import { common, type consent } from '@signalpath/proto';
import { purposeName, reasonProto, sourceKindName, subjectOf } from '../mapping';
import type { SettingsDoc } from '../store/documents';
import type { ConsentContext } from './context';

export const MAX_BATCH_QUERIES = 500;

type Query = consent.CheckEligibilityRequest | consent.EligibilityQuery;

interface ValidQuery {
  userId: string;
  surface: common.Surface;
  purpose: common.Purpose;
  sourceKind?: common.SourceKind;
  eventTime?: Date;
  endToEndEncrypted: boolean;
  gpc: boolean;
}

/**
 * An event time, when given, must be a valid Timestamp and not more than the clock skew ahead of
 * now: no interaction happens in the future, and a time far ahead must not pass for "after the
 * effective date".
 */
function validate(query: Query, prefix: string, now: Date): ValidQuery {
  return {
    userId: requireId(query.userId, `${prefix}user_id`),
    surface: requireEnum(query.surface, common.Surface, `${prefix}surface`),
    purpose: requireEnum(query.purpose, common.Purpose, `${prefix}purpose`),
    sourceKind: optionalEnum(query.sourceKind, common.SourceKind, `${prefix}source_kind`),
    eventTime: optionalTime(query.eventTime, `${prefix}event_time`, { now }),
    endToEndEncrypted: query.endToEndEncrypted,
    gpc: query.gpc === true,
  };
}

function decide(ctx: ConsentContext, settings: SettingsDoc, query: ValidQuery, now: Date): consent.CheckEligibilityResponse {
  const decision = decideEligibility(ctx.policy, subjectOf(settings), {
    purpose: purposeName(query.purpose),
    sourceKind: sourceKindName(query.sourceKind),
    eventTime: query.eventTime ?? now,
    endToEndEncrypted: query.endToEndEncrypted,
    gpc: query.gpc,
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
