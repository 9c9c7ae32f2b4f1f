import { getTaxonomy } from '@signalpath/taxonomy';
import { isNeverForAds, SENSITIVE_CLASSES, sensitiveClassOfTopic, getSensitiveTopicPolicy, type SensitiveClass } from '@signalpath/sensitive-topics';
import { analyzeText } from './analyze';
import type { Analysis, SignalPolicyOptions } from './types';

/**
 * Quality metrics of extraction + policy over a labelled message set (eval/messages.jsonl):
 * the figures `tools/evaluate-extraction.ts` prints and a jest test holds to the targets.
 */

export type MessageKind = 'benign' | 'sensitive' | 'mixed' | 'negation';
const KINDS: readonly MessageKind[] = ['benign', 'sensitive', 'mixed', 'negation'];

export interface LabelledMessage {
  id: string;
  text: string;
  kind: MessageKind;
  /** Tier-1 names a benign reader would file the message under (for mixed: its benign part). */
  expectedTier1: string[];
  /** Sensitive classes the message touches. */
  expectedSensitive: SensitiveClass[];
}

export interface EvaluationTargets {
  maxLeaks: number;
  minBenignRecall: number;
  minMixedRecall: number;
  minSensitiveDetection: number;
  maxWronglySuppressedRate: number;
}

/** Targets from issue 4 (also those of the held-out set). */
export const EVALUATION_TARGETS: EvaluationTargets = Object.freeze({
  maxLeaks: 0,
  minBenignRecall: 0.9,
  minMixedRecall: 0.8,
  minSensitiveDetection: 0.95,
  maxWronglySuppressedRate: 0.05,
});

export interface Tier1Miss {
  id: string;
  expected: string[];
  predicted: string[];
}

export interface EvaluationReport {
  counts: Record<MessageKind, number> & { total: number };
  /** Benign messages: micro-averaged Tier-1 precision and recall. */
  benign: { precision: number; recall: number; truePositives: number; falsePositives: number; falseNegatives: number; misses: Tier1Miss[] };
  /** Mixed messages: recall of their benign Tier-1s. */
  mixed: { recall: number; truePositives: number; falseNegatives: number; misses: Tier1Miss[] };
  /** Sensitive + mixed messages: share of expected classes detected, and of messages with all detected. */
  sensitive: {
    detectionRate: number;
    messageDetectionRate: number;
    expected: number;
    detected: number;
    perClass: Record<SensitiveClass, { expected: number; detected: number }>;
    misses: { id: string; missing: SensitiveClass[] }[];
  };
  /**
   * Leaks: an ads-eligible signal with a sensitive Tier-1 or a sensitive / never-for-ads node from
   * a sensitive or mixed message, or any signal at all from a purely sensitive one. Also checked
   * with allowSensitiveContent (then: any ads-eligible signal from a purely sensitive message).
   */
  leaks: { count: number; ids: string[]; withSensitiveContentAllowed: { count: number; ids: string[] } };
  /** Benign messages in which a sensitive class was detected. */
  wronglySuppressed: { count: number; rate: number; ids: string[] };
  /** Negation messages yielding a Tier-1 they were not expected to yield. */
  negation: { falsePositives: number; rate: number; ids: string[] };
  /** Targets not met (empty when all are). */
  failures: string[];
}

export type Analyzer = (text: string, options?: Partial<SignalPolicyOptions>) => Analysis;

/**
 * How the evaluation sets judge a topic by its Tier-1: the Tier-1 names that are sensitive or
 * restricted, and a topic's Tier-1 name ('?' for an unknown id).
 */
export function tier1Judge(): { sensitiveTier1: ReadonlySet<string>; tier1Name: (id: string) => string } {
  const taxonomy = getTaxonomy();
  const policy = getSensitiveTopicPolicy();
  const sensitiveTier1 = new Set(
    taxonomy
      .tier1Nodes()
      .filter((n) => policy.classify(n.id).sensitiveClass !== undefined || policy.isRestricted(n.id))
      .map((n) => n.name),
  );
  return { sensitiveTier1, tier1Name: (id) => taxonomy.tier1NodeOf(id)?.name ?? '?' };
}

