import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { startMetrics, type MetricsEndpointSpec, type MetricsHandle } from './metrics';

// instrumentation.js and main.js are separate bundles, so the SDK handle lives on globalThis.
const SDK_KEY = Symbol.for('signalpath.telemetry.sdk');
type Holder = { [SDK_KEY]?: TelemetryHandle };

export interface TelemetryHandle {
  provider: NodeTracerProvider;
  metrics: MetricsHandle;
  disableInstrumentations: () => void;
}

export interface TelemetryOptions {
  /** The service's Prometheus scrape endpoint; none when absent (OTLP push still applies). */
  metrics?: MetricsEndpointSpec;
}

function otlpConfigured(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_TRACES_EXPORTER ?? '').toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts OpenTelemetry for `serviceName`. Must run before @grpc/grpc-js or mongodb is first
 * required, which is why each app preloads it with `node --require <app>/instrumentation.js`.
 *
 * Spans are always recorded (so logs carry trace ids and context propagates), and exported over
 * OTLP/HTTP only when the standard OTEL_EXPORTER_OTLP_* variables name an endpoint.
 * OTEL_SDK_DISABLED=true turns telemetry off entirely (used to measure its cost).
 * Metrics (./metrics.ts) share the resource: a Prometheus scrape endpoint per service, and OTLP
 * push under the same condition as spans.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env, options: TelemetryOptions = {}): TelemetryHandle | undefined {
  const holder = globalThis as Holder;
  if (holder[SDK_KEY]) return holder[SDK_KEY];
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return undefined;

  const spanProcessors: SpanProcessor[] = otlpConfigured(env)
    ? [new BatchSpanProcessor(new OTLPTraceExporter())]
    : [new NoopSpanProcessor()];
  // The trace SDK wired by hand rather than through @opentelemetry/sdk-node's NodeSDK: NodeSDK
  // loads every metrics, logs and trace exporter it might be configured for (~33 MB more RSS per
  // process, measured), and only traces are exported here. What it would read from the
  // environment still applies: OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (envDetector),
  // OTEL_TRACES_SAMPLER[_ARG] and span limits (the provider), OTEL_EXPORTER_OTLP_* (the exporter).
  const detected = detectResources({ detectors: [envDetector] });
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }).merge(detected);
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  // W3C trace context and baggage propagation, AsyncLocalStorage context.
  provider.register();
  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    // Mongo statements are recorded with values replaced (enhancedDatabaseReporting off), and
    // gRPC spans carry method and status only: no message content ever reaches a span.
    instrumentations: [new GrpcInstrumentation(), new MongoDBInstrumentation({ enhancedDatabaseReporting: false })],
  });
  const handle = { provider, metrics: startMetrics(resource, options.metrics, env), disableInstrumentations };
  holder[SDK_KEY] = handle;
  return handle;
}

/** Flushes and stops telemetry; safe to call when it never started. */
export async function shutdownTelemetry(): Promise<void> {
  const holder = globalThis as Holder;
  const handle = holder[SDK_KEY];
  delete holder[SDK_KEY];
  if (!handle) return;
  handle.disableInstrumentations();
  // Metrics last pushed (OTLP) and the scrape endpoint closed, alongside the spans' flush.
  await Promise.all([handle.provider.shutdown(), handle.metrics.provider.shutdown()]);
  // Unregister the globals too, so telemetry can be started again in the same process (tests).
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
}
