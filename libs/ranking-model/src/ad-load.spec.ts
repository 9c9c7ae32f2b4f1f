import { defaultMaxAds, withAdLoad } from './ad-load';

/** Items by name: `a…` are ads, the rest are not; the array is the ranked order. */
const isAd = (name: string) => name.startsWith('a');

describe('withAdLoad', () => {
  it('caps ads at their places even when they rank above everything (no flooding)', () => {
    expect(withAdLoad(['a1', 'a2', 'a3', 'a4', 'p1', 'p2', 'p3'], isAd, 4, 1)).toEqual(['a1', 'p1', 'p2', 'p3']);
  });

  it('keeps the ad places when posts rank above every ad (no crowding out), in ranked order', () => {
    expect(withAdLoad(['p1', 'p2', 'p3', 'p4', 'p5', 'a1', 'a2'], isAd, 4, 2)).toEqual(['p1', 'p2', 'a1', 'a2']);
  });

  it('gives an ad place nobody fills to a non-ad, and max_ads 0 shows none', () => {
    expect(withAdLoad(['p1', 'a1', 'p2', 'p3', 'p4'], isAd, 4, 3)).toEqual(['p1', 'a1', 'p2', 'p3']);
    expect(withAdLoad(['a1', 'p1', 'p2'], isAd, 4, 0)).toEqual(['p1', 'p2']);
  });

  it('never returns more than the limit, and max_ads above the limit is the limit', () => {
    expect(withAdLoad(['a1', 'a2', 'a3', 'p1'], isAd, 2, 10)).toEqual(['a1', 'a2']);
  });

  it('defaults to a fifth of the places, at least one', () => {
    expect([defaultMaxAds(20), defaultMaxAds(4), defaultMaxAds(5), defaultMaxAds(200), defaultMaxAds(1)]).toEqual([4, 1, 1, 40, 1]);
  });
});
