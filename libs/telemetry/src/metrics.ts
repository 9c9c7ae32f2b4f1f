import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';

/** Where a service serves its Prometheus scrape endpoint: `<KEY>_METRICS_PORT` (libs/config/src/stack.json). */
export interface MetricsEndpointSpec {
  /** e.g. `CONSENT_METRICS_PORT`; `off` turns the endpoint off. */
  portVar: string;
  /** e.g. 9461 (docs/deploy.md, "Ports"). */
  defaultPort: number;
}

export interface MetricsHandle {
  provider: MeterProvider;
  /** The scrape endpoint, when one was asked for: `listening` rejects when the port is taken. */
  prometheus?: { host: string; port: number; listening: Promise<number> };
}

/** Path of the scrape endpoint (Prometheus' default). */
export const METRICS_PATH = '/metrics';
/** How often metrics are pushed over OTLP when no OTEL_METRIC_EXPORT_INTERVAL is given (the spec's default). */
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/** The scrape endpoint's port from the environment: undefined when it is turned off. */
export function metricsPort(spec: MetricsEndpointSpec, env: NodeJS.ProcessEnv): number | undefined {
  const raw = (env[spec.portVar] ?? '').trim();
  if (raw === '') return spec.defaultPort;
  if (raw.toLowerCase() === 'off') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${spec.portVar} must be a port number 1-65535 or "off" (got "${raw}")`);
  return port;
}

/** OTLP push of metrics: with an OTLP endpoint, unless OTEL_METRICS_EXPORTER leaves `otlp` out. */
function otlpMetricsConfigured(env: NodeJS.ProcessEnv): boolean {
  const exporters = (env.OTEL_METRICS_EXPORTER ?? '').toLowerCase();
  if (exporters && !exporters.split(',').map((s) => s.trim()).includes('otlp')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
}

/**
 * The metrics SDK: a Prometheus scrape endpoint on `<KEY>_METRICS_PORT` (host
 * SIGNALPATH_METRICS_HOST, else SIGNALPATH_HOST, else 127.0.0.1, like the gRPC port) and OTLP/HTTP
 * push when the OTEL_EXPORTER_OTLP_* variables name an endpoint. Registered as the global meter
 * provider, so the instruments of grpc-kit and the services (created through @opentelemetry/api)
 * record into it. Labels are ids of methods, enums and reasons, never a user's id or text.
 */
export function startMetrics(resource: Resource, endpoint: MetricsEndpointSpec | undefined, env: NodeJS.ProcessEnv): MetricsHandle {
  const readers: IMetricReader[] = [];
  let prometheus: MetricsHandle['prometheus'];
  const port = endpoint ? metricsPort(endpoint, env) : undefined;
  if (port !== undefined) {
    const host = env.SIGNALPATH_METRICS_HOST || env.SIGNALPATH_HOST || '127.0.0.1';
    // Started below rather than by the constructor, so a port already taken is reported, not
    // swallowed by the exporter's diag logger (which logs nowhere by default).
    // service.name on every series as `service_name`: dashboards then work whatever the scrape
    // job is called (compose's static jobs, Kubernetes pod discovery).
    const exporter = new PrometheusExporter({ host, port, endpoint: METRICS_PATH, preventServerStart: true, withResourceConstantLabels: /^service\.name$/ });
    const listening = exporter.startServer().then(() => port);
    listening.catch((error: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', time: new Date().toISOString(), name: 'telemetry', port, error_code: (error as NodeJS.ErrnoException)?.code, msg: 'metrics scrape endpoint not started' })}\n`,
      );
    });
    prometheus = { host, port, listening };
    readers.push(exporter);
  }
  if (otlpMetricsConfigured(env)) {
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL) || DEFAULT_EXPORT_INTERVAL_MS;
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, 30_000) }));
  }
  const provider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(provider);
  return { provider, prometheus };
}
