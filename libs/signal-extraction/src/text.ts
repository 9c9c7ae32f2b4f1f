import { stemmerFor, type Stemmer } from './language/stemmers';

/**
 * Tokenization shared by the lexicons and the matchers: lower case, apostrophes dropped inside
 * words ("don't" → "dont", "I'm" → "im"), every other non-alphanumeric character a separator, each
 * token stemmed with Porter2. Sentence punctuation and commas are remembered as boundaries.
 */

/** Boundary before a token: none, a comma-like break (, : ( ) " / or a dash), or a sentence end (. ! ? ; … । or a line break). */
export const Boundary = { None: 0, Comma: 1, Sentence: 2 } as const;
export type Boundary = (typeof Boundary)[keyof typeof Boundary];

export interface Tokens {
  /** Lower-case surface forms. */
  readonly surface: string[];
  /** Porter2 stems. */
  readonly stems: string[];
  /** Offsets in the original text ([start, end)). */
  readonly starts: number[];
  readonly ends: number[];
  /** Boundary between token i-1 and token i (index 0: Sentence). */
  readonly before: Boundary[];
  /** True when the sentence that ends right after token i ends with a question mark. */
  readonly questionAfter: boolean[];
  readonly length: number;
}

/** Porter2 stem, memoized (the English default). */
export const stem: Stemmer = stemmerFor('porter2');

export interface TokenizeOptions {
  /** The language's stemmer (default Porter2). */
  stem?: Stemmer;
  /** Words whose trailing "." does not end a sentence (the language's cues.tsv "abbreviation" rows). */
  abbreviations?: ReadonlySet<string>;
  /**
   * Elided words ending at an apostrophe (French "l'", "d'", "qu'": language.tsv `elision`): the
   * apostrophe ends a token there ("l'escalade" → "l", "escalade") instead of being dropped.
   */
  elisions?: ReadonlySet<string>;
}

const NO_ABBREVIATIONS: ReadonlySet<string> = new Set();

/** Letters, combining marks, digits and the private-use class markers of normalize.ts. */
const WORD_CHAR = /[\p{L}\p{M}\p{N}\p{Co}]/u;

/**
 * A character of a word: ASCII letters and digits, and beyond Latin-1 punctuation every letter,
 * mark or digit. Punctuation, symbols and emoji outside ASCII ("…", curly quotes, dashes, the
 * Devanagari danda, "🍕") separate words like ASCII punctuation does.
 */
function isAlnum(code: number, ch: string): boolean {
  // Characters SPECIAL_FORMS writes into words: "♯" of "c♯" (c#) and "⸮" of the sarcasm tag "⸮s" (/s).
  if (code === 0x266f || code === 0x2e2e) return true;
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  if (code < 0xc0) return false;
  if (code < 0x250) return code !== 0xd7 && code !== 0xf7; // Latin letters, not × and ÷
  if (code >= 0x0900 && code <= 0x097f) return code !== 0x0964 && code !== 0x0965; // Devanagari, not the dandas
  return WORD_CHAR.test(ch);
}

function isApostrophe(ch: string): boolean {
  return ch === "'" || ch === '\u2019' || ch === '\u2018' || ch === '`';
}

const SENTENCE_CHARS = new Set(['.', '!', '?', ';', '\n', '\r', '\u2026', '\u0964', '\u0965']);
const COMMA_CHARS = new Set([',', ':', '(', ')', '"', '\u201c', '\u201d', '\u2013', '\u2014', '[', ']', '/']);

/** Folds accents so "café" matches "cafe". */
export function fold(word: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(word) ? word.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : word;
}

/**
 * A few tokens that only make sense before punctuation stripping. Replacements keep the length so
 * that token offsets still point into the caller's text.
 */
const SPECIAL_FORMS: ReadonlyArray<[RegExp, string]> = [
  [/c\+\+/g, 'cpp'],
  [/c#/g, 'c\u266f'],
  [/\.net\b/g, 'dnet'],
  [/\br&b\b/g, 'rnb'],
  [/\b(lgbtq?i?a?)\+/g, '$1 '],
  // The sarcasm tag "/s" (a word of its own) becomes the token "\u2e2es", which negation.tsv spells "/s".
  [/(^|\s)\/s(?=$|[\s.,!?;)])/g, '$1\u2e2es'],
];

