import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { bench, descriptorSet, healthDescriptorSet, rpc } from '@signalpath/proto';
import { createClient } from './clients';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  PermissionDeniedError,
  RpcError,
  STORE_UNAVAILABLE_RETRY_MS,
  toServiceError,
  toStatus,
  UnauthenticatedError,
  UnavailableError,
  VersionConflictError,
} from './errors';
import { GrpcServer } from './server';
import {
  checkErrorInfo,
  ERROR_DOMAIN,
  fieldViolationsOf,
  packDetails,
  readStatus,
  RETRY_PUSHBACK_TRAILER,
  retryDelayOf,
  rpcStatus,
  STATUS_DETAILS_TRAILER,
  unpackDetails,
} from './status-details';
import { unary } from './unary';

const ECHO = 'signalpath.bench.v1.EchoService';

/** The trailer a mapped error would carry, decoded independently of readStatus. */
function trailerOf(error: unknown): rpc.Status | undefined {
  const bytes = (toServiceError(toStatus(error)).metadata as Metadata).get(STATUS_DETAILS_TRAILER)[0];
  return Buffer.isBuffer(bytes) ? rpc.Status.decode(bytes) : undefined;
}

describe('google.rpc.Status details in the error map', () => {
  it('gives every InvalidArgumentError a BadRequest field violation naming the field, code and message matching the call', () => {
    const trailer = trailerOf(new InvalidArgumentError('interactions[3].user_id', 'must not be empty'));
    expect(trailer).toMatchObject({ code: status.INVALID_ARGUMENT, message: 'interactions[3].user_id: must not be empty' });
    expect(trailer?.details.map((d) => d.typeUrl)).toEqual(['type.googleapis.com/google.rpc.BadRequest']);
    const badRequest = rpc.BadRequest.decode(trailer?.details[0].value as Buffer);
    expect(badRequest.fieldViolations).toEqual([expect.objectContaining({ field: 'interactions[3].user_id', description: 'must not be empty' })]);
  });

  it('gives FAILED_PRECONDITION, PERMISSION_DENIED and UNAUTHENTICATED an ErrorInfo in the signalpath.dev domain', () => {
    for (const error of [
      new FailedPreconditionError('unlink it first', 'LINK_CONFLICT', { surface: 'SURFACE_INSTAGRAM' }),
      new PermissionDeniedError('may not call', 'METHOD_NOT_ALLOWED'),
      new UnauthenticatedError('missing token', 'TOKEN_MISSING'),
    ]) {
      const trailer = trailerOf(error) as rpc.Status;
      expect(trailer.code).toBe(error.code);
      expect(trailer.details.map((d) => d.typeUrl)).toEqual(['type.googleapis.com/google.rpc.ErrorInfo']);
      const info = rpc.ErrorInfo.decode(trailer.details[0].value);
      expect(info.domain).toBe(ERROR_DOMAIN);
      expect(info.reason).toBe(error.statusDetails.errorInfo?.reason);
    }
  });

  it('advises a retry (RetryInfo) on UNAVAILABLE, a longer one while the store is down', () => {
    expect(unpackDetails(trailerOf(new UnavailableError('busy; retry', { retryAfterMs: 250 }))?.details ?? []).retryDelayMs).toBe(250);
    const down = Object.assign(new Error('no server'), { name: 'MongoServerSelectionError' });
    const read = unpackDetails(trailerOf(down)?.details ?? []);
    expect(read).toMatchObject({ retryDelayMs: STORE_UNAVAILABLE_RETRY_MS, errorInfo: { reason: 'STORE_UNAVAILABLE', domain: ERROR_DOMAIN } });
  });

  it('passes a dependency RESOURCE_EXHAUSTED on with its retry advice, and nothing else', () => {
    const metadata = new Metadata();
    metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(rpc.Status.encode(rpcStatus(status.RESOURCE_EXHAUSTED, 'x', { retryDelayMs: 1_500, errorInfo: { reason: 'OVERLOADED' } })).finish()));
    const downstream = Object.assign(new Error('overloaded'), { code: status.RESOURCE_EXHAUSTED, details: 'overloaded', metadata });
    const mapped = toStatus(downstream);
    expect(mapped).toMatchObject({ code: status.RESOURCE_EXHAUSTED, statusDetails: { retryDelayMs: 1_500 } });
    expect(mapped.statusDetails.errorInfo).toBeUndefined();
  });

  it('sends no trailer where there is nothing to add (INTERNAL, ABORTED, a plain RpcError)', () => {
    expect(trailerOf(new Error('boom'))).toBeUndefined();
    expect(trailerOf(new VersionConflictError('stale'))).toBeUndefined();
    expect(trailerOf(new RpcError(status.NOT_FOUND, 'no such job'))).toBeUndefined();
  });

  it('refuses ErrorInfo reasons and metadata keys google.rpc does not allow', () => {
    expect(() => checkErrorInfo({ reason: 'link conflict' })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => checkErrorInfo({ reason: `A${'B'.repeat(63)}` })).toThrow(/63/);
    expect(() => checkErrorInfo({ reason: 'OK_REASON', metadata: { 'Bad Key': 'x' } })).toThrow(/metadata key/);
    expect(() => new FailedPreconditionError('x', 'not-a-reason')).not.toThrow(); // checked when sent
    expect(() => packDetails({ errorInfo: { reason: 'not-a-reason' } })).toThrow(/UPPER_SNAKE_CASE/);
  });
});

