import { backoffMs } from './worker';

describe('erasure backoff', () => {
  const config = { backoffInitialMs: 1_000, backoffMaxMs: 60_000 };

  it('doubles per failed round, between half and all of the base, capped', () => {
    expect(backoffMs(1, config, () => 0)).toBe(500);
    expect(backoffMs(1, config, () => 1)).toBe(1_000);
    expect(backoffMs(2, config, () => 1)).toBe(2_000);
    expect(backoffMs(4, config, () => 0.5)).toBe(6_000);
    expect(backoffMs(30, config, () => 1)).toBe(60_000);
    expect(backoffMs(30, config, () => 0)).toBe(30_000);
  });
});
