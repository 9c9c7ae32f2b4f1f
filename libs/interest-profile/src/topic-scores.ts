import type { Purpose } from '@signalpath/domain';

import { addToScore, decayFactor, type DecayedScore } from './decay';

/**
 * What one (user, source surface, source kind, topic) holds: separate decayed scores for every
 * signal, the ads-eligible ones and the content-eligible ones, each with its latest event time.
 */
export interface TopicScores {
  total: DecayedScore;
  lastTimeMs: number;
  ads?: DecayedScore;
  adsLastTimeMs?: number;
  content?: DecayedScore;
  contentLastTimeMs?: number;
}

/** One signal's effect on a topic. */
export interface Contribution {
  weight: number;
  eventTimeMs: number;
  adsEligible: boolean;
  contentEligible: boolean;
}

/** Which of a topic's scores a read uses: ads, content, or every signal (export). */
export type ScoreView = Purpose | 'TOTAL';

/** Returns `state` with `contribution` added (pure). */
export function addContribution(state: TopicScores | undefined, contribution: Contribution, halfLifeMs: number): TopicScores {
  const { weight, eventTimeMs } = contribution;
  const next: TopicScores = {
    ...state,
    total: addToScore(state?.total, weight, eventTimeMs, halfLifeMs),
    lastTimeMs: Math.max(state?.lastTimeMs ?? eventTimeMs, eventTimeMs),
  };
  if (contribution.adsEligible) {
    next.ads = addToScore(state?.ads, weight, eventTimeMs, halfLifeMs);
    next.adsLastTimeMs = Math.max(state?.adsLastTimeMs ?? eventTimeMs, eventTimeMs);
  }
  if (contribution.contentEligible) {
    next.content = addToScore(state?.content, weight, eventTimeMs, halfLifeMs);
    next.contentLastTimeMs = Math.max(state?.contentLastTimeMs ?? eventTimeMs, eventTimeMs);
  }
  return next;
}

/** The stored score and latest time a view reads, or undefined when nothing counts for it. */
export function viewOf(state: TopicScores, view: ScoreView): { score: DecayedScore; lastTimeMs: number } | undefined {
  if (view === 'ADS') return state.ads && state.adsLastTimeMs !== undefined ? { score: state.ads, lastTimeMs: state.adsLastTimeMs } : undefined;
  if (view === 'CONTENT') {
    return state.content && state.contentLastTimeMs !== undefined ? { score: state.content, lastTimeMs: state.contentLastTimeMs } : undefined;
  }
  return { score: state.total, lastTimeMs: state.lastTimeMs };
}

/**
 * Below this fraction of the removed contribution (both at one time), what is left of a score
 * after a subtraction is rounding error: the score is dropped rather than kept near zero.
 */
const SUBTRACT_EPSILON = 1e-9;

/**
 * Takes one contribution back out of `state` (pure): each score it reached drops by exactly what
 * it added (decay is linear, so the order of additions never matters). A score left with nothing
 * (or less, when the contribution had been partly erased already) is dropped; undefined when the
 * total is gone. Latest times stay: the others' times are not kept, and a time says less than a score.
 */
export function subtractContribution(state: TopicScores, contribution: Contribution, halfLifeMs: number): TopicScores | undefined {
  const { weight, eventTimeMs } = contribution;
  const minus = (stored: DecayedScore): DecayedScore | undefined => {
    const next = addToScore(stored, -weight, eventTimeMs, halfLifeMs);
    return next.score > weight * SUBTRACT_EPSILON * decayFactor(next.atMs - eventTimeMs, halfLifeMs) ? next : undefined;
  };
  const total = minus(state.total);
  if (!total) return undefined;
  const next: TopicScores = { ...state, total };
  if (contribution.adsEligible && state.ads) {
    const ads = minus(state.ads);
    if (ads) next.ads = ads;
    else {
      delete next.ads;
      delete next.adsLastTimeMs;
    }
  }
  if (contribution.contentEligible && state.content) {
    const content = minus(state.content);
    if (content) next.content = content;
    else {
      delete next.content;
      delete next.contentLastTimeMs;
    }
  }
  return next;
}
