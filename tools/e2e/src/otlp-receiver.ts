import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

function attributeMap(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map((a) => [a.key, Object.values(a.value ?? {})[0]]));
}

/**
 * A minimal OTLP/HTTP JSON trace receiver for tests: the services export to it exactly as they
 * would to a collector, and the test inspects what arrived — trace ids, service names, and every
 * attribute and event (to prove no message text is in a span).
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Every request body as received, for leak scans of the raw export. */
  readonly rawBodies: string[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        this.rawBodies.push(body);
        try {
          this.ingest(JSON.parse(body));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private ingest(payload: { resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> }) {
    for (const resourceSpan of payload.resourceSpans ?? []) {
      const service = String(attributeMap(resourceSpan.resource?.attributes)['service.name'] ?? '');
      for (const scope of resourceSpan.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: String(span.traceId),
            spanId: String(span.spanId),
            parentSpanId: String(span.parentSpanId ?? ''),
            name: String(span.name),
            kind: Number(span.kind),
            attributes: attributeMap(span.attributes as OtlpAttribute[]),
            events: ((span.events as Array<{ name: string; attributes?: OtlpAttribute[] }>) ?? []).map((e) => ({ name: e.name, attributes: attributeMap(e.attributes) })),
          });
        }
      }
    }
  }

  /** Waits until `predicate` holds over the received spans (exports are batched). */
  async waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      if (Date.now() > deadline) throw new Error(`spans did not arrive within ${timeoutMs} ms (have ${this.spans.length})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
