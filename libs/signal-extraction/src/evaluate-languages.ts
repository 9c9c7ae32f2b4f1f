import { getTaxonomy } from '@signalpath/taxonomy';
import { isNeverForAds, SENSITIVE_CLASSES, type SensitiveClass } from '@signalpath/sensitive-topics';
import type { Analysis, SignalPolicyOptions } from './types';

/**
 * Per-language evaluation over the blind-set format (eval/blind/SPEC.md): one row of figures per
 * language and one per language's voice transcripts, with the targets of issue 14. The older
 * English set (eval/messages.jsonl) keeps its own evaluator (evaluate.ts).
 */

export type BlindKind = 'benign' | 'sensitive' | 'mixed' | 'negation' | 'unsupported';
const BLIND_KINDS: readonly BlindKind[] = ['benign', 'sensitive', 'mixed', 'negation', 'unsupported'];
export type Modality = 'text' | 'voice';

/** The launch-market languages (issue 14 §2); rows in any other language are "unsupported" rows. */
export const LAUNCH_LANGUAGES: readonly string[] = ['en', 'es', 'pt', 'hi', 'hi-Latn', 'id', 'fr', 'de', 'hi-en', 'es-en'];

export interface BlindMessage {
  id: string;
  /** The writer's language code (BCP-47 style: "es", "hi-Latn", "hi-en", or the real code of an unsupported row). */
  lang: string;
  modality: Modality;
  kind: BlindKind;
  text: string;
  /** Tier-1 names the message's genuine interest belongs to. */
  expectedTier1: string[];
  /** Other Tier-1 names that are not wrong (never counted as a false positive). */
  acceptableTier1: string[];
  expectedSensitive: SensitiveClass[];
  /** Tier-1 names that must not be ads-eligible; "*" = nothing may be. */
  forbidTier1: string[];
  /**
   * "all": every expected Tier-1 is one unit of recall (the blind sets). "any": one unit, hit when
   * any of them is found (the outside-dev set, whose expectations are alternatives).
   */
  match: 'all' | 'any';
}

/** What the evaluator needs of an analysis: the policy's output and, once it exists, the language verdict. */
export type EvaluatedAnalysis = Omit<Analysis, 'language'> & { language?: { code: string; supported: boolean } };
export type LanguageAnalyzer = (text: string, options?: Partial<SignalPolicyOptions> & { modality?: Modality }) => EvaluatedAnalysis;

export interface LanguageTargets {
  maxLeaks: number;
  minDetection: number;
  minBenignRecall: number;
  minPrecision: number;
  maxNegationFalsePositiveRate: number;
}

/** Issue 14 §6, per supported language. */
export const LANGUAGE_TARGETS: LanguageTargets = Object.freeze({
  maxLeaks: 0,
  minDetection: 0.97,
  minBenignRecall: 0.85,
  minPrecision: 0.85,
  maxNegationFalsePositiveRate: 0.1,
});

export interface RowMetrics {
  /** "es", "es voice", "unsupported". */
  row: string;
  lang: string;
  voiceOnly: boolean;
  counts: Record<BlindKind, number> & { total: number };
  /** Whether targets were applied to this row (launch-language rows and the unsupported row, when asked). */
  targeted: boolean;
  /** Rows leaking with the default policy or with allowSensitiveContent. */
  leaks: {
    count: number;
    byKind: Record<BlindKind, number>;
    ids: string[];
    /** Rows leaking with allowSensitiveContent (content-only signals are then allowed, ads-eligible ones never). */
    withSensitiveContentAllowed: { count: number; ids: string[] };
  };
  /** Sensitive and mixed rows: expected classes detected / expected. */
  detection: { rate: number; detected: number; expected: number; perClass: Record<SensitiveClass, { detected: number; expected: number }>; misses: { id: string; missing: SensitiveClass[] }[] };
  /** Benign rows: expected Tier-1s found among ads-eligible signals; predicted ads-eligible Tier-1s within expected ∪ acceptable. */
  benign: { recall: number; hits: number; expected: number; precision: number; correct: number; predicted: number; misses: { id: string; expected: string[]; predicted: string[] }[] };
  mixed: { recall: number; hits: number; expected: number; misses: { id: string; expected: string[]; predicted: string[] }[] };
  /** Negation rows where a forbidden Tier-1 appears as a signal (ads or content). */
  negation: { falsePositives: number; rate: number; ids: string[] };
  /**
   * Supported-language rows: the share refused as unsupported language (lower is better).
   * Unsupported rows: the share correctly refused (higher is better).
   */
  unsupportedLanguage: { refused: number; rows: number; rate: number };
  /** Targets not met (only rows of supported languages and the unsupported row have targets). */
  failures: string[];
}

