import type { Tokens } from '../text';

/**
 * Typo tolerance toward a language's sensitive vocabulary (issue 14: "a dropped or doubled letter
 * must not turn a sensitive message into an ads signal"). Opt-in per language (language.tsv
 * `typos`: the shortest sensitive word it applies to).
 *
 * A token whose stem no phrase of the language knows, but which is one edit away from a word of
 * its sensitive phrases, is read as that word: a transposed pair ("unoin" → union), a changed vowel
 * or vowel sign ("dipression", "नस्तिक"), a dropped letter ("aadivsi" → adivasi) for words of six
 * letters or more, or one extra letter ("diabeties") in tokens of seven or more; never at the first
 * letter, which chat spelling keeps (a name like "Ambani" is not "lambani" short of its "l"). Known words of the
 * language (every phrase word, function words, cues.tsv `known` rows: its everyday vocabulary) are
 * never corrected, so "hindi" stays Hindi and
 * "onion" stays onion; a variant two different sensitive words share is dropped (two spellings of one
 * word, themselves one edit apart, keep it). The cost is one map look-up
 * per unknown token (memoized), plus a handful for long ones.
 */

const LATIN_VOWELS = 'aeiouy';
/** Devanagari vowel signs, anusvara/chandrabindu and virama: what chat spelling swaps or drops. */
const DEVANAGARI_SIGNS = '\u093e\u093f\u0940\u0941\u0942\u0943\u0947\u0948\u094b\u094c\u0902\u0901\u094d';
const DROP_MIN = 6;
const INSERT_MIN = 7;
const CACHE_LIMIT = 50_000;

function vowelsOf(word: string): string {
  return /[\u0900-\u097f]/.test(word) ? DEVANAGARI_SIGNS : LATIN_VOWELS;
}

/** Every one-edit variant of `word` the corrector accepts (its own spelling excluded). */
export function typoVariants(word: string): Set<string> {
  const out = new Set<string>();
  const n = word.length;
  const vowels = vowelsOf(word);
  for (let i = 0; i + 1 < n; i++) {
    if (word[i] !== word[i + 1]) out.add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  for (let i = 0; i < n; i++) {
    if (vowels.includes(word[i])) {
      for (const v of vowels) if (v !== word[i]) out.add(word.slice(0, i) + v + word.slice(i + 1));
    }
    // A dropped letter is inside the word: "ambani" is a name, not "lambani" without its first letter.
    if (n >= DROP_MIN && i > 0) out.add(word.slice(0, i) + word.slice(i + 1));
  }
  out.delete(word);
  return out;
}

export class TypoCorrector {
  private readonly variants = new Map<string, string>();
  private readonly sensitive: ReadonlySet<string>;
  private readonly cache = new Map<string, string | null>();

  /**
   * `sensitiveWords`: stems of the words of the language's sensitive phrases; `knownWords`: stems
   * of every word the language's data knows (never corrected); `minLength`: shortest word covered.
   */
  constructor(sensitiveWords: Iterable<string>, private readonly knownWords: ReadonlySet<string>, private readonly minLength: number) {
    const sensitive = new Set<string>();
    for (const w of sensitiveWords) if (w.length >= minLength && !/\d/.test(w)) sensitive.add(w);
    this.sensitive = sensitive;
    const ambiguous = new Set<string>();
    for (const w of sensitive) {
      for (const v of typoVariants(w)) {
        if (knownWords.has(v) || sensitive.has(v) || ambiguous.has(v)) continue;
        const prev = this.variants.get(v);
        if (prev !== undefined && prev !== w) {
          // Two spellings of one word ("thyroid", "thyriod") share variants: either reading is right.
          if (typoVariants(prev).has(w)) continue;
          this.variants.delete(v);
          ambiguous.add(v);
        } else {
          this.variants.set(v, w);
        }
      }
    }
  }

  get size(): number {
    return this.variants.size;
  }

  /** The sensitive word a stem is a typo of, if it is one. */
  correct(stem: string): string | undefined {
    if (stem.length < this.minLength - 1 || this.knownWords.has(stem)) return undefined;
    const cached = this.cache.get(stem);
    if (cached !== undefined) return cached ?? undefined;
    let found = this.variants.get(stem);
    if (found === undefined && stem.length >= INSERT_MIN) {
      // One letter too many: dropping it gives a sensitive word.
      for (let i = 1; i < stem.length && found === undefined; i++) {
        const v = stem.slice(0, i) + stem.slice(i + 1);
        if (this.sensitive.has(v)) found = v;
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(stem, found ?? null);
    return found;
  }

  /** The tokens with typo stems replaced (the same object when nothing changes). */
  apply(tokens: Tokens, foreignKnown?: ReadonlySet<string>): Tokens {
    let stems: string[] | undefined;
    for (let i = 0; i < tokens.length; i++) {
      if (foreignKnown?.has(tokens.surface[i])) continue;
      const fixed = this.correct(tokens.stems[i]);
      if (fixed !== undefined) {
        stems ??= [...tokens.stems];
        stems[i] = fixed;
      }
    }
    return stems ? { ...tokens, stems } : tokens;
  }
}
