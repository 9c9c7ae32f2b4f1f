import { isNeverForAds, isRestrictedTopic, sensitiveClassOfTopic } from '@signalpath/sensitive-topics';
import { analyzeText } from '@signalpath/signal-extraction';
import type { SensitiveClass } from '@signalpath/domain';

import type { CandidateSignal, TopicPolicy } from '../domain/signal-policy';

/** What a text teaches, after the sensitivity policy and before consent. */
export interface Extraction {
  candidates: CandidateSignal[];
  /** Sensitive classes detected (and suppressed) in the text. */
  suppressed: SensitiveClass[];
  /** The language identified (texts only). When not supported, nothing was extracted. */
  language?: { code: string; languages: string[]; confidence: number; supported: boolean };
}

/**
 * Topic extraction behind one function, so an external model service could replace the in-process
 * library. It sees the text and returns topics and classes only.
 */
export type TextAnalyzer = (text: string) => Extraction;

/**
 * A run of letters and digits this long is no word of any language (a key, a hash, padding), so
 * it teaches nothing; the extractor's cost grows with the square of a token's length, and one
 * 32 KiB token would hold the event loop for seconds.
 */
const NON_WORD = /[\p{L}\p{N}]{64,}/gu;

export function libraryAnalyzer(options: { allowSensitiveContent: boolean }): TextAnalyzer {
  return (text) => {
    const analysis = analyzeText(text.replace(NON_WORD, ' '), { allowSensitiveContent: options.allowSensitiveContent });
    return {
      candidates: analysis.signals.map((s) => ({ topicId: s.topicId, weight: s.weight, adsEligible: s.adsEligible && s.sensitiveClass === undefined, contentEligible: s.contentEligible })),
      suppressed: [...analysis.suppressed],
      ...(analysis.language
        ? { language: { code: analysis.language.code, languages: [...analysis.language.languages], confidence: analysis.language.confidence, supported: analysis.language.supported } }
        : {}),
    };
  };
}

/** The project's topic → sensitive-class policy, used for activities and as a last check before storing. */
export const libraryTopicPolicy: TopicPolicy = { sensitiveClassOfTopic, isRestrictedTopic, isNeverForAds };
