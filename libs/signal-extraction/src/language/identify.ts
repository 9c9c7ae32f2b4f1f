import { languageFolders, type LanguageFolder } from './data';

/**
 * Language identification for short chat messages, fail closed (privacy invariant 8).
 *
 * 1. Script: letters of a script no folder is written in (Cyrillic, Arabic, Han, Thai, ...) make
 *    the message "und-<Script>"; Devanagari is Hindi when Hindi function words are present.
 * 2. Function words (lexicon/<lang>/function-words.tsv, plus a few distinctive letters): each word
 *    found in k languages' lists counts 1/k for each. This is what recognizes romanized Hindi and
 *    code-switching (two launch languages each with real evidence, one of them English), which no
 *    measured npm library labels, and it costs a few microseconds.
 * 3. When function words do not decide (none, or two languages close), the npm library tinyld
 *    decides among the known languages; a message it cannot place either stays undetermined.
 *
 * The verdict is supported only when every language found has status "supported"; anything
 * else (pending, unsupported, undetermined) is refused by the caller.
 */

export type IdentificationMethod = 'none' | 'script' | 'function-words' | 'library';

export interface LanguageVerdict {
  /** BCP-47 tag of the main language: "en", "hi-Latn", "it", "und", "und-Cyrl". */
  code: string;
  /** Every language found, main first: two for a code-switched message ("hi-Latn", "en"). */
  languages: string[];
  /** In [0, 1]. */
  confidence: number;
  /** Every language found is supported by the extractor. */
  supported: boolean;
  /** The main language has a lexicon folder (supported, pending or identify-only). */
  known: boolean;
  method: IdentificationMethod;
  /**
   * Supported languages with a few words of their own in a message read as English alone ("Soy
   * veganna, any leather-free boots?"): too few to call it code-switched, but their lexicons still
   * look for sensitive classes in it (fail safe: they can only suppress, never add a topic).
   */
  alsoSeen?: string[];
}

/**
 * A message is code-switched (a launch language with English) when each has at least this much
 * evidence and this share of it: low on purpose, since a mixed message is read with both
 * languages' lexicons (or refused when either is not supported), while a misread one is not.
 */
const MIX_MIN_SCORE = 1;
const MIX_MIN_SHARE = 0.15;
/** ... and from at least this many distinct words (one repeated "um" is not Portuguese). */
const MIX_MIN_WORDS = 2;
/** Function words decide when the leading language has this many times the runner-up's evidence. */
const LEAD_RATIO = 1.5;
/** The library's answer is taken only with this share of its top two scores, and only for texts with this many letters. */
const LIBRARY_MIN_LEAD = 0.55;
const LIBRARY_MIN_LETTERS = 10;
const LIBRARY_MAX_CHARS = 600;
/** A distinctive letter counts this much per word that holds one. */
const LETTER_WEIGHT = 0.5;
const ENGLISH = 'en';

interface WordEntry {
  langs: string[];
  weight: number;
  /** Listed by English. */
  english: boolean;
  /** Not listed by English, listed by a launch language. */
  foreign: boolean;
}

interface Profiles {
  /** Function word (accent-folded) → languages listing it and the weight each gets (1/k). */
  words: Map<string, WordEntry>;
  /** Distinctive letter → languages. */
  letters: Map<string, string[]>;
  folders: Map<string, LanguageFolder>;
  /** Scripts some folder is written in. */
  scripts: Set<string>;
  /** Latin-script folders with function words, whose answers the library may give. */
  libraryCodes: Set<string>;
  /** Launch languages (supported or pending). */
  launch: Set<string>;
}

/** Removes diacritics so "está" and "esta" count alike (chat text often drops accents). */
export function foldAccents(word: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII words need no folding
  return /[^\x00-\x7f]/.test(word) ? word.normalize('NFD').replace(/\p{M}+/gu, (m, offset: number, s: string) => (isDevanagariAt(s, offset) ? m : '')) : word;
}

function isDevanagariAt(s: string, offset: number): boolean {
  const c = s.charCodeAt(offset - 1);
  return c >= 0x0900 && c <= 0x097f;
}

let profiles: Profiles | undefined;

