import { addContribution, viewOf } from './topic-scores';

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
});
