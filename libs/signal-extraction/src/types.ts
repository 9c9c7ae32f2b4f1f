import type { SensitiveClass } from '@signalpath/sensitive-topics';
import type { LanguageVerdict } from './language/identify';

/** A topic found in text: an IAB Content Taxonomy 3.1 Unique ID and a weight in (0, 1]. */
export interface ExtractedTopic {
  topicId: string;
  weight: number;
}

/**
 * Finds the topics a text expresses a positive interest in (negated mentions yield nothing).
 * Implementations may be swapped (e.g. for an external model service).
 */
export interface TopicExtractor {
  extract(text: string): ExtractedTopic[];
}

/**
 * Finds the sensitive classes a text touches, whatever its polarity ("I'm not religious" still
 * touches religion). Must be conservative: a miss is a leak.
 */
export interface SensitiveDetector {
  detect(text: string): SensitiveClass[];
}

export interface SignalPolicyOptions {
  /**
   * When true, topics derived from sensitive content are kept for content use only (never ads).
   * Default false: they are dropped entirely.
   */
  allowSensitiveContent: boolean;
}

export interface AnalyzedSignal {
  topicId: string;
  /** In (0, 1]. */
  weight: number;
  adsEligible: boolean;
  contentEligible: boolean;
  /** Set when the signal derives from sensitive content (only ever present with allowSensitiveContent). */
  sensitiveClass?: SensitiveClass;
}

export interface Analysis {
  signals: AnalyzedSignal[];
  /** Sensitive classes detected in the text (distinct, sorted alphabetically). */
  suppressed: SensitiveClass[];
  /**
   * The language identified. When `language.supported` is false the message was not analyzed:
   * no signal, no class (privacy invariant 8).
   */
  language?: LanguageVerdict;
}
