import { createHash } from 'node:crypto';
import { STEMMER_NAMES } from './stemmers';

/**
 * The per-language data files under libs/signal-extraction/lexicon/<folder>/ (format in
 * lexicon/README.md), read once at start. The files are bundled as text (esbuild's text loader,
 * and a jest transform in tests), so a service carries the data it was built with and reads no
 * file at run time. Each folder's checksum (SHA-256 over its files, in a fixed order) is reported
 * at start and pinned by a test, so an edit nobody reviewed fails loudly.
 */

/** Every file a language folder may hold, in checksum order. Only language.tsv is required. */
export const DATA_FILES = ['language', 'function-words', 'topics', 'sensitive', 'cues', 'negation', 'patterns'] as const;
export type DataFile = (typeof DATA_FILES)[number];

/** The header (first non-comment line) each file must start with. */
export const DATA_COLUMNS: Readonly<Record<DataFile, readonly string[]>> = {
  language: ['key', 'value'],
  'function-words': ['word'],
  topics: ['topics', 'phrase'],
  sensitive: ['target', 'phrase'],
  cues: ['kind', 'value'],
  negation: ['kind', 'value'],
  patterns: ['kind', 'name', 'value'],
};

export type LanguageStatus = 'supported' | 'pending' | 'unsupported';
const STATUSES: readonly LanguageStatus[] = ['supported', 'pending', 'unsupported'];

export interface TsvRow {
  /** "en/topics.tsv:12" */
  where: string;
  cells: string[];
}

export interface LanguageFolder {
  /** The folder name, which is the language's BCP-47 tag ("en", "hi-Latn"). */
  code: string;
  name: string;
  /** ISO 15924 script the language is written in here ("Latn", "Deva"). */
  script: string;
  /**
   * supported: messages in it are analyzed. pending: a launch language whose lexicon is not yet
   * complete; identified, and refused like an unsupported one. unsupported: known only to be
   * identified (and refused) correctly.
   */
  status: LanguageStatus;
  /** Stemmer name (see stemmers.ts). */
  stemmer: string;
  /** Letters that point to this language ("ñ", "ß"). */
  letters: string;
  /**
   * Typo tolerance toward the sensitive vocabulary (language.tsv `typos`: the shortest sensitive
   * word it applies to; 0, the default, is off). See lexicon/typos.ts.
   */
  typos: number;
  /**
   * An English-identified message holding at least this many distinct function words of this
   * language that English does not list is also read with this language (language.tsv
   * `english-mix`; 0, the default, is off): Hinglish such as "yeah sure I'll run a marathon,
   * not happening yaar" has too few Hindi words to be identified as code-switched.
   */
  englishMix: number;
  /** Elided words an apostrophe separates from the next word ("l", "d", "qu"; key `elision`, space-separated). */
  elisions: string[];
  /** Rows of each file present, header and comments removed. */
  files: Partial<Record<DataFile, TsvRow[]>>;
  /** SHA-256 (hex) over the folder's files. */
  checksum: string;
}

/** Parses one data file: comments (#) and blank lines skipped, the header checked, cells split on tabs. */
export function parseTsv(text: string, columns: readonly string[], source: string): TsvRow[] {
  const rows: TsvRow[] = [];
  let header = false;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const where = `${source}:${i + 1}`;
    const cells = line.split('\t').map((c) => c.trim());
    if (!header) {
      if (cells.join('\t') !== columns.join('\t')) throw new Error(`${where}: header must be "${columns.join('<TAB>')}"`);
      header = true;
      return;
    }
    if (cells.length !== columns.length) throw new Error(`${where}: ${cells.length} columns, expected ${columns.length} (${columns.join(', ')})`);
    rows.push({ where, cells });
  });
  if (!header) throw new Error(`${source}: missing header "${columns.join('<TAB>')}"`);
  return rows;
}

/** The text of lexicon/<folder>/<file>.tsv, or undefined when the folder has no such file. */
function readBundled(folder: string, file: string): string | undefined {
  try {
    // A template require is bundled by esbuild as every file matching lexicon/*/*.tsv.
    // the data files are bundled as text modules
    const text = require(`../../lexicon/${folder}/${file}.tsv`) as string | { default: string };
    return typeof text === 'string' ? text : text.default;
  } catch {
    return undefined;
  }
}

