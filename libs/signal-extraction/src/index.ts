export type { SensitiveClass } from '@signalpath/sensitive-topics';
export { SENSITIVE_CLASSES } from '@signalpath/sensitive-topics';
export type { Analysis, AnalyzedSignal, ExtractedTopic, SensitiveDetector, SignalPolicyOptions, TopicExtractor } from './types';
export { analyzeText, sensitiveClassOfTopic, DEFAULT_POLICY_OPTIONS } from './analyze';
export type { AnalyzeDeps } from './analyze';
export { LexiconTopicExtractor, LexiconSensitiveDetector, getDefaultExtractor, getDefaultDetector } from './lexicon-models';
export { evaluate, parseLabelledMessages, EVALUATION_TARGETS } from './evaluate';
export type { LabelledMessage, MessageKind, EvaluationReport, EvaluationTargets } from './evaluate';