export interface LanguageReport {
  rows: RowMetrics[];
  failures: string[];
}

function fail(where: string, problem: string): never {
  throw new Error(`${where}: ${problem}`);
}

function stringArray(value: unknown, where: string, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, `${field} must be an array of strings`);
  return value as string[];
}

function checkTier1(names: string[], where: string, field: string, allowStar: boolean): void {
  const known = tier1Names();
  for (const t of names) if (!(known.has(t) || (allowStar && t === '*'))) fail(where, `${field}: unknown Tier-1 "${t}"`);
}

function checkClasses(classes: string[], where: string): SensitiveClass[] {
  for (const c of classes) if (!SENSITIVE_CLASSES.includes(c as SensitiveClass)) fail(where, `expectedSensitive: unknown class "${c}"`);
  return classes as SensitiveClass[];
}

let tier1NameSet: Set<string> | undefined;
function tier1Names(): Set<string> {
  tier1NameSet ??= new Set(getTaxonomy().tier1Nodes().map((n) => n.name));
  return tier1NameSet;
}

function jsonLines(jsonl: string, source: string): Array<{ where: string; raw: Record<string, unknown> }> {
  const out: Array<{ where: string; raw: Record<string, unknown> }> = [];
  jsonl.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const where = `${source}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      fail(where, 'not JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, 'not a JSON object');
    out.push({ where, raw: raw as Record<string, unknown> });
  });
  return out;
}

/** Parses a blind set (the format of eval/blind/SPEC.md), validating every field. */
export function parseBlindMessages(jsonl: string, source = 'input'): BlindMessage[] {
  const seen = new Set<string>();
  return jsonLines(jsonl, source).map(({ where, raw }) => {
    const id = raw.id;
    if (typeof id !== 'string' || id === '') fail(where, 'missing id');
    if (seen.has(id)) fail(where, `duplicate id ${id}`);
    seen.add(id);
    if (typeof raw.lang !== 'string' || raw.lang === '') fail(where, 'missing lang');
    if (raw.modality !== 'text' && raw.modality !== 'voice') fail(where, `bad modality ${String(raw.modality)}`);
    if (!BLIND_KINDS.includes(raw.kind as BlindKind)) fail(where, `bad kind ${String(raw.kind)}`);
    if (typeof raw.text !== 'string' || raw.text === '') fail(where, 'missing text');
    const expectedTier1 = stringArray(raw.expectedTier1, where, 'expectedTier1');
    const acceptableTier1 = stringArray(raw.acceptableTier1, where, 'acceptableTier1');
    const forbidTier1 = stringArray(raw.forbidTier1, where, 'forbidTier1');
    checkTier1(expectedTier1, where, 'expectedTier1', false);
    checkTier1(acceptableTier1, where, 'acceptableTier1', false);
    checkTier1(forbidTier1, where, 'forbidTier1', true);
    const kind = raw.kind as BlindKind;
    return {
      id,
      lang: raw.lang,
      modality: raw.modality,
      kind,
      text: raw.text,
      expectedTier1,
      acceptableTier1,
      expectedSensitive: checkClasses(stringArray(raw.expectedSensitive, where, 'expectedSensitive'), where),
      // A sensitive or unsupported row may not yield anything for ads, whatever its forbid list says.
      forbidTier1: kind === 'sensitive' || kind === 'unsupported' ? [...new Set(['*', ...forbidTier1])] : forbidTier1,
      match: 'all',
    };
  });
}

const OUTSIDE_KINDS: Record<string, BlindKind> = { benign: 'benign', sensitive: 'sensitive', mixed: 'mixed', negated: 'negation' };

/**
 * Maps the outside-dev set (eval/outside-dev/, fields id, lang, text, kind benign|sensitive|mixed|
 * negated, expect_tier1, sensitive (lower case), forbid_tier1) onto the blind format. Its
 * expect_tier1 lists alternatives ("any of these counts as a hit"), so a row is one unit of
 * recall and the same names are its acceptable ones. Its "hi" rows are in both scripts: Latin-
 * script ones are grouped as hi-Latn. It has no voice flag: every row is text.
 */
export function parseOutsideDevMessages(jsonl: string, source = 'outside-dev'): BlindMessage[] {
  const seen = new Set<string>();
  return jsonLines(jsonl, source).map(({ where, raw }) => {
    const id = raw.id;
    if (typeof id !== 'string' || id === '') fail(where, 'missing id');
    if (seen.has(id)) fail(where, `duplicate id ${id}`);
    seen.add(id);
    const kind = OUTSIDE_KINDS[String(raw.kind)];
    if (!kind) fail(where, `bad kind ${String(raw.kind)}`);
    if (typeof raw.text !== 'string' || raw.text === '') fail(where, 'missing text');
    if (typeof raw.lang !== 'string' || raw.lang === '') fail(where, 'missing lang');
    const expected = stringArray(raw.expect_tier1, where, 'expect_tier1');
    const forbid = stringArray(raw.forbid_tier1, where, 'forbid_tier1');
    checkTier1(expected, where, 'expect_tier1', false);
    checkTier1(forbid, where, 'forbid_tier1', true);
    const classes = checkClasses(stringArray(raw.sensitive, where, 'sensitive').map((c) => c.toUpperCase()), where);
    const lang = raw.lang === 'hi' && !/[\u0900-\u097f]/.test(raw.text) ? 'hi-Latn' : raw.lang;
    return {
      id,
      lang,
      modality: 'text' as const,
      kind,
      text: raw.text,
      expectedTier1: expected,
      acceptableTier1: expected,
      expectedSensitive: classes,
      forbidTier1: kind === 'sensitive' ? [...new Set(['*', ...forbid])] : forbid,
      match: 'any' as const,
    };
  });
}

function ratio(n: number, d: number): number {
  return d === 0 ? 1 : n / d;
}

function emptyCounts(): Record<BlindKind, number> & { total: number } {
  return { benign: 0, sensitive: 0, mixed: 0, negation: 0, unsupported: 0, total: 0 };
}

interface Scored {
  message: BlindMessage;
  /** Tier-1s of ads-eligible signals (default policy). */
  adsTier1: string[];
  /** Tier-1s of all signals (default policy). */
  anyTier1: string[];
  classes: Set<SensitiveClass>;
  refused: boolean;
  leak: boolean;
  leakAllowed: boolean;
}

/** Analyzes each message once with the default policy and once with allowSensitiveContent. */
function score(messages: readonly BlindMessage[], analyze: LanguageAnalyzer): Scored[] {
  const taxonomy = getTaxonomy();
  const tier1 = (id: string) => taxonomy.tier1NodeOf(id)?.name ?? `?${id}`;
  const leaks = (m: BlindMessage, a: EvaluatedAnalysis) => {
    if (m.kind === 'unsupported' && a.signals.length > 0) return true;
    const all = m.forbidTier1.includes('*');
    return a.signals.some((s) => s.adsEligible && (all || m.forbidTier1.includes(tier1(s.topicId)) || isNeverForAds(s.topicId)));
  };
  return messages.map((m) => {
    const a = analyze(m.text, { modality: m.modality });
    const allowed = analyze(m.text, { modality: m.modality, allowSensitiveContent: true });
    return {
      message: m,
      adsTier1: [...new Set(a.signals.filter((s) => s.adsEligible).map((s) => tier1(s.topicId)))].sort(),
      anyTier1: [...new Set(a.signals.map((s) => tier1(s.topicId)))].sort(),
      classes: new Set(a.suppressed),
      refused: a.language?.supported === false,
      leak: leaks(m, a),
      leakAllowed: leaks(m, allowed),
    };
  });
}

function rowMetrics(row: string, lang: string, voiceOnly: boolean, scored: readonly Scored[], targets: LanguageTargets | undefined): RowMetrics {
  const counts = emptyCounts();
  const byKind = { benign: 0, sensitive: 0, mixed: 0, negation: 0, unsupported: 0 } as Record<BlindKind, number>;
  const leakIds: string[] = [];
  const leakAllowedIds: string[] = [];
  const perClass = Object.fromEntries(SENSITIVE_CLASSES.map((c) => [c, { detected: 0, expected: 0 }])) as Record<SensitiveClass, { detected: number; expected: number }>;
  const det = { detected: 0, expected: 0, misses: [] as { id: string; missing: SensitiveClass[] }[] };
  const benign = { hits: 0, expected: 0, correct: 0, predicted: 0, misses: [] as { id: string; expected: string[]; predicted: string[] }[] };
  const mixed = { hits: 0, expected: 0, misses: [] as { id: string; expected: string[]; predicted: string[] }[] };
  const negationIds: string[] = [];
  let refused = 0;

  const recall = (s: Scored): { hits: number; expected: number } => {
    const found = new Set(s.adsTier1);
    const hits = s.message.expectedTier1.filter((t) => found.has(t)).length;
    if (s.message.match === 'any') return { hits: s.message.expectedTier1.length === 0 ? 0 : Math.min(1, hits), expected: Math.min(1, s.message.expectedTier1.length) };
    return { hits, expected: s.message.expectedTier1.length };
  };

  for (const s of scored) {
    const m = s.message;
    counts[m.kind]++;
    counts.total++;
    if (s.refused) refused++;
    // A row leaks when it leaks under either policy setting.
    if (s.leak || s.leakAllowed) {
      leakIds.push(m.id);
      byKind[m.kind]++;
    }
    if (s.leakAllowed) leakAllowedIds.push(m.id);
    if (m.kind === 'sensitive' || m.kind === 'mixed') {
      const missing = m.expectedSensitive.filter((c) => !s.classes.has(c));
      for (const c of m.expectedSensitive) {
        perClass[c].expected++;
        if (s.classes.has(c)) perClass[c].detected++;
      }
      det.expected += m.expectedSensitive.length;
      det.detected += m.expectedSensitive.length - missing.length;
      if (missing.length > 0) det.misses.push({ id: m.id, missing });
    }
    if (m.kind === 'benign') {
      const r = recall(s);
      benign.hits += r.hits;
      benign.expected += r.expected;
      const allowed = new Set([...m.expectedTier1, ...m.acceptableTier1]);
      const correct = s.adsTier1.filter((t) => allowed.has(t)).length;
      benign.correct += correct;
      benign.predicted += s.adsTier1.length;
      if (r.hits < r.expected || correct < s.adsTier1.length) benign.misses.push({ id: m.id, expected: m.expectedTier1, predicted: s.adsTier1 });
    } else if (m.kind === 'mixed') {
      const r = recall(s);
      mixed.hits += r.hits;
      mixed.expected += r.expected;
      if (r.hits < r.expected) mixed.misses.push({ id: m.id, expected: m.expectedTier1, predicted: s.adsTier1 });
    } else if (m.kind === 'negation') {
      const all = m.forbidTier1.includes('*');
      if (s.anyTier1.some((t) => all || m.forbidTier1.includes(t))) negationIds.push(m.id);
    }
  }

  const metrics: RowMetrics = {
    row,
    lang,
    voiceOnly,
    targeted: targets !== undefined,
    counts,
    leaks: { count: leakIds.length, byKind, ids: leakIds, withSensitiveContentAllowed: { count: leakAllowedIds.length, ids: leakAllowedIds } },
    detection: { rate: ratio(det.detected, det.expected), detected: det.detected, expected: det.expected, perClass, misses: det.misses },
    benign: {
      recall: ratio(benign.hits, benign.expected),
      hits: benign.hits,
      expected: benign.expected,
      precision: ratio(benign.correct, benign.predicted),
      correct: benign.correct,
      predicted: benign.predicted,
      misses: benign.misses,
    },
    mixed: { recall: ratio(mixed.hits, mixed.expected), hits: mixed.hits, expected: mixed.expected, misses: mixed.misses },
    negation: { falsePositives: negationIds.length, rate: counts.negation === 0 ? 0 : negationIds.length / counts.negation, ids: negationIds },
    unsupportedLanguage: { refused, rows: counts.total, rate: counts.total === 0 ? 0 : refused / counts.total },
    failures: [],
  };
  if (targets) metrics.failures = checkTargets(metrics, targets);
  return metrics;
}

function checkTargets(r: RowMetrics, t: LanguageTargets): string[] {
  const f: string[] = [];
  if (r.leaks.count > t.maxLeaks) f.push(`${r.row}: leaks ${r.leaks.count} > ${t.maxLeaks}`);
  if (r.lang === 'unsupported') return f;
  if (r.detection.expected > 0 && r.detection.rate < t.minDetection) f.push(`${r.row}: sensitive detection ${r.detection.rate.toFixed(3)} < ${t.minDetection}`);
  if (r.benign.expected > 0 && r.benign.recall < t.minBenignRecall) f.push(`${r.row}: benign recall ${r.benign.recall.toFixed(3)} < ${t.minBenignRecall}`);
  if (r.benign.predicted > 0 && r.benign.precision < t.minPrecision) f.push(`${r.row}: precision ${r.benign.precision.toFixed(3)} < ${t.minPrecision}`);
  if (r.counts.negation > 0 && r.negation.rate > t.maxNegationFalsePositiveRate) {
    f.push(`${r.row}: negation false positives ${r.negation.rate.toFixed(3)} > ${t.maxNegationFalsePositiveRate}`);
  }
  return f;
}

export interface EvaluateLanguagesOptions {
  /** Targets to hold each launch-language row (and the unsupported row's zero leaks) to; none: report only. */
  targets?: LanguageTargets;
  /** Also a row per language for its voice transcripts (default true). */
  voiceRows?: boolean;
}

/**
 * Figures per language: a row for each launch language (all its messages), a row for its voice
 * transcripts, and one "unsupported" row for every message of kind unsupported. Targets apply to
 * the language rows (voice rows are a subset, reported for reading; a voice leak is a leak of its
 * language row).
 */
export function evaluateLanguages(messages: readonly BlindMessage[], analyze: LanguageAnalyzer, options: EvaluateLanguagesOptions = {}): LanguageReport {
  const scored = score(messages, analyze);
  const groups = new Map<string, Scored[]>();
  for (const s of scored) {
    const key = s.message.kind === 'unsupported' ? 'unsupported' : s.message.lang;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(s);
  }
  const order = (lang: string) => {
    const i = LAUNCH_LANGUAGES.indexOf(lang);
    return i >= 0 ? i : lang === 'unsupported' ? 1000 : 500;
  };
  const rows: RowMetrics[] = [];
  for (const lang of [...groups.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b))) {
    const list = groups.get(lang) ?? [];
    const launch = LAUNCH_LANGUAGES.includes(lang) || lang === 'unsupported';
    rows.push(rowMetrics(lang, lang, false, list, launch ? options.targets : undefined));
    const voice = list.filter((s) => s.message.modality === 'voice');
    if ((options.voiceRows ?? true) && voice.length > 0 && lang !== 'unsupported') rows.push(rowMetrics(`${lang} voice`, lang, true, voice, undefined));
  }
  return { rows, failures: rows.flatMap((r) => r.failures) };
}

const fmt = (x: number, d = 2) => x.toFixed(d);

/** The report as a fixed-width text table (one line per row). */
export function formatLanguageTable(report: LanguageReport): string {
  const header = ['row', 'n', 'leaks s/m/n/u', 'detect', 'recall', 'prec', 'mixed', 'negFP', 'unsupp', 'targets'];
  const lines = report.rows.map((r) => {
    const leaks = `${r.leaks.count} (${r.leaks.byKind.sensitive}/${r.leaks.byKind.mixed}/${r.leaks.byKind.negation}/${r.leaks.byKind.unsupported})`;
    const isUnsupported = r.lang === 'unsupported';
    const cell = (present: boolean, value: string) => (present ? value : '-');
    return [
      r.row,
      String(r.counts.total),
      leaks,
      cell(r.detection.expected > 0, `${fmt(r.detection.rate)} ${r.detection.detected}/${r.detection.expected}`),
      cell(r.benign.expected > 0, `${fmt(r.benign.recall)}`),
      cell(r.benign.predicted > 0, `${fmt(r.benign.precision)}`),
      cell(r.mixed.expected > 0, `${fmt(r.mixed.recall)}`),
      cell(r.counts.negation > 0, `${fmt(r.negation.rate)} ${r.negation.falsePositives}/${r.counts.negation}`),
      isUnsupported ? `refused ${fmt(r.unsupportedLanguage.rate)}` : fmt(r.unsupportedLanguage.rate),
      !r.targeted ? '' : r.failures.length === 0 ? 'met' : `FAIL ${r.failures.length}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}
