import type { SensitiveClass } from '@signalpath/sensitive-topics';
import { getLexiconEngine, round, sortClasses, type LexiconEngine } from './engine';
import type { ExtractedTopic, SensitiveDetector, TopicExtractor } from './types';

/**
 * The built-in, offline implementations of the two interfaces, over the curated lexicon. An
 * external model service can replace either one (see analyzeText's `deps`).
 */

/** Topics the text expresses a positive interest in; negated mentions yield nothing. */
export class LexiconTopicExtractor implements TopicExtractor {
  constructor(readonly engine: LexiconEngine = getLexiconEngine()) {}

  extract(text: string): ExtractedTopic[] {
    const analysis = this.engine.analyze(text);
    const merged = new Map<string, number>();
    for (const clauseTopics of this.engine.scoreClauses(analysis)) {
      for (const { topicId, weight } of clauseTopics) merged.set(topicId, combineWeights(merged.get(topicId), weight));
    }
    return [...merged].map(([topicId, weight]) => ({ topicId, weight })).sort(byWeight);
  }
}

/** Sensitive classes the text touches, whatever its polarity. */
export class LexiconSensitiveDetector implements SensitiveDetector {
  constructor(readonly engine: LexiconEngine = getLexiconEngine()) {}

  detect(text: string): SensitiveClass[] {
    const analysis = this.engine.analyze(text);
    const classes: SensitiveClass[] = [...analysis.crossClauseClasses];
    for (const c of analysis.clauses) classes.push(...c.classes);
    return sortClasses(classes);
  }
}

/** Two mentions of a topic reinforce each other without exceeding 1. */
export function combineWeights(a: number | undefined, b: number): number {
  return a === undefined ? b : round(1 - (1 - a) * (1 - b));
}

export function byWeight(a: { topicId: string; weight: number }, b: { topicId: string; weight: number }): number {
  return b.weight - a.weight || (a.topicId < b.topicId ? -1 : a.topicId > b.topicId ? 1 : 0);
}

let defaultExtractor: LexiconTopicExtractor | undefined;
let defaultDetector: LexiconSensitiveDetector | undefined;

export function getDefaultExtractor(): LexiconTopicExtractor {
  defaultExtractor ??= new LexiconTopicExtractor();
  return defaultExtractor;
}

export function getDefaultDetector(): LexiconSensitiveDetector {
  defaultDetector ??= new LexiconSensitiveDetector();
  return defaultDetector;
}
