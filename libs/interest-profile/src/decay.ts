/**
 * Exponential decay of interest scores. A score is stored as (score, at): its value at time `at`.
 * Its value at a later time t is score · 2^(-(t - at) / halfLife), so a read costs O(1) per
 * stored score however many signals built it, and adding a signal never needs the others.
 */
export interface DecayedScore {
  /** The score's value at `atMs`. */
  score: number;
  /** Epoch milliseconds the score is expressed at (the latest contribution's time). */
  atMs: number;
}

export const DEFAULT_HALF_LIFE_MS = 30 * 86_400_000;

/** 2^(-elapsed / halfLife); elapsed may be negative (a contribution later than the reference). */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0)) throw new RangeError('halfLifeMs must be positive');
  return Math.pow(2, -elapsedMs / halfLifeMs);
}

/** The value of `stored` at `nowMs` (never grows: a stored time in the future counts as now). */
export function scoreAt(stored: DecayedScore, nowMs: number, halfLifeMs: number): number {
  return stored.score * decayFactor(Math.max(0, nowMs - stored.atMs), halfLifeMs);
}

/**
 * Adds `weight` observed at `eventMs` to `stored`. Order-independent: the result, read at any
 * time, equals the sum of every contribution decayed from its own event time.
 */
export function addToScore(stored: DecayedScore | undefined, weight: number, eventMs: number, halfLifeMs: number): DecayedScore {
  if (!stored) return { score: weight, atMs: eventMs };
  if (eventMs >= stored.atMs) {
    return { score: stored.score * decayFactor(eventMs - stored.atMs, halfLifeMs) + weight, atMs: eventMs };
  }
  // A late (out-of-order) contribution is decayed to the stored reference time.
  return { score: stored.score + weight * decayFactor(stored.atMs - eventMs, halfLifeMs), atMs: stored.atMs };
}
