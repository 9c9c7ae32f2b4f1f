import { Metadata, ServerInterceptingCall, status, type ServerInterceptor, type ServiceError } from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { bench, descriptorSet, healthDescriptorSet } from '@signalpath/proto';
import { createClient } from './clients';
import { InvalidArgumentError } from './errors';
import { RPC_CLIENT_DURATION, RPC_DURATION_BUCKETS_MS, RPC_SERVER_DURATION } from './rpc-metrics';
import { GrpcServer } from './server';
import { unary } from './unary';

/** Collects on demand, as a Prometheus scrape does. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const ECHO = 'signalpath.bench.v1.EchoService';

/** Call counts of histogram `name` keyed `method status`, and every attribute key seen. */
async function counts(reader: TestReader, name: string): Promise<{ byCall: Record<string, number>; keys: Set<string>; boundaries: number[] }> {
  const { resourceMetrics } = await reader.collect();
  const byCall: Record<string, number> = {};
  const keys = new Set<string>();
  let boundaries: number[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of (metric as HistogramMetricData).dataPoints) {
        Object.keys(point.attributes).forEach((k) => keys.add(k));
        byCall[`${point.attributes['rpc.method']} ${status[point.attributes['rpc.grpc.status_code'] as number]}`] = point.value.count;
        boundaries = point.value.buckets.boundaries;
      }
    }
  }
  return { byCall, keys, boundaries };
}

describe('RPC metrics (rpc.server.duration, rpc.client.duration)', () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  let server: GrpcServer;
  let client: ReturnType<typeof createClient<typeof bench.EchoServiceService>>;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(provider);
    // Refuses calls carrying `deny`, as the service-token interceptor refuses a bad token.
    const refuse: ServerInterceptor = (_method, call) =>
      new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              if (metadata.get('deny').length > 0) call.sendStatus({ code: status.UNAUTHENTICATED, details: 'denied' });
              else nextMetadata(metadata);
            },
          }),
      });
    server = new GrpcServer({
      services: [
        {
          name: ECHO,
          definition: bench.EchoServiceService,
          implementation: {
            echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
              const word = request.payload.toString();
              if (word === 'bad') throw new InvalidArgumentError('payload', 'is bad');
              if (word === 'hold') await new Promise<void>((resolve) => (release = resolve));
              return { payload: request.payload };
            }),
          },
        },
      ],
      descriptorSets: [descriptorSet, healthDescriptorSet],
      interceptors: [refuse],
      // One call at a time and none waiting: a second concurrent call is shed.
      admission: { maxConcurrent: 1, maxQueue: 0 },
    });
    const port = await server.listen('127.0.0.1', 0);
    server.setServing(true);
    client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(1_000);
    await provider.shutdown();
    metrics.disable();
  });

  it('counts every call per method and status on both ends, whatever layer answered, with no other label', async () => {
    const echo = (payload: string, metadata?: Metadata, timeoutMs?: number) =>
      client.echo({ payload: Buffer.from(payload) }, { metadata, timeoutMs }).then(
        () => 'OK',
        (error: ServiceError) => status[error.code],
      );
    for (let i = 0; i < 3; i++) expect(await echo('hi')).toBe('OK');
    expect(await echo('bad')).toBe('INVALID_ARGUMENT');
    const deny = new Metadata();
    deny.set('deny', 'user-123');
    expect(await echo('hi', deny)).toBe('UNAUTHENTICATED');
    // A held call occupies the only slot: the next one is shed; the held one then ends.
    const held = echo('hold');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await echo('hi')).toBe('RESOURCE_EXHAUSTED');
    release();
    expect(await held).toBe('OK');

    const serverSide = await counts(reader, RPC_SERVER_DURATION);
    expect(serverSide.byCall).toEqual({ 'Echo OK': 4, 'Echo INVALID_ARGUMENT': 1, 'Echo UNAUTHENTICATED': 1, 'Echo RESOURCE_EXHAUSTED': 1 });
    expect([...serverSide.keys].sort()).toEqual(['rpc.grpc.status_code', 'rpc.method', 'rpc.service', 'rpc.system']);
    expect(serverSide.boundaries).toEqual(RPC_DURATION_BUCKETS_MS);
    const clientSide = await counts(reader, RPC_CLIENT_DURATION);
    expect(clientSide.byCall).toEqual(serverSide.byCall);
    expect([...clientSide.keys].sort()).toEqual(['rpc.grpc.status_code', 'rpc.method', 'rpc.service', 'rpc.system']);
  });

  it('records a call whose deadline passes: DEADLINE_EXCEEDED at the client, DEADLINE_EXCEEDED or CANCELLED at the server', async () => {
    // Which of the server's own deadline timer and the client's cancellation (sent when the
    // client's timer fires, a moment before the server's: it started first) reaches the server
    // first is a race; either way the server records the call once, as ended by its deadline.
    const ended = (byCall: Record<string, number>) => (byCall['Echo DEADLINE_EXCEEDED'] ?? 0) + (byCall['Echo CANCELLED'] ?? 0);
    const before = ended((await counts(reader, RPC_SERVER_DURATION)).byCall);
    const outcome = await client.echo({ payload: Buffer.from('hold') }, { timeoutMs: 150 }).then(
      () => 'OK',
      (error: ServiceError) => status[error.code],
    );
    expect(outcome).toBe('DEADLINE_EXCEEDED');
    // The server learns of it a moment later, late on a loaded machine: wait (progress, bounded).
    for (const until = Date.now() + 10_000; Date.now() < until && ended((await counts(reader, RPC_SERVER_DURATION)).byCall) === before; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    expect(ended((await counts(reader, RPC_SERVER_DURATION)).byCall)).toBe(before + 1);
    expect((await counts(reader, RPC_CLIENT_DURATION)).byCall['Echo DEADLINE_EXCEEDED']).toBe(1);
  });
});
