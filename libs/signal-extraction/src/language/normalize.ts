import { SENSITIVE_CLASSES, type SensitiveClass } from '@signalpath/sensitive-topics';

/**
 * Text normalization before language identification, extraction and sensitive detection (issue
 * 13): what a person reads as the same word must reach the lexicon as the same word, or a
 * sensitive clause could escape while its other topics stay ads-eligible.
 *
 * 1. Religious and identity emoji become class markers (private-use characters the tokenizer
 *    keeps as one token and the engine maps to a class, whatever the language).
 * 2. NFKC: full-width letters, ligatures, super/subscripts and other compatibility forms fold.
 * 3. Format characters go: zero-width space / joiners (U+200B–200D, U+2060, U+FEFF), soft hyphen,
 *    bidi controls, variation selectors.
 * 4. Confusables: in a word whose every non-Latin letter is a Cyrillic or Greek look-alike
 *    ("muslіm" with a Cyrillic і), those letters become Latin. Real Cyrillic or Greek words keep
 *    their letters (they hold letters with no Latin look-alike).
 * 5. Leetspeak between letters ("musl1m", "g4y", "j3w") and letters spelt out with spaces, dots,
 *    dashes or underscores ("g a y", "m.u.s.l.i.m") fold back into words. Digits elsewhere
 *    ("5k", "ps5", "2015") are left alone.
 *
 * Pure and cheap: plain ASCII text without digits or spelt-out letters returns unchanged after two
 * regular-expression tests.
 */

/** Emoji that reveal a class by themselves (with or without U+FE0F), mapped to the class. */
export const EMOJI_CUES: ReadonlyArray<readonly [emoji: string, cls: SensitiveClass, name: string]> = [
  ['\u{1F3F3}\uFE0F\u200D\u{1F308}', 'SEXUAL_ORIENTATION', 'rainbow flag'],
  ['\u{1F3F3}\u200D\u{1F308}', 'SEXUAL_ORIENTATION', 'rainbow flag (no variation selector)'],
  ['\u{1F3F3}\uFE0F\u200D\u26A7\uFE0F', 'SEXUAL_ORIENTATION', 'transgender flag'],
  ['\u{1F3F3}\u200D\u26A7', 'SEXUAL_ORIENTATION', 'transgender flag (no variation selector)'],
  ['\u26A7', 'SEXUAL_ORIENTATION', 'transgender symbol'],
  ['\u271D', 'RELIGION', 'latin cross'],
  ['\u2626', 'RELIGION', 'orthodox cross'],
  ['\u262A', 'RELIGION', 'star and crescent'],
  ['\u{1F549}', 'RELIGION', 'om'],
  ['\u2638', 'RELIGION', 'wheel of dharma'],
  ['\u2721', 'RELIGION', 'star of David'],
  ['\u262C', 'RELIGION', 'khanda'],
  ['\u262F', 'RELIGION', 'yin yang'],
  ['\u{1F6D0}', 'RELIGION', 'place of worship'],
  ['\u{1F54E}', 'RELIGION', 'menorah'],
  ['\u{1F54B}', 'RELIGION', 'kaaba'],
  ['\u{1F54C}', 'RELIGION', 'mosque'],
  ['\u{1F54D}', 'RELIGION', 'synagogue'],
  ['\u26EA', 'RELIGION', 'church'],
  ['\u{1F4FF}', 'RELIGION', 'prayer beads'],
];

/** One private-use character per class; the tokenizer keeps it as a token of its own. */
const MARKER_BASE = 0xe100;
const MARKER_CLASSES: readonly SensitiveClass[] = SENSITIVE_CLASSES;
const MARKER_OF = new Map(MARKER_CLASSES.map((c, i) => [c, String.fromCharCode(MARKER_BASE + i)]));

/** The class a marker token stands for, if it is one. */
export function markerClass(token: string): SensitiveClass | undefined {
  if (token.length !== 1) return undefined;
  const i = token.charCodeAt(0) - MARKER_BASE;
  return i >= 0 && i < MARKER_CLASSES.length ? MARKER_CLASSES[i] : undefined;
}

// Longest sequences first, so a flag is not read as its white-flag prefix.
const EMOJI_RE = new RegExp(
  [...EMOJI_CUES]
    .sort((a, b) => b[0].length - a[0].length)
    .map(([e]) => `${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\uFE0F?`)
    .join('|'),
  'gu',
);
const EMOJI_CLASS = new Map(EMOJI_CUES.map(([e, c]) => [e, c]));

