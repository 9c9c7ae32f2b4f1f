import { serve } from './lifecycle';
import { GrpcServer } from './server';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Polls `probe` until true, for at most `timeoutMs` (a loop that outlives its test keeps jest alive). */
async function until(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('serve(): health follows readiness', () => {
  function setup(readiness: () => Promise<boolean>, options: { intervalMs?: number; timeoutMs?: number } = {}) {
    const server = new GrpcServer({ services: [] });
    const states: boolean[] = [];
    const setServing = server.setServing.bind(server);
    server.setServing = (serving) => {
      states.push(serving);
      setServing(serving);
    };
    const running = serve({
      name: 'test',
      server,
      host: '127.0.0.1',
      port: 0,
      logger: quiet,
      readiness,
      readinessIntervalMs: options.intervalMs ?? 20,
      readinessTimeoutMs: options.timeoutMs ?? 200,
      shutdownGraceMs: 500,
      closers: [],
    });
    return { states, running };
  }

  it('goes NOT_SERVING when a readiness check hangs (a database that accepts connections but never answers)', async () => {
    let calls = 0;
    const { states, running } = setup(() => (++calls === 1 ? Promise.resolve(true) : new Promise<boolean>(() => undefined)));
    const service = await running;
    try {
      await until(() => states.includes(false));
      expect(states.slice(0, 2)).toEqual([true, false]);
    } finally {
      await service.stop('test');
    }
  });

  it('never runs two checks at once, so a slow database is not sent a pile of pings', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    const { states, running } = setup(async () => {
      calls++;
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 100));
      active--;
      return true;
    });
    const service = await running;
    try {
      await until(() => calls >= 5);
      expect(most).toBe(1);
      expect(states).toEqual([true]);
    } finally {
      await service.stop('test');
    }
  });

  it('comes back to SERVING once readiness answers again', async () => {
    let ready = true;
    const { states, running } = setup(async () => ready);
    const service = await running;
    try {
      ready = false;
      await until(() => states.at(-1) === false);
      ready = true;
      await until(() => states.at(-1) === true);
      expect(states).toEqual([true, false, true]);
    } finally {
      await service.stop('test');
    }
  });
});
