import type { Purpose } from '@signalpath/domain';

import { addToScore, type DecayedScore } from './decay';

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