/** Format characters (Cf: zero-width, joiners, bidi controls, soft hyphen, BOM) and variation selectors. */
const INVISIBLE = /[\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}\u034F\u115F\u1160\u3164\uFFA0]/gu;

/** Cyrillic and Greek letters that look like Latin ones. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ү: 'y', һ: 'h', ӏ: 'l', ɡ: 'g', ӓ: 'a', ӧ: 'o',
  А: 'A', В: 'B', Е: 'E', І: 'I', Ј: 'J', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X', Ѕ: 'S', Ү: 'Y', Һ: 'H', Ӏ: 'l',
  // Greek
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Latin look-alikes outside ASCII that NFKC keeps
  ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ɪ: 'i', ʏ: 'y', ᴀ: 'a', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ᴋ: 'k', ᴍ: 'm', ᴏ: 'o', ᴘ: 'p', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z',
};
const CONFUSABLE_CHARS = new Set(Object.keys(CONFUSABLES));
/** Any confusable character (one test spares the word-by-word fold for texts without one: most Devanagari chat). */
const HAS_CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'u');
const LETTER_RUN = /[\p{L}\p{M}]+/gu;

/** Leet characters read as letters when they sit between letters. */
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
const LEET_INNER = /(?<=\p{L})[013457@$]+(?=\p{L})/gu;
const HAS_LEET = /\p{L}[013457@$]+\p{L}/u;

/** Three or more single letters separated by one space, dot, dash or underscore: "g a y", "g.a.y", "m-u-s-l-i-m". */
const SPELT = /(?<![\p{L}\p{N}])\p{L}(?:[ ._\-\u00B7]\p{L}){2,}(?![\p{L}\p{N}])/gu;

// eslint-disable-next-line no-control-regex -- the fast path: printable ASCII and whitespace only
const PLAIN_ASCII = /^[\x09\x0a\x0d\x20-\x7e]*$/;
/** The same two patterns for plain ASCII text, without Unicode property look-ups (most messages). */
const HAS_LEET_ASCII = /[a-z][013457@$]+[a-z]/i;
const SPELT_ASCII = /(?<![a-z0-9])[a-z](?:[ ._-][a-z]){2,}(?![a-z0-9])/i;

function foldConfusables(text: string): string {
  // A word made only of look-alikes ("аррlе" is, but so is Russian "как") is folded only in a
  // text mostly written in Latin letters; one mixing Latin and look-alikes always is.
  let latin = 0;
  let other = 0;
  for (const word of text.match(LETTER_RUN) ?? []) {
    for (const ch of word) {
      if ((ch.codePointAt(0) ?? 0) < 0x250 && !CONFUSABLE_CHARS.has(ch)) latin++;
      else other++;
    }
  }
  const latinText = latin > other;
  return text.replace(LETTER_RUN, (word) => {
    let lookalike = false;
    let real = false;
    for (const ch of word) {
      const code = ch.codePointAt(0) ?? 0;
      if (CONFUSABLE_CHARS.has(ch)) lookalike = true;
      else if (code < 0x250) real = true;
      else return word; // a letter with no Latin look-alike: a real word of its script
    }
    if (!lookalike || !(real || latinText)) return word;
    let out = '';
    for (const ch of word) out += CONFUSABLES[ch] ?? ch;
    return out;
  });
}

/** The normalized text (see the file comment). Idempotent. */
export function normalizeText(text: string): string {
  let t = text;
  if (PLAIN_ASCII.test(t)) {
    if (!HAS_LEET_ASCII.test(t) && !SPELT_ASCII.test(t)) return t;
  } else {
    t = t.replace(EMOJI_RE, (m) => {
      const cls = EMOJI_CLASS.get(m.endsWith('\uFE0F') && !EMOJI_CLASS.has(m) ? m.slice(0, -1) : m);
      return cls ? ` ${MARKER_OF.get(cls)} ` : m;
    });
    t = t.normalize('NFKC').replace(INVISIBLE, '');
    if (HAS_CONFUSABLE.test(t)) t = foldConfusables(t);
  }
  if (HAS_LEET.test(t)) t = t.replace(LEET_INNER, (m) => m.replace(/./g, (c) => LEET[c] ?? c));
  if (SPELT.test(t)) {
    SPELT.lastIndex = 0;
    t = t.replace(SPELT, (m) => m.replace(/[ ._\-\u00B7]/g, ''));
  }
  return t;
}