/** Parses JSON Lines (blank lines and lines starting with "//" ignored), validating each message. */
export function parseLabelledMessages(jsonl: string): LabelledMessage[] {
  const tier1Names = new Set(getTaxonomy().tier1Nodes().map((n) => n.name));
  const seen = new Set<string>();
  const out: LabelledMessage[] = [];
  jsonl.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    const where = `line ${i + 1}`;
    let raw: Partial<LabelledMessage>;
    try {
      raw = JSON.parse(trimmed) as Partial<LabelledMessage>;
    } catch {
      throw new Error(`${where}: not JSON`);
    }
    if (typeof raw.id !== 'string' || raw.id === '') throw new Error(`${where}: missing id`);
    if (seen.has(raw.id)) throw new Error(`${where}: duplicate id ${raw.id}`);
    seen.add(raw.id);
    if (typeof raw.text !== 'string' || raw.text === '') throw new Error(`${where}: missing text`);
    if (!KINDS.includes(raw.kind as MessageKind)) throw new Error(`${where}: bad kind ${String(raw.kind)}`);
    const expectedTier1 = raw.expectedTier1 ?? [];
    const expectedSensitive = raw.expectedSensitive ?? [];
    for (const t of expectedTier1) if (!tier1Names.has(t)) throw new Error(`${where}: unknown Tier-1 "${t}"`);
    for (const c of expectedSensitive) if (!SENSITIVE_CLASSES.includes(c)) throw new Error(`${where}: unknown class "${c}"`);
    out.push({ id: raw.id, text: raw.text, kind: raw.kind as MessageKind, expectedTier1, expectedSensitive });
  });
  return out;
}

function ratio(n: number, d: number): number {
  return d === 0 ? 1 : n / d;
}