function readManifest(): string {
  const text = require('../../lexicon/languages.tsv') as string | { default: string };
  return typeof text === 'string' ? text : text.default;
}

/** Builds one folder from its files' texts (separate from reading so tests can feed texts). */
export function buildFolder(folder: string, texts: Partial<Record<DataFile, string>>): LanguageFolder {
  const hash = createHash('sha256');
  const files: Partial<Record<DataFile, TsvRow[]>> = {};
  for (const file of DATA_FILES) {
    const text = texts[file];
    if (text === undefined) continue;
    hash.update(`${file}.tsv\n${text}\n`);
    files[file] = parseTsv(text, DATA_COLUMNS[file], `${folder}/${file}.tsv`);
  }
  const meta = new Map<string, string>();
  for (const row of files.language ?? []) {
    if (meta.has(row.cells[0])) throw new Error(`${row.where}: duplicate key ${row.cells[0]}`);
    meta.set(row.cells[0], row.cells[1]);
  }
  const need = (key: string): string => {
    const value = meta.get(key);
    if (!value) throw new Error(`${folder}/language.tsv: missing ${key}`);
    return value;
  };
  if (!files.language) throw new Error(`${folder}: missing language.tsv`);
  if (need('code') !== folder) throw new Error(`${folder}/language.tsv: code ${need('code')} differs from the folder name`);
  const status = need('status') as LanguageStatus;
  if (!STATUSES.includes(status)) throw new Error(`${folder}/language.tsv: status must be one of ${STATUSES.join(', ')}`);
  if (!STEMMER_NAMES.includes(need('stemmer'))) throw new Error(`${folder}/language.tsv: stemmer must be one of ${STEMMER_NAMES.join(', ')}`);
  const englishMix = Number(meta.get('english-mix') ?? '0');
  if (!Number.isInteger(englishMix) || englishMix < 0) throw new Error(`${folder}/language.tsv: english-mix must be a whole number`);
  const typos = Number(meta.get('typos') ?? '0');
  if (!Number.isInteger(typos) || (typos !== 0 && typos < 4)) throw new Error(`${folder}/language.tsv: typos must be 0 (off) or a word length of at least 4`);
  // A supported language is analyzed, so it needs its vocabulary (a pending one may start empty).
  if (status === 'supported' && (!files.topics || !files.sensitive)) throw new Error(`${folder}: a supported language needs topics.tsv and sensitive.tsv`);
  return {
    code: folder,
    name: need('name'),
    script: need('script'),
    status,
    stemmer: need('stemmer'),
    letters: meta.get('letters') ?? '',
    typos,
    englishMix,
    elisions: (meta.get('elision') ?? '').split(/\s+/).filter(Boolean),
    files,
    checksum: hash.digest('hex'),
  };
}

let folders: LanguageFolder[] | undefined;

/** Every folder listed in lexicon/languages.tsv, parsed once. */
export function languageFolders(): LanguageFolder[] {
  if (folders) return folders;
  const names = parseTsv(readManifest(), ['folder'], 'languages.tsv').map((r) => r.cells[0]);
  if (new Set(names).size !== names.length) throw new Error('languages.tsv: a folder is listed twice');
  folders = names.map((folder) => {
    const texts: Partial<Record<DataFile, string>> = {};
    for (const file of DATA_FILES) {
      const text = readBundled(folder, file);
      if (text !== undefined) texts[file] = text;
    }
    return buildFolder(folder, texts);
  });
  return folders;
}

export function languageFolder(code: string): LanguageFolder | undefined {
  return languageFolders().find((f) => f.code === code);
}

/** What a service reports at start: each folder's status and checksum. */
export function lexiconSummary(): Array<{ code: string; status: LanguageStatus; checksum: string }> {
  return languageFolders().map((f) => ({ code: f.code, status: f.status, checksum: f.checksum }));
}