function getProfiles(): Profiles {
  if (profiles) return profiles;
  const byWord = new Map<string, Set<string>>();
  const letters = new Map<string, string[]>();
  const folders = new Map<string, LanguageFolder>();
  const scripts = new Set<string>();
  const libraryCodes = new Set<string>();
  const launch = new Set<string>();
  for (const folder of languageFolders()) {
    folders.set(folder.code, folder);
    if (folder.status !== 'unsupported') launch.add(folder.code);
    scripts.add(folder.script);
    const words = folder.files['function-words'] ?? [];
    if (folder.script === 'Latn' && words.length > 0 && !folder.code.includes('-')) libraryCodes.add(folder.code);
    for (const row of words) {
      const word = foldAccents(row.cells[0].toLowerCase());
      let set = byWord.get(word);
      if (!set) byWord.set(word, (set = new Set()));
      set.add(folder.code);
    }
    for (const ch of folder.letters) {
      const list = letters.get(ch) ?? [];
      list.push(folder.code);
      letters.set(ch, list);
    }
  }
  const words = new Map<string, WordEntry>();
  for (const [word, langs] of byWord) {
    const list = [...langs];
    words.set(word, { langs: list, weight: 1 / list.length, english: langs.has(ENGLISH), foreign: !langs.has(ENGLISH) && list.some((l) => launch.has(l)) });
  }
  profiles = { words, letters, folders, scripts, libraryCodes, launch };
  return profiles;
}

/** ISO 15924 code of a letter's script (the ones chat text in and around the launch markets uses). */
function scriptOf(code: number): string {
  if (code < 0x0250 || (code >= 0x1e00 && code <= 0x1eff)) return 'Latn';
  if (code >= 0x0900 && code <= 0x097f) return 'Deva';
  if (code >= 0x0370 && code <= 0x03ff) return 'Grek';
  if (code >= 0x0400 && code <= 0x052f) return 'Cyrl';
  if (code >= 0x0590 && code <= 0x05ff) return 'Hebr';
  if ((code >= 0x0600 && code <= 0x06ff) || (code >= 0x0750 && code <= 0x077f) || (code >= 0xfb50 && code <= 0xfdff) || (code >= 0xfe70 && code <= 0xfeff)) return 'Arab';
  if (code >= 0x0980 && code <= 0x09ff) return 'Beng';
  if (code >= 0x0a00 && code <= 0x0a7f) return 'Guru';
  if (code >= 0x0a80 && code <= 0x0aff) return 'Gujr';
  if (code >= 0x0b80 && code <= 0x0bff) return 'Taml';
  if (code >= 0x0c00 && code <= 0x0c7f) return 'Telu';
  if (code >= 0x0c80 && code <= 0x0cff) return 'Knda';
  if (code >= 0x0d00 && code <= 0x0d7f) return 'Mlym';
  if (code >= 0x0e00 && code <= 0x0e7f) return 'Thai';
  if (code >= 0x1100 && code <= 0x11ff) return 'Hang';
  if (code >= 0xac00 && code <= 0xd7af) return 'Hang';
  if (code >= 0x3040 && code <= 0x30ff) return 'Jpan';
  if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf)) return 'Hani';
  if (code >= 0x0250 && code <= 0x02af) return 'Latn';
  return 'Zyyy';
}

interface Evidence {
  letters: Map<string, number>;
  totalLetters: number;
  scores: Map<string, number>;
  /** Distinct function words found per language. */
  distinct: Map<string, number>;
  /** ... of them, those no English list has: a second language beside English needs one ("um" and "a" are English too). */
  distinctNotEnglish: Map<string, number>;
  /** Distinct function words found, and how many of them no English list has (but a launch language's has). */
  allDistinct: Set<string>;
  /** Distinct function words an English list has. */
  englishWords: string[];
  foreignDistinct: number;
  /** Scores from words no English list has: who an English code-switched message's other language is. */
  nonEnglishScores: Map<string, number>;
  latinLetters: number;
}

/** A letter or combining mark (ASCII fast path; \p{L}\p{M} beyond it). */
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
function isWordChar(text: string, i: number, code: number): boolean {
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  return LETTER_OR_MARK.test(text[i]);
}

/** One pass over the text: words, their scripts, and the function-word and letter evidence. */
function collect(text: string, p: Profiles): Evidence {
  const e: Evidence = { letters: new Map(), totalLetters: 0, scores: new Map(), distinct: new Map(), distinctNotEnglish: new Map(), allDistinct: new Set(), englishWords: [], foreignDistinct: 0, nonEnglishScores: new Map(), latinLetters: 0 };
  const n = text.length;
  let i = 0;
  while (i < n) {
    let code = text.charCodeAt(i);
    if (!isWordChar(text, i, code)) {
      i++;
      continue;
    }
    const start = i;
    let ascii = true;
    while (i < n) {
      code = text.charCodeAt(i);
      if (!isWordChar(text, i, code)) break;
      if (code >= 0x80) ascii = false;
      i++;
    }
    word(text.slice(start, i).toLowerCase(), ascii, p, e);
  }
  if (e.latinLetters > 0) e.letters.set('Latn', (e.letters.get('Latn') ?? 0) + e.latinLetters);
  return e;
}

