/**
 * Ad load of a feed that mixes kinds: of `limit` places, at most `maxAds` go to ads, and the ads
 * get up to that many places whenever enough are eligible — a higher-scoring post does not crowd
 * an ad out of its slot, and ads never flood the feed. The other places go to the best non-ads;
 * an empty ad slot goes to a non-ad. The chosen items keep their ranked order.
 */
export function withAdLoad<T>(ranked: readonly T[], isAd: (item: T) => boolean, limit: number, maxAds: number): T[] {
  const adPlaces = Math.min(maxAds, limit);
  const ads = ranked.filter(isAd).slice(0, adPlaces);
  const others = ranked.filter((item) => !isAd(item)).slice(0, limit - ads.length);
  const chosen = new Set<T>([...ads, ...others]);
  return ranked.filter((item) => chosen.has(item));
}

/** The default ad load: a fifth of the places, rounded down, and at least one (4 of 20, 1 of 3). */
export const defaultMaxAds = (limit: number): number => Math.max(1, Math.floor(limit / 5));
