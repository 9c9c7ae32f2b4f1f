import { PeriodicTask } from './periodic-task';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for progress (bounded, so a broken task fails the test instead of outliving it). */
async function until(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

describe('PeriodicTask', () => {
  it('runs passes one at a time on the interval and keeps going after a failing pass', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        passes++;
        await sleep(15);
        active--;
        if (passes === 2) throw new Error('pass failed');
      },
      { intervalMs: 5, firstDelayMs: 0, onError: (e) => errors.push(e) },
    );
    task.start();
    task.start();
    await until(() => passes >= 3);
    await task.stop();
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(maxActive).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('stop() waits for the pass in progress and no pass starts after it', async () => {
    let finished = 0;
    let started = 0;
    const task = new PeriodicTask(
      async () => {
        started++;
        await sleep(40);
        finished++;
      },
      { intervalMs: 1, firstDelayMs: 0, onError: () => undefined },
    );
    task.start();
    await until(() => started > 0);
    await task.stop();
    expect(finished).toBe(started);
    await sleep(30);
    expect(started).toBe(finished);
  });
});
