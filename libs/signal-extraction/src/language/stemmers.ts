// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types of the untyped stemmer, needed wherever this file is compiled
/// <reference path="../wink-porter2-stemmer.d.ts" />
import porter2 from 'wink-porter2-stemmer';

/**
 * Per-language stemming hooks, named in each folder's language.tsv (`stemmer`). The same stemmer
 * compiles the folder's phrases and tokenizes messages read in that language, so a phrase matches
 * its inflected forms. English: Porter2 (wink-porter2-stemmer). es/pt/fr/de/id/hi: the Snowball
 * stemmers of @orama/stemmers (Apache-2.0). "none": the surface form (romanized Hindi, whose
 * spelling varies more than its inflection).
 */
export type Stemmer = (word: string) => string;

type OramaModule = { stemmer: (word: string) => string };

/** Stemmers from @orama/stemmers (hindi is its "indian" entry point). */
const ORAMA = new Set(['spanish', 'portuguese', 'french', 'german', 'indonesian', 'hindi']);

export const STEMMER_NAMES: readonly string[] = ['porter2', 'none', ...ORAMA];

const CACHE_LIMIT = 50_000;
const stemmers = new Map<string, Stemmer>();

function loadOrama(name: string): (word: string) => string {
  // Static requires, so bundlers keep each entry point.
  switch (name) {
    case 'spanish':
      return (require('@orama/stemmers/spanish') as OramaModule).stemmer;
    case 'portuguese':
      return (require('@orama/stemmers/portuguese') as OramaModule).stemmer;
    case 'french':
      return (require('@orama/stemmers/french') as OramaModule).stemmer;
    case 'german':
      return (require('@orama/stemmers/german') as OramaModule).stemmer;
    case 'indonesian':
      return (require('@orama/stemmers/indonesian') as OramaModule).stemmer;
    case 'hindi':
      return (require('@orama/stemmers/indian') as OramaModule).stemmer;
    default:
      throw new Error(`unknown stemmer ${name}`);
  }
}

/**
 * The named stemmer, memoized (stemming dominates tokenization cost otherwise). Words of two
 * letters or fewer and words holding a digit are kept as they are.
 */
export function stemmerFor(name: string): Stemmer {
  const known = stemmers.get(name);
  if (known) return known;
  let base: (word: string) => string;
  if (name === 'porter2') base = porter2;
  else if (name === 'none') base = (w) => w;
  else if (ORAMA.has(name)) base = loadOrama(name);
  else throw new Error(`unknown stemmer "${name}" (known: ${STEMMER_NAMES.join(', ')})`);
  // Indonesian chat writes reduplication with the digit 2 ("temen2" = "temen-temen", "laki2", "anak2nya"):
  // the word stems as its base, as "teman-teman" does (the hyphen splits it into two words).
  const reduplicated = name === 'indonesian' ? /^([a-z]{2,})2(nya|ku|mu)?$/ : undefined;
  const cache = new Map<string, string>();
  const stemmer: Stemmer = (word) => {
    let s = cache.get(word);
    if (s === undefined) {
      const base2 = reduplicated?.exec(word);
      if (base2) s = base(base2[1] + (base2[2] ?? ''));
      else s = word.length <= 2 || /\d/.test(word) ? word : base(word);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, s);
    }
    return s;
  };
  stemmers.set(name, stemmer);
  return stemmer;
}
