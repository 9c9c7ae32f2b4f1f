import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Interceptor,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { metrics, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import { deadlineMsOf } from './deadline';

/**
 * RPC metrics after OpenTelemetry's RPC semantic conventions, in the form the gRPC
 * instrumentations of other languages and most dashboards use: `rpc.server.duration` and
 * `rpc.client.duration` histograms in milliseconds with `rpc.system`, `rpc.service`, `rpc.method`
 * and `rpc.grpc.status_code`. One histogram gives rate (its count), errors (count by status) and
 * latency (its buckets). @opentelemetry/instrumentation-grpc records spans only, so these come from
 * interceptors. (Semantic conventions 1.3x renamed them `rpc.*.call.duration` in seconds; the
 * older names are what the brief and the dashboard (deploy/grafana) use.)
 *
 * Labels are the method's path and the status code: never metadata, a peer or a message.
 */
export const RPC_SERVER_DURATION = 'rpc.server.duration';
export const RPC_CLIENT_DURATION = 'rpc.client.duration';

/** Fine at the low end: a loopback call takes ~0.2 ms (DESIGN.md), a database call a few ms. */
export const RPC_DURATION_BUCKETS_MS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const METER_NAME = '@signalpath/grpc-kit';

/** `/signalpath.consent.v1.ConsentService/GetSettings` → service and method attributes. */
function methodAttributes(path: string): Attributes {
  const slash = path.lastIndexOf('/');
  return { 'rpc.system': 'grpc', 'rpc.service': path.slice(1, slash), 'rpc.method': path.slice(slash + 1) };
}

/** Per-method attributes, computed once per method path (a bounded set: registered methods only). */
function attributeCache(): (path: string, code: number) => Attributes {
  const cache = new Map<string, Attributes[]>();
  return (path, code) => {
    let byCode = cache.get(path);
    if (!byCode) {
      byCode = [];
      cache.set(path, byCode);
    }
    return (byCode[code] ??= { ...methodAttributes(path), 'rpc.grpc.status_code': code });
  };
}

function durationHistogram(meter: Meter, name: string, side: string): Histogram {
  return meter.createHistogram(name, {
    unit: 'ms',
    description: `Duration of ${side} gRPC calls, by method and status code`,
    advice: { explicitBucketBoundaries: RPC_DURATION_BUCKETS_MS },
  });
}

/**
 * Times every call a server receives, from its headers to its status, whatever ends it: the
 * handler, an interceptor refusing it (UNAUTHENTICATED), load shedding (RESOURCE_EXHAUSTED), or
 * the client going away (CANCELLED; DEADLINE_EXCEEDED when its deadline had passed). Install it
 * first, so it sees the status the other interceptors send.
 */
export function rpcServerMetricsInterceptor(meter: Meter = metrics.getMeter(METER_NAME)): ServerInterceptor {
  const duration = durationHistogram(meter, RPC_SERVER_DURATION, 'server');
  const attributes = attributeCache();
  return (method, call) => {
    const start = performance.now();
    let recorded = false;
    const record = (code: number) => {
      if (recorded) return;
      recorded = true;
      duration.record(performance.now() - start, attributes(method.path, code));
    };
    const responder = new ResponderBuilder()
      .withStart((next) => {
        next(
          new ServerListenerBuilder()
            .withOnCancel(() => {
              record(Date.now() >= deadlineMsOf(call) ? status.DEADLINE_EXCEEDED : status.CANCELLED);
            })
            .build(),
        );
      })
      .withSendStatus((value, next) => {
        record(value.code ?? status.UNKNOWN);
        next(value);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}

/**
 * Times every call a client makes, once per call (retries included), to the status it ends
 * with, whether the server, the channel (UNAVAILABLE) or the deadline set it.
 */
export function rpcClientMetricsInterceptor(meter: Meter = metrics.getMeter(METER_NAME)): Interceptor {
  const duration = durationHistogram(meter, RPC_CLIENT_DURATION, 'client');
  const attributes = attributeCache();
  return (options, nextCall) => {
    const start = performance.now();
    const path = options.method_definition.path;
    const requester = new RequesterBuilder()
      .withStart((metadata, listener, next) => {
        next(
          metadata,
          new ListenerBuilder()
            .withOnReceiveStatus((value, nextStatus) => {
              duration.record(performance.now() - start, attributes(path, value.code));
              nextStatus(value);
            })
            .build(),
        );
      })
      .build();
    return new InterceptingCall(nextCall(options), requester);
  };
}
