import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes JSON with service name and level label', () => {
    const logger = createLogger('test-service', 'debug');
    expect(logger.level).toBe('debug');
    expect(logger.bindings()).toMatchObject({ service: 'test-service' });
  });

  it('adds trace_id and span_id of the active span', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer('test');
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const logger = createLogger('svc');
    const child = pino({ mixin: (logger as unknown as { [k: symbol]: unknown })[pino.symbols.mixinSym] as () => object }, sink);
    const span = tracer.startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => child.info({ count: 1 }, 'hello'));
    span.end();
    const entry = JSON.parse(lines[0]);
    expect(entry.trace_id).toBe(span.spanContext().traceId);
    expect(entry.span_id).toBe(span.spanContext().spanId);
    context.disable();
  });
});
