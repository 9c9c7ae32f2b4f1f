import { scoreAt } from './decay';
import { addContribution, subtractContribution, viewOf } from './topic-scores';

const H = 30 * 86_400_000;

describe('topic scores', () => {
  it('keeps ads and content scores apart and counts every signal in the total', () => {
    let state = addContribution(undefined, { weight: 1, eventTimeMs: 1000, adsEligible: true, contentEligible: false }, H);
    state = addContribution(state, { weight: 2, eventTimeMs: 2000, adsEligible: false, contentEligible: true }, H);
    state = addContribution(state, { weight: 4, eventTimeMs: 500, adsEligible: false, contentEligible: false }, H);
    expect(viewOf(state, 'ADS')).toEqual({ score: { score: 1, atMs: 1000 }, lastTimeMs: 1000 });
    expect(viewOf(state, 'CONTENT')).toEqual({ score: { score: 2, atMs: 2000 }, lastTimeMs: 2000 });
    expect(viewOf(state, 'TOTAL')?.lastTimeMs).toBe(2000);
    expect(viewOf(state, 'TOTAL')?.score.score).toBeCloseTo(7, 4);
  });

  it('has no ads view when no ads-eligible signal contributed', () => {
    const state = addContribution(undefined, { weight: 1, eventTimeMs: 0, adsEligible: false, contentEligible: true }, H);
    expect(viewOf(state, 'ADS')).toBeUndefined();
  });

  describe('subtractContribution', () => {
    const HALF = 30 * 86_400_000;
    const DAY = 86_400_000;
    const must = <T>(value: T | undefined): T => {
      if (value === undefined) throw new Error('expected a value');
      return value;
    };
    const c = (weight: number, eventTimeMs: number, ads = true, content = true) => ({ weight, eventTimeMs, adsEligible: ads, contentEligible: content });

    it('takes exactly one contribution out, whatever the order it was added in', () => {
      const a = c(1, 0);
      const b = c(0.5, 10 * DAY, false, true);
      const d = c(0.25, 5 * DAY);
      const all = must([a, b, d].reduce<ReturnType<typeof addContribution> | undefined>((state, x) => addContribution(state, x, HALF), undefined));
      const withoutD = must(subtractContribution(all, d, HALF));
      const expected = addContribution(addContribution(undefined, a, HALF), b, HALF);
      for (const at of [10 * DAY, 40 * DAY]) {
        expect(scoreAt(withoutD.total, at, HALF)).toBeCloseTo(scoreAt(expected.total, at, HALF), 12);
        expect(scoreAt(must(withoutD.ads), at, HALF)).toBeCloseTo(scoreAt(must(expected.ads), at, HALF), 12);
        expect(scoreAt(must(withoutD.content), at, HALF)).toBeCloseTo(scoreAt(must(expected.content), at, HALF), 12);
      }
    });

    it('drops a purpose score, or the whole topic, that held nothing else', () => {
      const adsOnly = c(1, 0, true, false);
      const state = addContribution(addContribution(undefined, adsOnly, HALF), c(0.5, DAY, false, true), HALF);
      const left = must(subtractContribution(state, adsOnly, HALF));
      expect(left.ads).toBeUndefined();
      expect(left.adsLastTimeMs).toBeUndefined();
      expect(scoreAt(must(left.content), DAY, HALF)).toBeCloseTo(0.5, 12);
      expect(subtractContribution(addContribution(undefined, adsOnly, HALF), adsOnly, HALF)).toBeUndefined();
      // More than is there (partly erased meanwhile): gone, never negative.
      expect(subtractContribution(addContribution(undefined, c(0.5, 0), HALF), c(1, 0), HALF)).toBeUndefined();
    });
  });
});
