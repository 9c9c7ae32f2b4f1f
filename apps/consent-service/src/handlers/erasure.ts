import type { ServerUnaryCall } from '@grpc/grpc-js';
import { assertedUserOf } from '@signalpath/service-auth';
import { NotFoundError, requireEnum, requireId, type Handlers } from '@signalpath/grpc-kit';
import { common, type consent } from '@signalpath/proto';
import { erasureJobProto, scopeName } from '../mapping';
import { actorOf, type ConsentContext } from './context';

type Call = ServerUnaryCall<unknown, unknown>;

export async function requestErasure(ctx: ConsentContext, request: consent.RequestErasureRequest, call: Call): Promise<consent.RequestErasureResponse> {
  const userId = requireId(request.userId, 'user_id');
  const scope = scopeName(requireEnum(request.scope, common.ErasureScope, 'scope'));
  const job = await ctx.jobs.start(userId, scope, actorOf(call));
  return { job: erasureJobProto(job) };
}

export async function getErasureJob(ctx: ConsentContext, request: consent.GetErasureJobRequest, call: Call): Promise<consent.GetErasureJobResponse> {
  const jobId = requireId(request.jobId, 'job_id');
  const job = await ctx.erasureStore.get(jobId);
  // A person asking through settings-ui sees only their own jobs; another's is as good as absent.
  const asserted = assertedUserOf(call.metadata);
  if (!job || (asserted !== undefined && job.user_id !== asserted)) throw new NotFoundError('no erasure job has that id');
  return { job: erasureJobProto(job) };
}

/** RequestErasure and GetErasureJob. */
export function erasureHandlers(ctx: ConsentContext) {
  return {
    requestErasure: (request, call) => requestErasure(ctx, request, call),
    getErasureJob: (request, call) => getErasureJob(ctx, request, call),
  } satisfies Handlers<consent.ConsentServiceServer>;
}