function word(w: string, ascii: boolean, p: Profiles, e: Evidence): void {
  let script = 'Latn';
  if (ascii) {
    e.latinLetters += w.length;
    e.totalLetters += w.length;
  } else {
    let first = '';
    for (let k = 0; k < w.length; k++) {
      const s = scriptOf(w.charCodeAt(k));
      if (s === 'Zyyy') continue;
      e.letters.set(s, (e.letters.get(s) ?? 0) + 1);
      e.totalLetters++;
      first ||= s;
    }
    script = first || 'Zyyy';
  }
  const folded = ascii ? w : foldAccents(w);
  const entry = p.words.get(folded);
  if (entry) {
    const first = !e.allDistinct.has(folded);
    if (first) {
      e.allDistinct.add(folded);
      if (entry.foreign) e.foreignDistinct++;
    }
    if (first && entry.english) e.englishWords.push(folded);
    for (const lang of entry.langs) {
      e.scores.set(lang, (e.scores.get(lang) ?? 0) + entry.weight);
      if (!entry.english) e.nonEnglishScores.set(lang, (e.nonEnglishScores.get(lang) ?? 0) + entry.weight);
      if (first) e.distinct.set(lang, (e.distinct.get(lang) ?? 0) + 1);
      if (first && !entry.english) e.distinctNotEnglish.set(lang, (e.distinctNotEnglish.get(lang) ?? 0) + 1);
    }
  }
  if (!ascii && script === 'Latn') {
    // Distinctive letters ("ñ", "ß"): a word holding some counts for the languages that have them.
    let langs: string[] | undefined;
    for (const ch of w) {
      const l = p.letters.get(ch);
      if (l) langs = langs ? [...new Set([...langs, ...l])] : l;
    }
    if (langs) for (const lang of langs) e.scores.set(lang, (e.scores.get(lang) ?? 0) + LETTER_WEIGHT / langs.length);
  }
}

function verdict(p: Profiles, languages: string[], confidence: number, method: IdentificationMethod): LanguageVerdict {
  const main = languages[0];
  return {
    code: main,
    languages,
    confidence: Math.round(Math.max(0, Math.min(1, confidence)) * 1000) / 1000,
    supported: languages.every((l) => p.folders.get(l)?.status === 'supported'),
    known: p.folders.has(main),
    method,
  };
}

function undetermined(p: Profiles, code = 'und', confidence = 0, method: IdentificationMethod = 'none'): LanguageVerdict {
  return verdict(p, [code], confidence, method);
}

/** Identifies the language(s) of a message. Pure and synchronous; the library is loaded on first need. */
export function identifyLanguage(text: string): LanguageVerdict {
  const p = getProfiles();
  const e = collect(text, p);
  if (e.totalLetters === 0) return undetermined(p);

  // A script no folder covers: not a language the extractor could read.
  let topScript = 'Latn';
  for (const [s, n] of e.letters) if (n > (e.letters.get(topScript) ?? 0)) topScript = s;
  const scriptShare = (e.letters.get(topScript) ?? 0) / e.totalLetters;
  if (!p.scripts.has(topScript)) return undetermined(p, `und-${topScript}`, scriptShare, 'script');

  const ranked = [...e.scores].sort((a, b) => b[1] - a[1]);
  const total = ranked.reduce((n, [, s]) => n + s, 0);
  const english = e.scores.get(ENGLISH) ?? 0;

  if (topScript !== 'Latn') {
    // Devanagari (or another non-Latin script with a folder): its own function words decide; English words alongside make it code-switched.
    const [best] = ranked;
    if (!best || best[1] < 1) return undetermined(p, `und-${topScript}`, scriptShare / 2, 'script');
    const mixed = english >= MIX_MIN_SCORE && (e.distinct.get(ENGLISH) ?? 0) >= MIX_MIN_WORDS;
    return verdict(p, mixed ? [best[0], ENGLISH] : [best[0]], scriptShare * (1 - 0.5 ** best[1]), 'function-words');
  }

  const [best, second] = ranked;
  if (best && best[1] >= 1) {
    // Code-switching with English: both have real evidence (the other language first, as the sets label it).
    const other = best[0] === ENGLISH ? second : best;
    // The other language needs a word English does not have: an English voice transcript's "um" and "a" are Portuguese too;
    // and English one the other language does not have: German "also", "so", "was", "will" are English words too.
    const englishOnly = (otherLang: string) => e.englishWords.some((w) => !p.words.get(w)?.langs.includes(otherLang));
    const mixes = (lang: string, score: number) =>
      score >= MIX_MIN_SCORE &&
      score >= MIX_MIN_SHARE * total &&
      (e.distinct.get(lang) ?? 0) >= MIX_MIN_WORDS &&
      (lang === ENGLISH ? other !== undefined && englishOnly(other[0]) : (e.distinctNotEnglish.get(lang) ?? 0) >= 1);
    if (other && other[0] !== ENGLISH && isLaunch(p, other[0]) && mixes(ENGLISH, english) && mixes(other[0], other[1])) {
      return verdict(p, [other[0], ENGLISH], (english + other[1]) / total, 'function-words');
    }
    // English with a share of words no English list has ("my truck is making un ruido bien raro"): mixed with the
    // strongest other language, even when that one's evidence is spread over its relatives (es/pt/it/ca share words).
    const foreign = e.foreignDistinct;
    if (best[0] === ENGLISH && foreign >= MIX_MIN_WORDS && foreign >= MIX_MIN_SHARE * e.allDistinct.size) {
      // The partner is chosen on words English does not share ("do", "a" would make Spanglish Portuguese).
      const nonEnglish = [...e.nonEnglishScores].sort((a, b) => b[1] - a[1]);
      const partner =
        nonEnglish.find(([lang]) => p.launch.has(lang)) ?? ranked.find(([lang]) => lang !== ENGLISH && p.launch.has(lang)) ?? ranked.find(([lang]) => lang !== ENGLISH);
      if (partner) return verdict(p, [partner[0], ENGLISH], english / total, 'function-words');
    }
    // A clear lead over the runner-up decides; close relatives (es/pt/gl, id/ms) go to the library.
    const runnerUp = second?.[1] ?? 0;
    const confidence = (1 - runnerUp / best[1]) * (1 - 0.5 ** best[1]);
    if (best[1] >= LEAD_RATIO * runnerUp) return withAlsoSeen(p, e, verdict(p, [best[0]], confidence, 'function-words'));
    // A close call between languages none of which is supported is refused whichever wins: the
    // library (hundreds of µs) is only asked when its answer could let a message be analyzed.
    if (!isSupported(p, best[0]) && !(second && isSupported(p, second[0]))) return verdict(p, [best[0]], confidence, 'function-words');
  }
  // The library chooses among the two best by function words, or among all tied for second place
  // ("a" alone is Catalan, English, Galician, Portuguese and Spanish: which two come first is chance).
  const runnerUpScore = ranked[1]?.[1] ?? 0;
  const candidates = ranked.filter(([, s], i) => i < 2 || (s > 0 && s >= runnerUpScore)).map(([lang]) => lang);
  return withAlsoSeen(p, e, libraryVerdict(p, text, e, candidates));
}

