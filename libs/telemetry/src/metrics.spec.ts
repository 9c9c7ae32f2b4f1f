import { metrics } from '@opentelemetry/api';
import { shutdownTelemetry, startTelemetry } from './tracing';
import { metricsPort } from './metrics';

/** A port of its own for this suite, shifted like every fixed test port (SIGNALPATH_TEST_PORT_OFFSET). */
const PORT = 29461 + Number(process.env.SIGNALPATH_TEST_PORT_OFFSET || 0);

describe('metrics', () => {
  afterEach(() => shutdownTelemetry());

  it('reads the scrape port from its variable: default, a number, or off; refuses anything else', () => {
    const spec = { portVar: 'X_METRICS_PORT', defaultPort: 9461 };
    expect(metricsPort(spec, {})).toBe(9461);
    expect(metricsPort(spec, { X_METRICS_PORT: '9500' })).toBe(9500);
    expect(metricsPort(spec, { X_METRICS_PORT: 'off' })).toBeUndefined();
    // 0 would make the exporter fall back to its own default port, 9464: refused.
    for (const bad of ['0', 'abc', '70000']) expect(() => metricsPort(spec, { X_METRICS_PORT: bad })).toThrow(/X_METRICS_PORT must be a port number 1-65535 or "off"/);
  });

  it('serves what the services record on the scrape endpoint, with the service name', async () => {
    const handle = startTelemetry('test-service', { X_METRICS_PORT: String(PORT) }, { metrics: { portVar: 'X_METRICS_PORT', defaultPort: 1 } });
    expect(await handle?.metrics.prometheus?.listening).toBe(PORT);
    metrics.getMeter('spec').createCounter('signalpath.spec.events').add(3, { outcome: 'ok' });
    const body = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
    expect(body).toMatch(/^signalpath_spec_events_total\{[^}]*outcome="ok"[^}]*\} 3$/m);
    expect(body).toMatch(/^signalpath_spec_events_total\{[^}]*service_name="test-service"[^}]*\} 3$/m);
    expect(body).toMatch(/^target_info\{[^}]*service_name="test-service"/m);
  });

  it('has no endpoint when its port is off, and stops serving at shutdown', async () => {
    const off = startTelemetry('test-service', { X_METRICS_PORT: 'off' }, { metrics: { portVar: 'X_METRICS_PORT', defaultPort: PORT } });
    expect(off?.metrics.prometheus).toBeUndefined();
    await shutdownTelemetry();
    const on = startTelemetry('test-service', {}, { metrics: { portVar: 'X_METRICS_PORT', defaultPort: PORT } });
    await on?.metrics.prometheus?.listening;
    await shutdownTelemetry();
    await expect(fetch(`http://127.0.0.1:${PORT}/metrics`)).rejects.toThrow();
  });
});