export function evaluate(
  messages: readonly LabelledMessage[],
  analyze: Analyzer = analyzeText,
  targets: EvaluationTargets = EVALUATION_TARGETS,
): EvaluationReport {
  const { sensitiveTier1, tier1Name } = tier1Judge();

  const counts = { benign: 0, sensitive: 0, mixed: 0, negation: 0, total: messages.length };
  const benign = { tp: 0, fp: 0, fn: 0, misses: [] as Tier1Miss[] };
  const mixed = { tp: 0, fn: 0, misses: [] as Tier1Miss[] };
  const perClass = Object.fromEntries(SENSITIVE_CLASSES.map((c) => [c, { expected: 0, detected: 0 }])) as Record<
    SensitiveClass,
    { expected: number; detected: number }
  >;
  const sens = { expected: 0, detected: 0, messages: 0, fullyDetected: 0, misses: [] as { id: string; missing: SensitiveClass[] }[] };
  const leaks: string[] = [];
  const leaksAllowed: string[] = [];
  const suppressedIds: string[] = [];
  const negationIds: string[] = [];

  for (const m of messages) {
    counts[m.kind]++;
    const analysis = analyze(m.text);
    const predicted = [...new Set(analysis.signals.map((s) => tier1Name(s.topicId)))].sort();
    const expected = new Set(m.expectedTier1);
    const hits = predicted.filter((t) => expected.has(t)).length;

    if (m.kind === 'benign') {
      benign.tp += hits;
      benign.fp += predicted.length - hits;
      benign.fn += expected.size - hits;
      if (hits < expected.size || predicted.length > hits) benign.misses.push({ id: m.id, expected: [...expected], predicted });
      if (analysis.suppressed.length > 0) suppressedIds.push(m.id);
    } else if (m.kind === 'mixed') {
      mixed.tp += hits;
      mixed.fn += expected.size - hits;
      if (hits < expected.size) mixed.misses.push({ id: m.id, expected: [...expected], predicted });
    } else if (m.kind === 'negation') {
      if (predicted.some((t) => !expected.has(t))) negationIds.push(m.id);
    }

    if (m.kind === 'sensitive' || m.kind === 'mixed') {
      const detected = new Set(analysis.suppressed);
      const missing = m.expectedSensitive.filter((c) => !detected.has(c));
      for (const c of m.expectedSensitive) {
        perClass[c].expected++;
        if (detected.has(c)) perClass[c].detected++;
      }
      sens.expected += m.expectedSensitive.length;
      sens.detected += m.expectedSensitive.length - missing.length;
      sens.messages++;
      if (missing.length === 0) sens.fullyDetected++;
      else sens.misses.push({ id: m.id, missing });

      const isLeak = (a: Analysis, allowed: boolean) =>
        a.signals.some(
          (s) =>
            (m.kind === 'sensitive' && (!allowed || s.adsEligible)) ||
            (s.adsEligible && (sensitiveTier1.has(tier1Name(s.topicId)) || sensitiveClassOfTopic(s.topicId) !== undefined || isNeverForAds(s.topicId))),
        );
      if (isLeak(analysis, false)) leaks.push(m.id);
      if (isLeak(analyze(m.text, { allowSensitiveContent: true }), true)) leaksAllowed.push(m.id);
    }
  }

  const report: EvaluationReport = {
    counts,
    benign: {
      precision: ratio(benign.tp, benign.tp + benign.fp),
      recall: ratio(benign.tp, benign.tp + benign.fn),
      truePositives: benign.tp,
      falsePositives: benign.fp,
      falseNegatives: benign.fn,
      misses: benign.misses,
    },
    mixed: { recall: ratio(mixed.tp, mixed.tp + mixed.fn), truePositives: mixed.tp, falseNegatives: mixed.fn, misses: mixed.misses },
    sensitive: {
      detectionRate: ratio(sens.detected, sens.expected),
      messageDetectionRate: ratio(sens.fullyDetected, sens.messages),
      expected: sens.expected,
      detected: sens.detected,
      perClass,
      misses: sens.misses,
    },
    leaks: { count: leaks.length, ids: leaks, withSensitiveContentAllowed: { count: leaksAllowed.length, ids: leaksAllowed } },
    wronglySuppressed: { count: suppressedIds.length, rate: counts.benign === 0 ? 0 : suppressedIds.length / counts.benign, ids: suppressedIds },
    negation: { falsePositives: negationIds.length, rate: negationIds.length / Math.max(1, counts.negation), ids: negationIds },
    failures: [],
  };

  const f = report.failures;
  if (report.leaks.count + report.leaks.withSensitiveContentAllowed.count > targets.maxLeaks) {
    f.push(`leaks: ${report.leaks.count} (allowSensitiveContent: ${report.leaks.withSensitiveContentAllowed.count}) > ${targets.maxLeaks}`);
  }
  if (report.benign.recall < targets.minBenignRecall) f.push(`benign Tier-1 recall ${report.benign.recall.toFixed(3)} < ${targets.minBenignRecall}`);
  if (report.mixed.recall < targets.minMixedRecall) f.push(`mixed recall ${report.mixed.recall.toFixed(3)} < ${targets.minMixedRecall}`);
  if (report.sensitive.detectionRate < targets.minSensitiveDetection) {
    f.push(`sensitive detection ${report.sensitive.detectionRate.toFixed(3)} < ${targets.minSensitiveDetection}`);
  }
  if (report.wronglySuppressed.rate > targets.maxWronglySuppressedRate) {
    f.push(`benign wrongly suppressed ${(report.wronglySuppressed.rate * 100).toFixed(1)}% > ${targets.maxWronglySuppressedRate * 100}%`);
  }
  return report;
}
