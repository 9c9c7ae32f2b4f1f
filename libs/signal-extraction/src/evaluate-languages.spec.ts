import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  evaluateLanguages,
  formatLanguageTable,
  LANGUAGE_TARGETS,
  parseBlindMessages,
  parseOutsideDevMessages,
  type AnalyzedSignal,
  type EvaluatedAnalysis,
  type LanguageAnalyzer,
} from './index';

const EVAL_DIR = path.join(__dirname, '..', 'eval');

const SPORTS = '483'; // Sports
const TRAVEL = '653'; // Travel
const FOOD = '210'; // Food & Drink
const HEALTH_NODE = '286'; // Medical Health (sensitive)

const line = (o: Record<string, unknown>) => JSON.stringify({ modality: 'text', acceptableTier1: [], expectedSensitive: [], forbidTier1: [], expectedTier1: [], ...o });
const signal = (topicId: string, adsEligible = true): AnalyzedSignal => ({ topicId, weight: 0.6, adsEligible, contentEligible: true });

const SET = parseBlindMessages(
  [
    line({ id: 'b1', lang: 'es', kind: 'benign', text: 'b1', expectedTier1: ['Sports'], acceptableTier1: ['Shopping'] }),
    line({ id: 'b2', lang: 'es', kind: 'benign', text: 'b2', expectedTier1: ['Travel', 'Food & Drink'] }),
    line({ id: 's1', lang: 'es', kind: 'sensitive', text: 's1', expectedSensitive: ['HEALTH', 'RELIGION'], forbidTier1: ['*'] }),
    line({ id: 'm1', lang: 'es', kind: 'mixed', text: 'm1', expectedTier1: ['Travel'], expectedSensitive: ['HEALTH'], forbidTier1: ['Medical Health', 'Food & Drink'] }),
    line({ id: 'n1', lang: 'es', modality: 'voice', kind: 'negation', text: 'n1', forbidTier1: ['Sports'] }),
    line({ id: 'n2', lang: 'es', kind: 'negation', text: 'n2', forbidTier1: ['Sports'] }),
    line({ id: 'u1', lang: 'it', kind: 'unsupported', text: 'u1', forbidTier1: ['*'] }),
    line({ id: 'u2', lang: 'tl', kind: 'unsupported', text: 'u2', forbidTier1: ['*'] }),
  ].join('\n'),
  'test',
);

/** A scripted analyzer: each message id maps to what "the extractor" returns. */
function scripted(table: Record<string, EvaluatedAnalysis>, allowed: Record<string, EvaluatedAnalysis> = {}): LanguageAnalyzer {
  return (text, options) => (options?.allowSensitiveContent ? allowed[text] : undefined) ?? table[text] ?? { signals: [], suppressed: [] };
}

describe('evaluateLanguages', () => {
  it('computes every figure of a language row as defined', () => {
    const report = evaluateLanguages(
      SET,
      scripted({
        // recall 1/1; precision: Sports + Shopping allowed, Pets not → 2/3
        b1: { signals: [signal(SPORTS), signal('473'), signal('422')], suppressed: [] },
        // recall 1/2 (Travel found, Food & Drink missing); a content-only Food signal does not count
        b2: { signals: [signal(TRAVEL), signal(FOOD, false)], suppressed: [] },
        // one of two classes detected, and an ads-eligible signal: a leak
        s1: { signals: [signal(TRAVEL)], suppressed: ['HEALTH'] },
        // detected, Travel kept (mixed recall 1/1), Food & Drink forbidden and ads-eligible: a leak
        m1: { signals: [signal(TRAVEL), signal(FOOD)], suppressed: ['HEALTH'] },
        // forbidden Sports as a content-only signal: a negation false positive, not a leak
        n1: { signals: [signal(SPORTS, false)], suppressed: [] },
        n2: { signals: [], suppressed: [] },
        // refused: correctly; u2 yields a content-only signal, which is a leak for an unsupported row
        u1: { signals: [], suppressed: [], language: { code: 'it', supported: false } },
        u2: { signals: [signal(TRAVEL, false)], suppressed: [] },
      }),
      { targets: LANGUAGE_TARGETS },
    );
    const es = report.rows.find((r) => r.row === 'es');
    const unsupported = report.rows.find((r) => r.row === 'unsupported');
    expect(es).toBeDefined();
    expect(unsupported).toBeDefined();
    if (!es || !unsupported) return;
    expect(es.counts).toMatchObject({ total: 6, benign: 2, sensitive: 1, mixed: 1, negation: 2 });
    expect(es.benign).toMatchObject({ hits: 2, expected: 3, correct: 3, predicted: 4 });
    expect(es.benign.recall).toBeCloseTo(2 / 3);
    expect(es.benign.precision).toBeCloseTo(3 / 4);
    expect(es.detection).toMatchObject({ detected: 2, expected: 3 });
    expect(es.mixed).toMatchObject({ hits: 1, expected: 1, recall: 1 });
    expect(es.leaks.ids).toEqual(['s1', 'm1']);
    expect(es.leaks.byKind).toMatchObject({ sensitive: 1, mixed: 1, negation: 0 });
    expect(es.negation).toMatchObject({ falsePositives: 1, rate: 0.5, ids: ['n1'] });
    expect(es.unsupportedLanguage).toMatchObject({ refused: 0, rate: 0 });
    expect(es.failures.join('\n')).toMatch(/leaks 2/);
    expect(es.failures.join('\n')).toMatch(/negation false positives 0.500/);
    expect(unsupported.leaks.ids).toEqual(['u2']);
    expect(unsupported.unsupportedLanguage).toMatchObject({ refused: 1, rows: 2, rate: 0.5 });
    expect(unsupported.failures).toEqual(['unsupported: leaks 1 > 0']);
    // The voice row holds the voice subset and has no targets of its own.
    const voice = report.rows.find((r) => r.row === 'es voice');
    expect(voice?.counts.total).toBe(1);
    expect(voice?.targeted).toBe(false);
    expect(report.failures).toEqual([...es.failures, ...unsupported.failures]);
  });

  it('counts a leak seen only with allowSensitiveContent, and refusals of supported rows', () => {
    const report = evaluateLanguages(
      SET.filter((m) => m.id === 's1' || m.id === 'b1'),
      scripted(
        { s1: { signals: [], suppressed: ['HEALTH', 'RELIGION'] }, b1: { signals: [], suppressed: [], language: { code: 'und', supported: false } } },
        { s1: { signals: [signal(HEALTH_NODE, true)], suppressed: ['HEALTH', 'RELIGION'] } },
      ),
      { targets: LANGUAGE_TARGETS },
    );
    const es = report.rows[0];
    expect(es.leaks.ids).toEqual(['s1']);
    expect(es.leaks.withSensitiveContentAllowed.ids).toEqual(['s1']);
    expect(es.unsupportedLanguage).toMatchObject({ refused: 1, rows: 2, rate: 0.5 });
    expect(es.benign.recall).toBe(0);
  });

  it('meets the targets for a perfect analyzer', () => {
    const perfect = scripted({
      b1: { signals: [signal(SPORTS)], suppressed: [] },
      b2: { signals: [signal(TRAVEL), signal(FOOD)], suppressed: [] },
      s1: { signals: [], suppressed: ['HEALTH', 'RELIGION'] },
      m1: { signals: [signal(TRAVEL)], suppressed: ['HEALTH'] },
      u1: { signals: [], suppressed: [], language: { code: 'it', supported: false } },
      u2: { signals: [], suppressed: [], language: { code: 'tl', supported: false } },
    });
    const report = evaluateLanguages(SET, perfect, { targets: LANGUAGE_TARGETS });
    expect(report.failures).toEqual([]);
    expect(formatLanguageTable(report)).toMatch(/^es +6 +0 \(0\/0\/0\/0\) +1\.00 3\/3 +1\.00 +1\.00 +1\.00 +0\.00 0\/2 +0\.00 +met$/m);
  });
});

