import { NodeSDK } from '@opentelemetry/sdk-node';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

// instrumentation.js and main.js are separate bundles, so the SDK handle lives on globalThis.
const SDK_KEY = Symbol.for('signalpath.telemetry.sdk');
type Holder = { [SDK_KEY]?: NodeSDK };

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
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): NodeSDK | undefined {
  const holder = globalThis as Holder;
  if (holder[SDK_KEY]) return holder[SDK_KEY];
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return undefined;
  // Only traces are exported; keep the SDK from guessing metric or log exporters.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';

  const spanProcessors: SpanProcessor[] = otlpConfigured(env)
    ? [new BatchSpanProcessor(new OTLPTraceExporter())]
    : [new NoopSpanProcessor()];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors,
    // Mongo statements are recorded with values replaced (enhancedDatabaseReporting off), and
    // gRPC spans carry method and status only: no message content ever reaches a span.
    instrumentations: [new GrpcInstrumentation(), new MongoDBInstrumentation({ enhancedDatabaseReporting: false })],
  });
  sdk.start();
  holder[SDK_KEY] = sdk;
  return sdk;
}

/** Flushes and stops telemetry; safe to call when it never started. */
export async function shutdownTelemetry(): Promise<void> {
  const holder = globalThis as Holder;
  const sdk = holder[SDK_KEY];
  delete holder[SDK_KEY];
  if (sdk) await sdk.shutdown();
}
