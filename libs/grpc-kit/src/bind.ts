import type { handleUnaryCall, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ServiceRegistration } from './server';
import { unary, type ErrorSink } from './unary';

/**
 * A ts-proto generated server interface (e.g. `consent.ConsentServiceServer`) in async form: each
 * RPC is `(request, call) => Promise<response>`. The index signature grpc-js adds is left out, so a
 * missing RPC is a type error where the parts are put together.
 */
export type AsyncServer<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res> ? (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> : never;
};

/** What one handler module returns: some of a service's RPCs (`satisfies Handlers<…Server>`). */
export type Handlers<S> = Partial<AsyncServer<S>>;

/** The fully-qualified gRPC name of a generated service definition, from its methods' paths. */
export function serviceNameOf(definition: ServiceDefinition): string {
  const names = new Set(Object.values(definition).map((method) => method.path.replace(/^\/([^/]+)\/.*$/, '$1')));
  if (names.size !== 1) throw new Error(`a service definition names one service; this one names ${[...names].join(', ') || 'none'}`);
  return [...names][0];
}

/**
 * The one way a service's handlers reach grpc-js: every RPC of the generated `definition` gets its
 * async handler, wrapped by unary() (the single error map; unexpected errors logged on `sink` by
 * name, never the request). Admission and metrics are the server's (GrpcServer). The gRPC name comes
 * from the definition, so no service spells it. A missing handler fails here, naming the RPC.
 */
export function bindService<S>(definition: ServiceDefinition, handlers: AsyncServer<S>, sink: ErrorSink): ServiceRegistration {
  const byKey = handlers as unknown as Record<string, ((request: unknown, call: ServerUnaryCall<unknown, unknown>) => Promise<unknown>) | undefined>;
  const implementation: UntypedServiceImplementation = {};
  const missing: string[] = [];
  for (const [key, method] of Object.entries(definition)) {
    const handler = byKey[key];
    if (method.requestStream || method.responseStream) throw new Error(`${method.path}: only unary RPCs are bound by bindService`);
    if (typeof handler !== 'function') missing.push(method.path.slice(method.path.lastIndexOf('/') + 1));
    else implementation[key] = unary(handler, sink);
  }
  const name = serviceNameOf(definition);
  if (missing.length > 0) throw new Error(`${name}: no handler for ${missing.join(', ')}`);
  const unknown = Object.keys(byKey).filter((key) => !(key in definition));
  if (unknown.length > 0) throw new Error(`${name}: handlers for RPCs it does not have: ${unknown.join(', ')}`);
  return { name, definition, implementation };
}
