import { addToScore, decayFactor, DEFAULT_HALF_LIFE_MS, scoreAt, type DecayedScore } from './decay';

const DAY = 86_400_000;
const H = 30 * DAY;

describe('decay', () => {
  it('defaults to a 30-day half-life', () => {
    expect(DEFAULT_HALF_LIFE_MS).toBe(30 * DAY);
  });

  it('halves a score every half-life', () => {
    const stored = addToScore(undefined, 8, 0, H);
    expect(scoreAt(stored, 0, H)).toBeCloseTo(8);
    expect(scoreAt(stored, 30 * DAY, H)).toBeCloseTo(4);
    expect(scoreAt(stored, 90 * DAY, H)).toBeCloseTo(1);
  });

  it('never grows a score read before its reference time', () => {
    expect(scoreAt({ score: 2, atMs: 10 * DAY }, 0, H)).toBe(2);
  });

  it('equals the sum of independently decayed contributions, in any order', () => {
    const events = [
      { w: 1, t: 0 },
      { w: 2.5, t: 12 * DAY },
      { w: 0.5, t: 3 * DAY },
      { w: 4, t: 40 * DAY },
    ];
    const now = 70 * DAY;
    const expected = events.reduce((sum, e) => sum + e.w * decayFactor(now - e.t, H), 0);
    for (const order of [events, [...events].reverse(), [events[2], events[0], events[3], events[1]]]) {
      const stored = order.reduce<DecayedScore | undefined>((acc, e) => addToScore(acc, e.w, e.t, H), undefined);
      expect(stored && scoreAt(stored, now, H)).toBeCloseTo(expected, 10);
    }
  });

  it('rejects a non-positive half-life', () => {
    expect(() => decayFactor(1, 0)).toThrow(RangeError);
  });
});
