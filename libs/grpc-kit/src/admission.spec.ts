import { credentials, makeGenericClientConstructor, status, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { bench, descriptorSet, healthDescriptorSet } from '@signalpath/proto';
import { AdmissionGate, eventLoopLagMs, type Overload } from './admission';
import { ERROR_DOMAIN, readStatus, RETRY_PUSHBACK_TRAILER, retryDelayOf, type ReadStatus } from './status-details';
import { createClient } from './clients';
import { GrpcServer } from './server';
import { unary } from './unary';

const ECHO = 'signalpath.bench.v1.EchoService';

/** A gate driven by hand: which waiters started, which were refused and why. */
function harness(limits: { maxConcurrent: number; maxQueue: number }, loopLagMs = 0) {
  let now = 0;
  const gate = new AdmissionGate(limits, () => now, () => 0, () => loopLagMs);
  const started: number[] = [];
  const refused: Array<{ id: number } & Overload> = [];
  const enter = (id: number, deadline = Number.POSITIVE_INFINITY) =>
    gate.enter(deadline, () => started.push(id), (overload) => refused.push({ id, ...overload }));
  return { gate, started, refused, enter, tick: (ms: number) => (now += ms) };
}

describe('AdmissionGate', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueue, refuses the rest at once', () => {
    const h = harness({ maxConcurrent: 2, maxQueue: 3 });
    for (let id = 0; id < 7; id++) h.enter(id);
    expect(h.started).toEqual([0, 1]);
    expect(h.refused.map((r) => [r.id, r.reason])).toEqual([
      [5, 'queue_full'],
      [6, 'queue_full'],
    ]);
    expect(h.gate.stats()).toMatchObject({ running: 2, queued: 3 });
    h.gate.release(10);
    expect(h.started).toEqual([0, 1, 2]);
    h.gate.release(10);
    h.gate.release(10);
    h.gate.release(10);
    expect(h.started).toEqual([0, 1, 2, 3, 4]);
    expect(h.gate.stats()).toMatchObject({ running: 1, queued: 0, admitted: 5 });
  });

  it('gives a retry hint that grows with the queue', () => {
    const h = harness({ maxConcurrent: 1, maxQueue: 0 });
    h.enter(0);
    h.enter(1);
    const short = h.refused[0].retryAfterMs;
    const g = harness({ maxConcurrent: 1, maxQueue: 50 });
    for (let id = 0; id < 52; id++) g.enter(id);
    expect(g.refused.map((r) => r.reason)).toEqual(['queue_full']);
    expect(g.refused[0].retryAfterMs).toBeGreaterThan(short);
  });

  it('refuses at once a call the queue cannot serve within its deadline', () => {
    const h = harness({ maxConcurrent: 1, maxQueue: 100 });
    // Teach it that a call takes about 100 ms.
    for (let i = 0; i < 40; i++) {
      h.enter(1000 + i);
      h.gate.release(100);
    }
    h.enter(0);
    for (let id = 1; id <= 10; id++) h.enter(id, 10_000);
    // Ten ahead at ~100 ms each: a 300 ms deadline cannot be met, 10 s can.
    h.enter(11, 300);
    h.enter(12, 10_000);
    expect(h.refused.map((r) => [r.id, r.reason])).toEqual([[11, 'deadline_unreachable']]);
  });

  it('drops a queued call before its deadline when it has not started, never leaving it to time out', () => {
    // The running call takes far longer than estimated: the waiter is dropped at its last useful moment.
    jest.useFakeTimers();
    try {
      const g = harness({ maxConcurrent: 1, maxQueue: 10 });
      g.enter(0);
      g.enter(1, 1_000);
      jest.advanceTimersByTime(800);
      expect(g.refused).toEqual([]);
      jest.advanceTimersByTime(100);
      expect(g.refused.map((r) => [r.id, r.reason])).toEqual([[1, 'dropped_before_deadline']]);
      g.gate.release(900);
      expect(g.started).toEqual([0]);
      expect(g.gate.stats()).toMatchObject({ running: 0, queued: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('drops a waiter earlier while the event loop lags, since its answer will leave late too', () => {
    jest.useFakeTimers();
    try {
      const calm = harness({ maxConcurrent: 1, maxQueue: 10 });
      const lagging = harness({ maxConcurrent: 1, maxQueue: 10 }, 500);
      for (const g of [calm, lagging]) {
        g.enter(0);
        g.enter(1, 1_000);
      }
      jest.advanceTimersByTime(400);
      expect(calm.refused).toEqual([]);
      expect(lagging.refused.map((r) => [r.id, r.reason])).toEqual([[1, 'dropped_before_deadline']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('measures the event loop lag: a loop blocked for 300 ms shows it', async () => {
    eventLoopLagMs();
    await new Promise((r) => setTimeout(r, 120));
    const blockedUntil = performance.now() + 300;
    while (performance.now() < blockedUntil);
    await new Promise((r) => setTimeout(r, 120));
    expect(eventLoopLagMs()).toBeGreaterThanOrEqual(200);
  });

  it('skips a queued call whose deadline is too close when its turn comes', () => {
    const h = harness({ maxConcurrent: 1, maxQueue: 10 });
    h.enter(0);
    h.enter(1, 500);
    h.enter(2);
    h.tick(490);
    h.gate.release(490);
    expect(h.started).toEqual([0, 2]);
    expect(h.refused.map((r) => [r.id, r.reason])).toEqual([[1, 'dropped_before_deadline']]);
  });

  it('forgets a cancelled waiter, and a free slot is never left unused', () => {
    const h = harness({ maxConcurrent: 1, maxQueue: 10 });
    h.enter(0);
    const waiting = h.enter(1);
    waiting.cancel();
    expect(h.gate.stats().queued).toBe(0);
    h.gate.release();
    expect(h.gate.stats()).toMatchObject({ running: 0, queued: 0 });
    // With nothing running and the cancelled waiter gone, the next call starts at once.
    h.enter(2);
    expect(h.started).toEqual([0, 2]);
  });
});

describe('load shedding on a real server', () => {
  /** An echo server whose handler waits until the test lets calls finish. */
  async function startSlowEcho(admission: { maxConcurrent: number; maxQueue: number }) {
    const gates: Array<() => void> = [];
    let handled = 0;
    const server = new GrpcServer({
      services: [
        {
          name: ECHO,
          definition: bench.EchoServiceService,
          implementation: {
            echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
              handled++;
              await new Promise<void>((resolve) => gates.push(resolve));
              return { payload: request.payload };
            }),
          },
        },
      ],
      descriptorSets: [descriptorSet, healthDescriptorSet],
      admission,
    });
    const port = await server.listen('127.0.0.1', 0);
    server.setServing(true);
    const client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 10_000 });
    return { server, port, client, gates, handled: () => handled };
  }

  it('answers excess calls RESOURCE_EXHAUSTED at once with grpc-retry-pushback-ms and google.rpc.RetryInfo, serves the admitted ones, and keeps health open', async () => {
    const echo = await startSlowEcho({ maxConcurrent: 2, maxQueue: 3 });
    try {
      const outcomes: Array<{ code: number; ms: number; pushback?: string; details?: string; rich?: ReadStatus; retryDelay?: number }> = [];
      const started = Date.now();
      const calls = Array.from({ length: 20 }, () =>
        echo.client.echo({ payload: Buffer.from('x') }).then(
          () => outcomes.push({ code: status.OK, ms: Date.now() - started }),
          (error: ServiceError) =>
            outcomes.push({
              code: error.code,
              ms: Date.now() - started,
              pushback: error.metadata?.get(RETRY_PUSHBACK_TRAILER)[0]?.toString(),
              details: error.details,
              rich: readStatus(error),
              retryDelay: retryDelayOf(error),
            }),
        ),
      );
      // 15 refused while the admitted calls are still held.
      for (let i = 0; i < 200 && outcomes.length < 15; i++) await new Promise((r) => setTimeout(r, 10));
      expect(outcomes).toHaveLength(15);
      for (const o of outcomes) {
        expect(o.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(Number(o.pushback)).toBeGreaterThan(0);
        expect(o.details).toMatch(/server overloaded \(too many calls waiting\); retry after \d+ ms/);
        // The same advice as google.rpc.RetryInfo in grpc-status-details-bin, and why.
        expect(o.rich?.details.retryDelayMs).toBe(Number(o.pushback));
        expect(o.rich?.details.errorInfo).toEqual({ reason: 'OVERLOADED', domain: ERROR_DOMAIN, metadata: { cause: 'queue_full' } });
        expect(o.retryDelay).toBe(Number(o.pushback));
      }
      expect(echo.handled()).toBe(2);
      expect(echo.server.admission?.stats()).toMatchObject({ running: 2, queued: 3 });

      // Health is not behind the gate.
      const Health = makeGenericClientConstructor(healthService, 'Health');
      const health = new Health(`127.0.0.1:${echo.port}`, credentials.createInsecure());
      const answer = await new Promise<{ status: unknown }>((resolve, reject) => health.check({ service: '' }, (e: Error | null, r: { status: unknown }) => (e ? reject(e) : resolve(r))));
      health.close();
      expect(answer.status).toBe('SERVING');

      // Release everything: the queued calls run in turn and end OK.
      while (outcomes.length < 20) {
        echo.gates.splice(0).forEach((release) => release());
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(calls);
      expect(outcomes.filter((o) => o.code === status.OK)).toHaveLength(5);
      expect(echo.server.admission?.stats()).toMatchObject({ running: 0, queued: 0, admitted: 5 });
    } finally {
      echo.gates.splice(0).forEach((release) => release());
      echo.client.close();
      await echo.server.shutdown(1_000);
    }
  });

  it('answers a queued call RESOURCE_EXHAUSTED before its deadline instead of letting it time out', async () => {
    const echo = await startSlowEcho({ maxConcurrent: 1, maxQueue: 10 });
    try {
      const held = echo.client.echo({ payload: Buffer.from('a') }).catch(() => undefined);
      for (let i = 0; i < 100 && echo.handled() === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      const queued = await echo.client.echo({ payload: Buffer.from('b') }, { timeoutMs: 600 }).then(
        () => ({ code: status.OK }),
        (error: ServiceError) => ({ code: error.code, pushback: error.metadata?.get(RETRY_PUSHBACK_TRAILER)[0]?.toString() }),
      );
      const elapsed = Date.now() - started;
      expect(queued.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(elapsed).toBeLessThan(600);
      // Dropped while queued — or, when this machine's event loop lags, refused on arrival already
      // (the margin includes the lag); the hand-driven gate above covers each path alone.
      const refused = echo.server.admission?.stats().refused;
      expect((refused?.dropped_before_deadline ?? 0) + (refused?.deadline_unreachable ?? 0)).toBe(1);
      echo.gates.splice(0).forEach((release) => release());
      await held;
    } finally {
      echo.gates.splice(0).forEach((release) => release());
      echo.client.close();
      await echo.server.shutdown(1_000);
    }
  });

  it('frees the slot of a call whose client went away', async () => {
    const echo = await startSlowEcho({ maxConcurrent: 1, maxQueue: 0 });
    try {
      await echo.client.echo({ payload: Buffer.from('a') }, { timeoutMs: 200 }).catch(() => undefined);
      // The handler is still held, but the call ended: the slot is free again.
      for (let i = 0; i < 100 && (echo.server.admission?.stats().running ?? 1) > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(echo.server.admission?.stats().running).toBe(0);
      const next = echo.client.echo({ payload: Buffer.from('b') });
      for (let i = 0; i < 100 && echo.handled() < 2; i++) await new Promise((r) => setTimeout(r, 5));
      echo.gates.splice(0).forEach((release) => release());
      await expect(next).resolves.toMatchObject({ payload: Buffer.from('b') });
    } finally {
      echo.gates.splice(0).forEach((release) => release());
      echo.client.close();
      await echo.server.shutdown(1_000);
    }
  });

  it('can be turned off', () => {
    const server = new GrpcServer({ services: [], admission: false });
    expect(server.admission).toBeUndefined();
  });
});
