import type { ServerUnaryCall } from '@grpc/grpc-js';
import { decodePageToken, encodePageToken, InvalidArgumentError, NotFoundError, requireEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';
import { assertedUserOf } from '@signalpath/service-auth';
import { rejectionReasonName, requestKindName, requestProto, requestStateName, scopeName } from '../mapping';
import { actorOf, type ConsentContext } from './context';

type Call = ServerUnaryCall<unknown, unknown>;

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

export async function createDataSubjectRequest(ctx: ConsentContext, request: consent.CreateDataSubjectRequestRequest, call: Call): Promise<consent.CreateDataSubjectRequestResponse> {
  const userId = requireId(request.userId, 'user_id');
  const kind = requestKindName(requireEnum(request.kind, consent.DataSubjectRequestKind, 'kind'));
  if (!kind) throw new InvalidArgumentError('kind', 'is not a known kind');
  let scope;
  if (kind === 'ERASURE') scope = scopeName(requireEnum(request.scope, common.ErasureScope, 'scope'));
  else if (request.scope) throw new InvalidArgumentError('scope', 'must be unspecified for an export');
  // Verified at once only by the person's own assertion, which the interceptor checked names user_id.
  const userAsserted = assertedUserOf(call.metadata) === userId;
  const doc = await ctx.requests.create({ userId, kind, scope, actor: actorOf(call), userAsserted });
  return { request: requestProto(doc, ctx.requests.now()) };
}

export async function getDataSubjectRequest(ctx: ConsentContext, request: consent.GetDataSubjectRequestRequest, call: Call): Promise<consent.GetDataSubjectRequestResponse> {
  const requestId = requireId(request.requestId, 'request_id');
  const doc = await ctx.requests.get(requestId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  // A person asking through settings-ui sees only their own requests; another's is as good as absent.
  const asserted = assertedUserOf(call.metadata);
  if (!doc || (asserted !== undefined && doc.user_id !== asserted)) throw new NotFoundError('no data-subject request has that id');
  return { request: requestProto(doc, ctx.requests.now()) };
}

export async function listDataSubjectRequests(ctx: ConsentContext, request: consent.ListDataSubjectRequestsRequest): Promise<consent.ListDataSubjectRequestsResponse> {
  const state = request.state ? requestStateName(requireEnum(request.state, consent.DataSubjectRequestState, 'state')) : undefined;
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0) throw new InvalidArgumentError('page_size', 'must not be negative');
  const limit = request.pageSize === 0 ? DEFAULT_PAGE : Math.min(request.pageSize, MAX_PAGE);
  const filter = `${state ?? ''}|${request.overdueOnly ? 'overdue' : ''}`;
  const cursor = decodePageToken<{ f: string; d: number; i: string }>(request.pageToken, 'page_token', ['f', 'd', 'i']);
  if (cursor && (cursor.f !== filter || !Number.isSafeInteger(cursor.d) || typeof cursor.i !== 'string')) throw new InvalidArgumentError('page_token', 'is not a valid page token for these filters');
  const docs = await ctx.requests.list({ state, overdueOnly: request.overdueOnly, after: cursor ? { due: new Date(cursor.d), id: cursor.i } : undefined, limit });
  const now = ctx.requests.now();
  const last = docs[docs.length - 1];
  return {
    requests: docs.map((doc) => requestProto(doc, now)),
    nextPageToken: docs.length === limit && last ? encodePageToken({ f: filter, d: last.due_time.getTime(), i: last._id }) : '',
  };
}

export async function verifyDataSubjectRequest(ctx: ConsentContext, request: consent.VerifyDataSubjectRequestRequest, call: Call): Promise<consent.VerifyDataSubjectRequestResponse> {
  const requestId = requireId(request.requestId, 'request_id');
  const doc = await ctx.requests.verify(requestId, actorOf(call), 'OPERATOR');
  return { request: requestProto(doc, ctx.requests.now()) };
}

export async function rejectDataSubjectRequest(ctx: ConsentContext, request: consent.RejectDataSubjectRequestRequest, call: Call): Promise<consent.RejectDataSubjectRequestResponse> {
  const requestId = requireId(request.requestId, 'request_id');
  const reason = rejectionReasonName(requireEnum(request.reason, consent.RejectionReason, 'reason'));
  if (!reason) throw new InvalidArgumentError('reason', 'is not a known reason');
  const doc = await ctx.requests.reject(requestId, reason, actorOf(call));
  return { request: requestProto(doc, ctx.requests.now()) };
}

/** The data-subject request RPCs. */
export function dataSubjectRequestHandlers(ctx: ConsentContext) {
  return {
    createDataSubjectRequest: (request, call) => createDataSubjectRequest(ctx, request, call),
    getDataSubjectRequest: (request, call) => getDataSubjectRequest(ctx, request, call),
    listDataSubjectRequests: (request) => listDataSubjectRequests(ctx, request),
    verifyDataSubjectRequest: (request, call) => verifyDataSubjectRequest(ctx, request, call),
    rejectDataSubjectRequest: (request, call) => rejectDataSubjectRequest(ctx, request, call),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