/** An English-only verdict names the supported languages a few of whose own words the message holds. */
function withAlsoSeen(p: Profiles, e: Evidence, v: LanguageVerdict): LanguageVerdict {
  if (v.languages.length !== 1 || v.code !== ENGLISH || !v.supported) return v;
  const alsoSeen = [...e.nonEnglishScores.keys()].filter((lang) => lang !== ENGLISH && isSupported(p, lang));
  return alsoSeen.length > 0 ? { ...v, alsoSeen } : v;
}

function isSupported(p: Profiles, code: string): boolean {
  return p.folders.get(code)?.status === 'supported';
}

function isLaunch(p: Profiles, code: string): boolean {
  return p.launch.has(code);
}

interface TinyLd {
  detectAll(text: string): Array<{ lang: string; accuracy: number }>;
}
let tinyld: TinyLd | undefined;

function library(): TinyLd {
  // Loaded on first need: its model costs ~50 MB and most messages never reach it.
  // tinyld ships CommonJS; loaded lazily on purpose
  tinyld ??= require('tinyld') as TinyLd;
  return tinyld;
}

/**
 * The library decides when function words do not: between the two leading candidates when
 * function words found two close ones, else among the known Latin-script languages. tinyld's
 * scores are relative, so an answer needs a lead over the next one.
 */
function libraryVerdict(p: Profiles, text: string, e: Evidence, candidates: string[]): LanguageVerdict {
  if (e.totalLetters < LIBRARY_MIN_LETTERS) return undetermined(p);
  // The library's cost grows with the text; its first characters tell the language as well.
  let answers = library().detectAll(text.slice(0, LIBRARY_MAX_CHARS));
  if (candidates.length >= 2) answers = answers.filter((a) => candidates.includes(a.lang));
  const [top, next] = answers;
  if (!top) return undetermined(p, 'und', 0, 'library');
  const lead = next ? top.accuracy / (top.accuracy + next.accuracy) : 1;
  if (lead < LIBRARY_MIN_LEAD) return undetermined(p, 'und', lead, 'library');
  if (!p.libraryCodes.has(top.lang)) return undetermined(p, top.lang, lead, 'library');
  return verdict(p, [top.lang], lead * 0.9, 'library');
}

/** The evaluation sets' label for a verdict: "hi-en" / "es-en" for code-switched ones, else the main tag. */
export function verdictLabel(v: LanguageVerdict): string {
  if (v.languages.length < 2) return v.code;
  return v.languages.map((l) => l.split('-')[0]).join('-');
}
