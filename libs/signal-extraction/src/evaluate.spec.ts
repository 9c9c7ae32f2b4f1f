import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeText, evaluate, EVALUATION_TARGETS, parseLabelledMessages, type Analysis } from './index';

const EVAL_FILE = path.join(__dirname, '..', 'eval', 'messages.jsonl');

describe('evaluation set', () => {
  const messages = parseLabelledMessages(readFileSync(EVAL_FILE, 'utf8'));

  it('is large and covers every kind and every sensitive class', () => {
    expect(messages.length).toBeGreaterThanOrEqual(300);
    for (const kind of ['benign', 'sensitive', 'mixed', 'negation'] as const) {
      expect(messages.filter((m) => m.kind === kind).length).toBeGreaterThanOrEqual(30);
    }
    const classes = new Set(messages.flatMap((m) => m.expectedSensitive));
    expect(classes.size).toBe(8);
  });

  it('meets the issue 4 targets: zero leaks, recall, detection, few false suppressions', () => {
    const report = evaluate(messages);
    expect(report.failures).toEqual([]);
    expect(report.leaks.count).toBe(0);
    expect(report.leaks.withSensitiveContentAllowed.count).toBe(0);
    expect(report.benign.recall).toBeGreaterThanOrEqual(EVALUATION_TARGETS.minBenignRecall);
    expect(report.mixed.recall).toBeGreaterThanOrEqual(EVALUATION_TARGETS.minMixedRecall);
    expect(report.sensitive.detectionRate).toBeGreaterThanOrEqual(EVALUATION_TARGETS.minSensitiveDetection);
    expect(report.wronglySuppressed.rate).toBeLessThanOrEqual(EVALUATION_TARGETS.maxWronglySuppressedRate);
  });
});

describe('evaluate()', () => {
  const set = parseLabelledMessages(
    [
      '{"id":"b","text":"I love golf","kind":"benign","expectedTier1":["Sports"],"expectedSensitive":[]}',
      '{"id":"s","text":"my diabetes is bad","kind":"sensitive","expectedTier1":[],"expectedSensitive":["HEALTH"]}',
      '// comment lines and blank lines are ignored',
      '',
      '{"id":"n","text":"I hate golf","kind":"negation","expectedTier1":[],"expectedSensitive":[]}',
    ].join('\n'),
  );

  it('counts a leak for any signal from a purely sensitive message and fails the target', () => {
    const leaky = (text: string): Analysis =>
      text.includes('diabetes') ? { signals: [{ topicId: '483', weight: 1, adsEligible: true, contentEligible: true }], suppressed: ['HEALTH'] } : analyzeText(text);
    const report = evaluate(set, leaky);
    expect(report.leaks.ids).toEqual(['s']);
    expect(report.failures.join(' ')).toMatch(/leaks/);
  });

  it('measures recall, negation false positives and wrong suppressions', () => {
    const everythingSports = (): Analysis => ({ signals: [{ topicId: '483', weight: 1, adsEligible: true, contentEligible: true }], suppressed: ['RACE'] });
    const report = evaluate(set, everythingSports);
    expect(report.benign.recall).toBe(1);
    expect(report.negation.ids).toEqual(['n']);
    expect(report.wronglySuppressed.ids).toEqual(['b']);
    expect(report.sensitive.detectionRate).toBe(0);
  });

  it('rejects malformed lines', () => {
    expect(() => parseLabelledMessages('{"id":"x","text":"t","kind":"odd"}')).toThrow(/kind/);
    expect(() => parseLabelledMessages('{"id":"x","text":"t","kind":"benign","expectedTier1":["Nope"]}')).toThrow(/Tier-1/);
    expect(() => parseLabelledMessages('{"id":"x","text":"t","kind":"benign"}\n{"id":"x","text":"t","kind":"benign"}')).toThrow(/duplicate/);
    expect(() => parseLabelledMessages('not json')).toThrow(/JSON/);
  });
});
