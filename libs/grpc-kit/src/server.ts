import { Server, ServerCredentials, type ServerInterceptor, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { AdmissionGate, admitService, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from './admission';
import { guardInterceptors, stderrErrorSink } from './guard';
import { rpcServerMetricsInterceptor } from './rpc-metrics';
import type { ErrorSink } from './unary';

/** Receive limit for every server: 4 MiB (grpc-js default) made explicit. */
export const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

export interface ServiceRegistration {
  /** Fully-qualified name, e.g. `signalpath.consent.v1.ConsentService`. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  services: ServiceRegistration[];
  /**
   * FileDescriptorSets built by `buf build` (imports included) served through reflection, so
   * grpcurl needs no proto files. Include grpc.health.v1's so health can be called by name.
   */
  descriptorSets?: Uint8Array[];
  maxReceiveMessageBytes?: number;
  channelOptions?: Record<string, unknown>;
  /**
   * Run before every handler, e.g. service-token authentication. Each is guarded: an exception
   * in it becomes INTERNAL for that call and a log line on `errorSink`, never a dead process.
   */
  interceptors?: ServerInterceptor[];
  /** Where guarded interceptor failures are logged (default: a JSON line on stderr). */
  errorSink?: ErrorSink;
  /** Listen with TLS (mTLS when it requires client certificates); insecure when absent. */
  credentials?: ServerCredentials;
  /**
   * Load shedding for the services' unary calls (health and reflection are exempt): default
   * DEFAULT_ADMISSION_LIMITS; `false` turns it off.
   */
  admission?: AdmissionLimits | false;
  /**
   * `rpc.server.duration` for every call (rpc-metrics.ts), into the global OpenTelemetry meter
   * provider (a no-op without one); `false` leaves it out (to measure its cost).
   */
  rpcMetrics?: boolean;
}

/**
 * A grpc-js server with health (`grpc.health.v1.Health`) and reflection, so grpcurl needs no
 * proto files. Health starts NOT_SERVING and is flipped by the owner once dependencies are ready.
 */
export class GrpcServer {
  readonly server: Server;
  readonly health: HealthImplementation;
  /** The services' admission queue (undefined when load shedding is off). */
  readonly admission?: AdmissionGate;
  private readonly serviceNames: string[];
  private boundPort?: number;
  private readonly credentials: ServerCredentials;

  constructor(options: GrpcServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_BYTES,
      'grpc.keepalive_permit_without_calls': 1,
      ...options.channelOptions,
      // RPC metrics first: closest to the transport, they see the status every other layer sends.
      interceptors: guardInterceptors(
        [...(options.rpcMetrics === false ? [] : [rpcServerMetricsInterceptor()]), ...(options.interceptors ?? [])],
        options.errorSink ?? stderrErrorSink,
      ),
    });
    this.credentials = options.credentials ?? ServerCredentials.createInsecure();
    this.serviceNames = options.services.map((service) => service.name);
    this.health = new HealthImplementation(Object.fromEntries(['', ...this.serviceNames].map((name) => [name, 'NOT_SERVING'])));
    this.health.addToServer(this.server);
    if (options.admission !== false) this.admission = new AdmissionGate(options.admission ?? DEFAULT_ADMISSION_LIMITS);
    for (const service of options.services) {
      const implementation = this.admission ? admitService(service.definition, service.implementation, this.admission) : service.implementation;
      this.server.addService(service.definition, implementation);
    }
    if (options.descriptorSets?.length) this.addReflection(options.descriptorSets);
  }

  /**
   * @grpc/reflection reads only `fileDescriptorProtos` from a package definition. Feeding it the
   * files exactly as buf wrote them keeps their dependency lists, which proto-loader's
   * round-trip through protobufjs drops (grpcurl then cannot resolve google.protobuf types).
   */
  private addReflection(descriptorSets: Uint8Array[]): void {
    const fileDescriptorProtos = descriptorSets.flatMap((bytes) => splitFileDescriptorSet(bytes));
    const definition = { descriptors: { fileDescriptorProtos } } as unknown as PackageDefinition;
    const reflection = new ReflectionService(definition, { services: [...this.serviceNames, 'grpc.health.v1.Health'] });
    reflection.addToServer(this.server);
  }

  /** Binds host:port (0 picks a free port) and resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, this.credentials, (error, boundPort) => {
        if (error) return reject(error);
        this.boundPort = boundPort;
        resolve(boundPort);
      });
    });
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** Sets the overall and per-service health status. */
  setServing(serving: boolean): void {
    const value = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, value);
  }

  /**
   * Graceful stop: NOT_SERVING, then `drainMs` more of accepting calls — so health-checking
   * clients move away, and a call already sent but not yet read by a busy event loop is still
   * served rather than refused — then tryShutdown bounded by `graceMs` so in-flight calls
   * finish, then forceShutdown for whatever is left.
   */
  async shutdown(graceMs: number, drainMs = 0): Promise<'graceful' | 'forced'> {
    this.setServing(false);
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    const graceful = new Promise<'graceful'>((resolve) => this.server.tryShutdown(() => resolve('graceful')));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'forced'>((resolve) => {
      timer = setTimeout(() => resolve('forced'), graceMs);
    });
    const outcome = await Promise.race([graceful, bound]);
    clearTimeout(timer);
    if (outcome === 'forced') this.server.forceShutdown();
    return outcome;
  }
}

function readVarint(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length; i++) {
    value += (bytes[i] & 0x7f) * 2 ** shift;
    if ((bytes[i] & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error('truncated varint in descriptor set');
}

/**
 * Splits a serialized FileDescriptorSet (`repeated FileDescriptorProto file = 1`) into each
 * file's bytes, untouched.
 */
export function splitFileDescriptorSet(bytes: Uint8Array): Buffer[] {
  const files: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, offset);
    if (tag !== 0x0a) throw new Error(`unexpected field tag ${tag} in descriptor set`);
    const [length, start] = readVarint(bytes, afterTag);
    files.push(Buffer.from(bytes.subarray(start, start + length)));
    offset = start + length;
  }
  return files;
}