/** A pictographic emoji: a token of its own (sarcasm "🙄" is negation.tsv data), not part of a word. */
const EMOJI = /\p{Extended_Pictographic}/u;

export function tokenize(input: string, options: TokenizeOptions = {}): Tokens {
  const stemWord = options.stem ?? stem;
  const abbreviations = options.abbreviations ?? NO_ABBREVIATIONS;
  const elisions = options.elisions ?? NO_ABBREVIATIONS;
  let text = input.toLowerCase();
  if (text.length !== input.length) text = input.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (const [re, rep] of SPECIAL_FORMS) text = text.replace(re, rep);
  const surface: string[] = [];
  const stems: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const before: Boundary[] = [];
  const questionAfter: boolean[] = [];
  let pending: Boundary = Boundary.Sentence;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (isAlnum(code, ch)) {
      const start = i;
      let word = '';
      while (i < n) {
        const c = text.charCodeAt(i);
        if (isAlnum(c, text[i])) {
          word += text[i];
          i++;
        } else if (isApostrophe(text[i]) && i + 1 < n && isAlnum(text.charCodeAt(i + 1), text[i + 1]) && word.length > 0) {
          if (elisions.size > 0 && elisions.has(fold(word))) break; // "l'escalade": two tokens
          i++; // drop apostrophes inside words
        } else {
          break;
        }
      }
      word = fold(word);
      if (word.length === 0) continue;
      surface.push(word);
      stems.push(stemWord(word));
      starts.push(start);
      ends.push(i);
      before.push(pending);
      questionAfter.push(false);
      pending = Boundary.None;
      continue;
    }
    if (code >= 0x2000 && (code < 0xd800 || code > 0xdfff || i + 1 < n)) {
      const cp = text.codePointAt(i) ?? code;
      const emoji = String.fromCodePoint(cp);
      if (EMOJI.test(emoji)) {
        const start = i;
        i += emoji.length;
        while (i < n && (text[i] === '\ufe0f' || text[i] === '\u200d')) i++; // variation selector, joiner
        surface.push(emoji);
        stems.push(emoji);
        starts.push(start);
        ends.push(i);
        before.push(pending);
        questionAfter.push(false);
        pending = Boundary.None;
        continue;
      }
    }
    if (SENTENCE_CHARS.has(ch)) {
      const isDot = ch === '.';
      const next = i + 1 < n ? text[i + 1] : ' ';
      const last = surface.length > 0 ? surface[surface.length - 1] : '';
      const endsSentence =
        !isDot || ((next === ' ' || next === '\n' || next === '\t' || next === '\r' || i + 1 >= n) && !abbreviations.has(last));
      if (endsSentence) {
        pending = Boundary.Sentence;
        if (ch === '?' && surface.length > 0) questionAfter[surface.length - 1] = true;
      } else if (pending < Boundary.Comma && isDot && !/[0-9a-z]/.test(next)) {
        pending = Boundary.Comma;
      }
    } else if (COMMA_CHARS.has(ch) || (ch === '-' && (text[i + 1] === ' ' || text[i - 1] === ' '))) {
      if (pending < Boundary.Comma) pending = Boundary.Comma;
    }
    i++;
  }
  return { surface, stems, starts, ends, before, questionAfter, length: surface.length };
}

/** A lexicon phrase with its elided words separated ("j'en ai marre" → "j en ai marre"), as the tokenizer reads text. */
export function splitElisions(phrase: string, elisions: ReadonlySet<string>): string {
  if (elisions.size === 0) return phrase;
  return phrase.replace(/([\p{L}\p{N}]+)['\u2019\u2018`](?=[\p{L}\p{N}])/gu, (m, word: string) => (elisions.has(fold(word.toLowerCase())) ? `${word} ` : m));
}

/** Tokenizes a lexicon phrase into stems (no boundaries). */
export function phraseStems(phrase: string, stemWord: Stemmer = stem): string[] {
  return tokenize(phrase, { stem: stemWord }).stems;
}
