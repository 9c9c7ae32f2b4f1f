import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  propagate as Propagate,
  type CallOptions,
  type ChannelCredentials,
  type MethodDefinition,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { deadlineMsOf } from './deadline';
import { rpcClientMetricsInterceptor } from './rpc-metrics';

/** A server call whose deadline and cancellation an outgoing call inherits. */
export type ParentCall = NonNullable<CallOptions['parent']>;

/** Default per-call deadline when the caller gives none. */
export const DEFAULT_CALL_TIMEOUT_MS = 2_000;

export interface CallOverrides {
  /** The server call this request is made for: its deadline and cancellation propagate. */
  parent?: ParentCall;
  timeoutMs?: number;
  metadata?: Metadata;
  /**
   * Take the parent's deadline but not its cancellation: for a lookup shared by several server
   * calls (single-flight), which must not end because the first of them went away.
   */
  detachCancellation?: boolean;
}

type MethodsOf<S> = {
  [K in keyof S]: S[K] extends MethodDefinition<infer Req, infer Res> ? (request: Req, overrides?: CallOverrides) => Promise<Res> : never;
};

/** A promise-returning client for a ts-proto grpc-js service definition. */
export type PromiseClient<S extends ServiceDefinition> = MethodsOf<S> & { close(): void; readonly address: string };

export interface ClientOptions {
  /** Fully-qualified service name, used for the retry policy. */
  serviceName: string;
  /** Method names (as in the proto, e.g. `GetSettings`) safe to retry on UNAVAILABLE. */
  idempotentMethods?: string[];
  timeoutMs?: number;
  credentials?: ChannelCredentials;
  /** Adds metadata (e.g. a service token) to every call; a Promise when it must be made first. */
  metadataProvider?: () => Metadata | Promise<Metadata>;
  maxReceiveMessageBytes?: number;
  /** Extra channel options, e.g. `grpc.ssl_target_name_override` for the server's TLS name. */
  channelOptions?: Record<string, string | number>;
  /** `rpc.client.duration` for every call (rpc-metrics.ts); `false` leaves it out. */
  rpcMetrics?: boolean;
}

/**
 * gRPC service config: a retry policy for idempotent methods only — a retried write that is not
 * idempotent could apply twice — and, when the target names several replicas (`roundRobin`: a
 * comma list, or a `dns:` name such as a Kubernetes headless Service with one address per ready
 * pod), round robin over them, a retried call being picked again so it can land on another
 * replica. One address keeps grpc-js's pick_first: after that server restarts, the next call
 * reconnects at once, where round robin would fail calls until its reconnect backoff ends.
 */
export function retryServiceConfig(serviceName: string, methods: string[], roundRobin = false): string {
  const balancing = roundRobin ? { loadBalancingConfig: [{ round_robin: {} }] } : {};
  if (methods.length === 0) return JSON.stringify(balancing);
  return JSON.stringify({
    ...balancing,
    methodConfig: [
      {
        name: methods.map((method) => ({ service: serviceName, method })),
        retryPolicy: {
          maxAttempts: 4,
          initialBackoff: '0.05s',
          maxBackoff: '0.5s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  });
}

const IPV4_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/;
const IPV6_ADDRESS = /^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

/**
 * The grpc-js channel target for a service address: `host:port` and any scheme grpc-js knows
 * (`dns:///name:port`, `ipv4:…`, `unix:…`) as given; a comma list of IP addresses
 * (`10.0.0.5:50054,10.0.0.6:50054`, or bracketed IPv6) as grpc-js's static `ipv4:` / `ipv6:`
 * target, which round robin then spreads calls over. grpc-js has no static list of host names:
 * use a `dns:` name that resolves to every replica instead.
 */
export function channelTarget(address: string): string {
  if (!address.includes(',')) return address;
  const parts = address.split(',').map((part) => part.trim());
  if (parts.every((part) => IPV4_ADDRESS.test(part))) return `ipv4:${parts.join(',')}`;
  if (parts.every((part) => IPV6_ADDRESS.test(part))) return `ipv6:${parts.join(',')}`;
  throw new Error(`service address "${address}": a comma list must be IPv4 addresses or bracketed IPv6 addresses, each with a port (use a dns: name for host names)`);
}

/** Does `address` name several replicas (a comma list, or a `dns:` name that may resolve to many)? */
export function namesReplicas(address: string): boolean {
  return address.includes(',') || address.startsWith('dns:');
}

/** The earlier of now + timeout and the parent call's deadline. */
export function effectiveDeadline(timeoutMs: number, parent?: ParentCall): Date {
  return new Date(Math.min(Date.now() + timeoutMs, deadlineMsOf(parent)));
}

/**
 * Builds a client whose every call has a deadline (default 2 s, never later than the parent's)
 * and propagates the parent call's cancellation. `address` may name several replicas (see
 * `channelTarget`); calls are then spread over them round robin.
 */
export function createClient<S extends ServiceDefinition>(definition: S, address: string, options: ClientOptions): PromiseClient<S> {
  const channel = new Client(channelTarget(address), options.credentials ?? grpcCredentials.createInsecure(), {
    'grpc.service_config': retryServiceConfig(options.serviceName, options.idempotentMethods ?? [], namesReplicas(address)),
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
    ...options.channelOptions,
    ...(options.rpcMetrics === false ? {} : { interceptors: [rpcClientMetricsInterceptor()] }),
  });
  const defaultTimeout = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const client: Record<string, unknown> = {
    address,
    close: () => channel.close(),
  };
  for (const [key, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    client[key] = (request: unknown, overrides: CallOverrides = {}) => {
      // The deadline counts from the call, even when the metadata (a token) takes a moment to make.
      const deadline = effectiveDeadline(overrides.timeoutMs ?? defaultTimeout, overrides.parent);
      const send = (extra?: Metadata) =>
        new Promise((resolve, reject) => {
          const metadata = overrides.metadata?.clone() ?? new Metadata();
          if (extra) metadata.merge(extra);
          const callOptions: CallOptions = { deadline };
          if (overrides.parent) {
            callOptions.parent = overrides.parent;
            if (overrides.detachCancellation) callOptions.propagate_flags = Propagate.DEFAULTS & ~Propagate.CANCELLATION;
          }
          channel.makeUnaryRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize,
            request,
            metadata,
            callOptions,
            (error: ServiceError | null, response?: unknown) => (error ? reject(error) : resolve(response)),
          );
        });
      if (!options.metadataProvider) return send();
      let extra: Metadata | Promise<Metadata>;
      try {
        extra = options.metadataProvider();
      } catch (error) {
        return Promise.reject(error);
      }
      return extra instanceof Metadata ? send(extra) : extra.then(send);
    };
  }
  return client as PromiseClient<S>;
}