describe('reading details on the client', () => {
  const failed = (code: status, trailer?: Buffer, pushback?: string): ServiceError => {
    const metadata = new Metadata();
    if (trailer) metadata.set(STATUS_DETAILS_TRAILER, trailer);
    if (pushback) metadata.set(RETRY_PUSHBACK_TRAILER, pushback);
    return Object.assign(new Error('failed'), { code, details: 'failed', metadata });
  };

  it('ignores a trailer whose code is not the call’s, or that does not decode', () => {
    const otherCode = Buffer.from(rpc.Status.encode(rpcStatus(status.INVALID_ARGUMENT, 'x', { fieldViolations: [{ field: 'a', description: 'b' }] })).finish());
    expect(readStatus(failed(status.INTERNAL, otherCode))).toEqual({ code: status.INTERNAL, message: 'failed', details: { unknownTypes: [] } });
    expect(readStatus(failed(status.INTERNAL, Buffer.from([0xff, 0xff, 0xff])))?.details).toEqual({ unknownTypes: [] });
    expect(readStatus(new Error('not a call'))).toBeUndefined();
  });

  it('lists detail types it does not know instead of failing', () => {
    const foreign = { typeUrl: 'type.googleapis.com/google.rpc.DebugInfo', value: Buffer.from([]) };
    const trailer = Buffer.from(rpc.Status.encode({ code: status.UNAVAILABLE, message: 'x', details: [foreign, ...packDetails({ retryDelayMs: 42 })] }).finish());
    expect(readStatus(failed(status.UNAVAILABLE, trailer))?.details).toEqual({ retryDelayMs: 42, unknownTypes: ['type.googleapis.com/google.rpc.DebugInfo'] });
  });

  it('takes the retry delay from RetryInfo, else from grpc-retry-pushback-ms', () => {
    const trailer = Buffer.from(rpc.Status.encode(rpcStatus(status.UNAVAILABLE, 'x', { retryDelayMs: 1_234 })).finish());
    expect(retryDelayOf(failed(status.UNAVAILABLE, trailer, '99'))).toBe(1_234);
    expect(retryDelayOf(failed(status.RESOURCE_EXHAUSTED, undefined, '99'))).toBe(99);
    expect(retryDelayOf(failed(status.UNAVAILABLE))).toBeUndefined();
    expect(retryDelayOf(failed(status.UNAVAILABLE, undefined, 'soon'))).toBeUndefined();
  });
});

describe('details over the wire (real server on port 0)', () => {
  let server: GrpcServer;
  let client: ReturnType<typeof createClient<typeof bench.EchoServiceService>>;

  beforeAll(async () => {
    server = new GrpcServer({
      services: [
        {
          name: ECHO,
          definition: bench.EchoServiceService,
          implementation: {
            echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
              const kind = request.payload.toString();
              if (kind === 'invalid') throw new InvalidArgumentError('payload', 'must be a greeting');
              if (kind === 'precondition') throw new FailedPreconditionError('a minor cannot opt in', 'MINOR_AI_CHAT_ADS');
              if (kind === 'unavailable') throw new UnavailableError('busy; retry', { retryAfterMs: 300 });
              return { payload: request.payload };
            }),
          },
        },
      ],
      descriptorSets: [descriptorSet, healthDescriptorSet],
    });
    const port = await server.listen('127.0.0.1', 0);
    server.setServing(true);
    client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO });
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(1_000);
  });

  const failure = (payload: string) => client.echo({ payload: Buffer.from(payload) }).then(() => undefined, (error: ServiceError) => error);

  it('delivers the field violation to a grpc-js client, with the call’s code and message', async () => {
    const error = await failure('invalid');
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(readStatus(error)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'payload: must be a greeting',
      details: { fieldViolations: [{ field: 'payload', description: 'must be a greeting' }], unknownTypes: [] },
    });
    expect(fieldViolationsOf(error)).toEqual([{ field: 'payload', description: 'must be a greeting' }]);
  });

  it('delivers ErrorInfo and RetryInfo', async () => {
    expect(readStatus(await failure('precondition'))?.details.errorInfo).toEqual({ reason: 'MINOR_AI_CHAT_ADS', domain: ERROR_DOMAIN, metadata: {} });
    const unavailable = await failure('unavailable');
    expect(unavailable?.code).toBe(status.UNAVAILABLE);
    expect(retryDelayOf(unavailable)).toBe(300);
  });
});
