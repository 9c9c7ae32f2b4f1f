// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types of the untyped stemmer, needed wherever this file is compiled
/// <reference path="../wink-porter2-stemmer.d.ts" />
import porter2 from 'wink-porter2-stemmer';

/**
 * Per-language stemming hooks, named in each folder's language.tsv (`stemmer`). The same stemmer
 * compiles the folder's phrases and tokenizes messages read in that language, so a phrase matches
 * its inflected forms. English: Porter2 (wink-porter2-stemmer). es/pt/fr/de/id/hi: the Snowball
 * stemmers of @orama/stemmers (Apache-2.0). "hinglish": romanized Hindi, whose spelling varies more
 * than its inflection, folded to one spelling (hinglishFold). "none": the surface form.
 */
export type Stemmer = (word: string) => string;

type OramaModule = { stemmer: (word: string) => string };

/** Stemmers from @orama/stemmers (hindi is its "indian" entry point). */
const ORAMA = new Set(['spanish', 'portuguese', 'french', 'german', 'indonesian', 'hindi']);

export const STEMMER_NAMES: readonly string[] = ['porter2', 'none', 'hinglish', 'german2', ...ORAMA];

/**
 * One spelling for the ways romanized Hindi writes the same sound: "ph"/"f" (phone, fone), "w"/"v"
 * (chunaw, chunav), "z"/"j" (zyada, jyada; roza, roja), "q"/"k" (qurbani), "c" not before "h"/"k" (nastic,
 * nastik; cricket, kriket), "ee"/"i"
 * (neend, nind), "oo"/"u" (pooja, puja), "au"/"o" (naukri, nokri; aur, or), "eh"/"ah" before a
 * consonant (pehla, pahla; mehnga, mahnga), and any letter written twice or more as one (bahuuut,
 * accha → bahut, acha). Lexicon phrases are folded the same way, so each phrase matches every such
 * spelling; what it cannot fold (dropped vowels "nhi", "bhot") is listed in the data. Only words of
 * ASCII letters are folded.
 */
export function hinglishFold(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  return word
    .replace(/ph/g, 'f')
    .replace(/w/g, 'v')
    .replace(/z/g, 'j')
    .replace(/q/g, 'k')
    .replace(/c+h/g, 'ch')
    .replace(/c(?!h)/g, 'k')
    .replace(/ee/g, 'i')
    .replace(/oo/g, 'u')
    .replace(/([a-z])\1+/g, '$1')
    .replace(/au/g, 'o')
    .replace(/eh(?=[^aeiouyh])/g, 'ah');
}

/**
 * Devanagari spellings chat text uses interchangeably: the nukta (फ़ोन / फोन, ज़्यादा / ज्यादा), the
 * chandrabindu for the anusvara (हूँ / हूं), and the candra vowel signs of English loanwords
 * (डॉक्टर / डोक्टर). Latin-script words in a Hindi message (brands, loanwords) get the romanized fold.
 */
export function devanagariFold(word: string): string {
  if (/^[a-z]+$/.test(word)) return hinglishFold(word);
  return word.replace(/\u093c/g, '').replace(/\u0901/g, '\u0902').replace(/\u0949/g, '\u094b').replace(/\u0945/g, '\u0947');
}

/**
 * German chat is often typed without umlauts: "ue", "oe", "ae" for ü, ö, ä ("schwuel", "juedisch",
 * "Fluege"). Text is accent-folded before stemming (ü → u), so "german2" (Snowball's name for the
 * variant) reads the digraphs as the plain vowel too; "ue" after a, e or q stays ("Feuer", "bauen", "Quelle").
 */
export function foldGermanDigraphs(word: string): string {
  return word.includes('e') ? word.replace(/(?<![aeq])ue/g, 'u').replace(/ae/g, 'a').replace(/oe/g, 'o') : word;
}

const CACHE_LIMIT = 50_000;
/** Shortest Hindi stem kept, in UTF-16 code units (letters and vowel signs). */
const HINDI_MIN_STEM = 3;
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
  else if (name === 'hinglish') base = hinglishFold;
  else if (name === 'hindi') {
    const snowball = loadOrama(name);
    base = (w) => {
      const folded = devanagariFold(w);
      if (/^[a-z]+$/.test(folded)) return folded;
      // Snowball strips short roots to one or two signs (गाना, गाने, गया, गई → ग; खाना, खाया → ख; पति, पता → पत):
      // such a stem would make unrelated words one, so the word is kept whole.
      const stemmed = snowball(folded);
      return stemmed.length < HINDI_MIN_STEM ? folded : stemmed;
    };
  } else if (name === 'german2') {
    const german = loadOrama('german');
    base = (w) => german(foldGermanDigraphs(w));
  } else if (ORAMA.has(name)) base = loadOrama(name);
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
