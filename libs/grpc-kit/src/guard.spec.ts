import { ServerInterceptingCall, status, type ServerInterceptor, type ServiceError } from '@grpc/grpc-js';
import { bench } from '@signalpath/proto';
import { createClient } from './clients';
import { GrpcServer } from './server';
import { unary } from './unary';

const ECHO = 'signalpath.bench.v1.EchoService';
const SECRET = 'I told the assistant about my diagnosis';

/** An interceptor that throws (message: conversation-like text) at the place `mode` names. */
function throwingInterceptor(mode: { current: string }): ServerInterceptor {
  const boom = (where: string) => {
    if (mode.current === where) throw new TypeError(`${SECRET} (${where})`);
  };
  return (_method, call) => {
    boom('factory');
    return new ServerInterceptingCall(call, {
      start: (next) => {
        boom('start');
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            boom('onReceiveMetadata');
            nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            boom('onReceiveMessage');
            nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            boom('onReceiveHalfClose');
            nextHalfClose();
          },
          onCancel: () => boom('onCancel'),
        });
      },
      sendMetadata: (metadata, next) => {
        boom('sendMetadata');
        next(metadata);
      },
      sendMessage: (message, next) => {
        boom('sendMessage');
        next(message);
      },
      sendStatus: (value, next) => {
        boom('sendStatus');
        next(value);
      },
    });
  };
}

/** Passes metadata on a turn of the event loop later, as an interceptor that awaits a check does. */
const asyncMetadata: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, { start: (next) => next({ onReceiveMetadata: (metadata, nextMetadata) => setImmediate(() => nextMetadata(metadata)) }) });

const THROW_POINTS = ['factory', 'start', 'onReceiveMetadata', 'onReceiveMessage', 'onReceiveHalfClose', 'sendMetadata', 'sendMessage', 'sendStatus'];

describe.each([
  ['a synchronous interceptor', false],
  ['an interceptor below one that continues asynchronously', true],
])('guarded interceptors: %s', (_label, withAsync) => {
  const mode = { current: 'none' };
  const logged: Array<Record<string, unknown>> = [];
  let handlerRuns = 0;
  let slow = false;
  const server = new GrpcServer({
    services: [
      {
        name: ECHO,
        definition: bench.EchoServiceService,
        implementation: {
          echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
            handlerRuns++;
            if (slow) await new Promise((resolve) => setTimeout(resolve, 300));
            return { payload: request.payload };
          }),
        },
      },
    ],
    interceptors: withAsync ? [asyncMetadata, throwingInterceptor(mode)] : [throwingInterceptor(mode)],
    errorSink: { error: (fields, message) => logged.push({ ...fields, message }) },
  });
  let client: ReturnType<typeof createClient<typeof bench.EchoServiceService>>;
  const codeOf = (promise: Promise<unknown>) => promise.then(() => status.OK, (e: ServiceError) => e.code);

  beforeAll(async () => {
    const port = await server.listen('127.0.0.1', 0);
    client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    client.close();
    await server.shutdown(500);
  });
  afterEach(() => {
    mode.current = 'none';
    slow = false;
  });

  it.each(THROW_POINTS)('a throw in %s answers INTERNAL, logs one line without the message, and the server keeps serving', async (where) => {
    logged.length = 0;
    mode.current = where;
    const runsBefore = handlerRuns;
    expect(await codeOf(client.echo({ payload: Buffer.from('x') }))).toBe(status.INTERNAL);
    // The handler never runs once the call failed before reaching it.
    if (['factory', 'start', 'onReceiveMetadata', 'onReceiveMessage', 'onReceiveHalfClose'].includes(where)) expect(handlerRuns).toBe(runsBefore);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: `/${ECHO}/Echo`, where: expect.any(String), error_name: 'TypeError' });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
    mode.current = 'none';
    await expect(client.echo({ payload: Buffer.from('still serving') })).resolves.toEqual({ payload: Buffer.from('still serving') });
  });

  it('a throw in onCancel (the client gave up) is logged and the server keeps serving', async () => {
    logged.length = 0;
    mode.current = 'onCancel';
    slow = true;
    expect(await codeOf(client.echo({ payload: Buffer.from('x') }, { timeoutMs: 50 }))).toBe(status.DEADLINE_EXCEEDED);
    for (let waited = 0; logged.length === 0 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logged).toEqual([expect.objectContaining({ where: 'onCancel', error_name: 'TypeError' })]);
    mode.current = 'none';
    slow = false;
    await expect(client.echo({ payload: Buffer.from('ok') })).resolves.toEqual({ payload: Buffer.from('ok') });
  });
});