describe('parsers', () => {
  it('validate the blind format', () => {
    expect(() => parseBlindMessages(line({ id: 'x', lang: 'es', kind: 'odd', text: 't' }))).toThrow(/kind/);
    expect(() => parseBlindMessages(line({ id: 'x', lang: 'es', kind: 'benign', text: 't', expectedTier1: ['Nope'] }))).toThrow(/Tier-1/);
    expect(() => parseBlindMessages(line({ id: 'x', lang: 'es', kind: 'sensitive', text: 't', expectedSensitive: ['CASTE'] }))).toThrow(/class/);
    expect(() => parseBlindMessages(line({ id: 'x', lang: 'es', kind: 'benign', text: 't', modality: 'video' }))).toThrow(/modality/);
    expect(() => parseBlindMessages(`${line({ id: 'x', lang: 'es', kind: 'benign', text: 't' })}\n${line({ id: 'x', lang: 'es', kind: 'benign', text: 't' })}`)).toThrow(/duplicate/);
    // A sensitive row forbids everything even if its writer forgot the "*".
    expect(parseBlindMessages(line({ id: 'x', lang: 'es', kind: 'sensitive', text: 't', forbidTier1: ['Travel'] }))[0].forbidTier1).toEqual(['*', 'Travel']);
  });

  it('map the outside-dev fields: alternatives, lower-case classes, negated, script of hi', () => {
    const rows = parseOutsideDevMessages(
      [
        '{"id":"d1","lang":"hi","text":"biryani ki recipe","kind":"benign","expect_tier1":["Food & Drink","Shopping"],"sensitive":[],"forbid_tier1":[]}',
        '{"id":"d2","lang":"hi","text":"मुझे कैंसर है","kind":"sensitive","expect_tier1":[],"sensitive":["health"],"forbid_tier1":["*"]}',
        '{"id":"d3","lang":"en","text":"no cruise","kind":"negated","expect_tier1":[],"sensitive":[],"forbid_tier1":["Travel"]}',
      ].join('\n'),
    );
    expect(rows.map((r) => [r.lang, r.kind, r.match])).toEqual([
      ['hi-Latn', 'benign', 'any'],
      ['hi', 'sensitive', 'any'],
      ['en', 'negation', 'any'],
    ]);
    expect(rows[1].expectedSensitive).toEqual(['HEALTH']);
    // "any": finding one of the alternatives is the full recall of the row.
    const report = evaluateLanguages([rows[0]], scripted({ 'biryani ki recipe': { signals: [signal(FOOD)], suppressed: [] } }));
    expect(report.rows[0].benign).toMatchObject({ hits: 1, expected: 1, precision: 1 });
  });

  it('read every committed evaluation file', () => {
    const blindDir = path.join(EVAL_DIR, 'blind', 'round-1');
    const files = readdirSync(blindDir).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const f of files) {
      const rows = parseBlindMessages(readFileSync(path.join(blindDir, f), 'utf8'), f);
      expect(rows.length).toBeGreaterThanOrEqual(f === 'unsupported.jsonl' ? 80 : 130);
    }
    expect(parseOutsideDevMessages(readFileSync(path.join(EVAL_DIR, 'outside-dev', 'messages.jsonl'), 'utf8'))).toHaveLength(55);
  });
});
