import { context, propagation, trace } from '@opentelemetry/api';
import { shutdownTelemetry, startTelemetry } from './tracing';

describe('startTelemetry', () => {
  const saved = { ...process.env };
  afterEach(async () => {
    await shutdownTelemetry();
    process.env = { ...saved };
  });

  it('does nothing with OTEL_SDK_DISABLED=true', () => {
    expect(startTelemetry('test-service', { OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('records spans with the service name, the OTEL_RESOURCE_ATTRIBUTES, and W3C propagation', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=test';
    const handle = startTelemetry('test-service', {});
    expect(handle).toBeDefined();
    // Started once per process: a second call returns the same handle.
    expect(startTelemetry('other-name', {})).toBe(handle);

    const span = trace.getTracer('spec').startSpan('work');
    expect(span.isRecording()).toBe(true);
    const attributes = (span as unknown as { resource: { attributes: Record<string, unknown> } }).resource.attributes;
    expect(attributes).toMatchObject({ 'service.name': 'test-service', 'deployment.environment': 'test' });

    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${span.spanContext().traceId}-${span.spanContext().spanId}-01$`));
    span.end();
  });

  it('lets OTEL_SERVICE_NAME override the default name', () => {
    process.env.OTEL_SERVICE_NAME = 'renamed';
    startTelemetry('test-service', {});
    const span = trace.getTracer('spec').startSpan('work');
    expect((span as unknown as { resource: { attributes: Record<string, unknown> } }).resource.attributes['service.name']).toBe('renamed');
    span.end();
  });
});
