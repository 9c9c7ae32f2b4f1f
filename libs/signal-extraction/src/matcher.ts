import { normalizeText } from './language/normalize';
import type { Stemmer } from './language/stemmers';
import { phraseStems, stem, tokenize } from './text';

/**
 * A phrase matcher compiled once from a lexicon: a trie over token keys. A key is a Porter2 stem,
 * or "=" + the exact surface form for phrases written with a leading "=" on a word (e.g.
 * "=running", where the stem "run" would be too broad). Matching walks the trie from every token,
 * so the cost per message is linear in its length (times the depth of the matched phrases), with
 * no regular expressions per term.
 */

interface TrieNode<T> {
  next?: Map<string, TrieNode<T>>;
  values?: T[];
}

export interface PhraseMatch<T> {
  start: number;
  /** Exclusive. */
  end: number;
  values: T[];
}

export class PhraseMatcher<T> {
  private readonly root: TrieNode<T> = {};
  private maxDepth = 0;
  private count = 0;

  /** `stemWord`: the language's stemmer, applied to every phrase word not written "=word". */
  constructor(private readonly stemWord: Stemmer = stem) {}

  /** Adds a phrase. Words starting with "=" match that exact surface form only. */
  add(phrase: string, value: T): void {
    const keys: string[] = [];
    // The text is normalized before it is matched ("a1c" reads as leetspeak "aic"), so the phrase is too.
    for (const word of normalizeText(phrase).trim().split(/\s+/)) {
      if (word.startsWith('=')) {
        // Exact words compare with message tokens, which are lower-cased and accent-folded ("jóias" → "joias").
        for (const w of tokenize(word.slice(1)).surface) keys.push(`=${w}`);
      } else {
        keys.push(...phraseStems(word, this.stemWord));
      }
    }
    if (keys.length === 0) throw new Error(`lexicon: empty phrase "${phrase}"`);
    let node = this.root;
    for (const key of keys) {
      node.next ??= new Map();
      let child = node.next.get(key);
      if (!child) {
        child = {};
        node.next.set(key, child);
      }
      node = child;
    }
    node.values ??= [];
    node.values.push(value);
    this.maxDepth = Math.max(this.maxDepth, keys.length);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Token length of the longest phrase (fillers skipped inside a match do not count). */
  get depth(): number {
    return this.maxDepth;
  }

  /**
   * Every phrase occurrence within tokens [from, to). `skip` marks tokens (fillers) that phrases
   * step over, so "climbing um shoes" still matches "climbing shoes".
   */
  matchAll(stems: readonly string[], surface: readonly string[], from: number, to: number, skip?: readonly boolean[]): PhraseMatch<T>[] {
    const out: PhraseMatch<T>[] = [];
    const rootNext = this.root.next;
    if (!rootNext) return out;
    for (let i = from; i < to; i++) {
      // A filler starts a phrase only as one of its words ("acha nahi": "acha" is also a filler).
      if (skip?.[i]) this.step(rootNext, stems, surface, i, i, to, skip, out);
      else this.walk(rootNext, stems, surface, i, i, to, skip, out);
    }
    return out;
  }

  /** The phrases continuing with token p itself. */
  private step(
    next: Map<string, TrieNode<T>>,
    stems: readonly string[],
    surface: readonly string[],
    start: number,
    p: number,
    to: number,
    skip: readonly boolean[] | undefined,
    out: PhraseMatch<T>[],
  ): void {
    const byStem = next.get(stems[p]);
    const bySurface = next.get(`=${surface[p]}`);
    if (byStem) this.visit(byStem, stems, surface, start, p, to, skip, out);
    if (bySurface) this.visit(bySurface, stems, surface, start, p, to, skip, out);
  }

  private walk(
    next: Map<string, TrieNode<T>>,
    stems: readonly string[],
    surface: readonly string[],
    start: number,
    pos: number,
    to: number,
    skip: readonly boolean[] | undefined,
    out: PhraseMatch<T>[],
  ): void {
    // A skipped token (a filler) is stepped over, or read as the phrase's next word when it is one.
    for (let p = pos; p < to; p++) {
      this.step(next, stems, surface, start, p, to, skip, out);
      if (!skip?.[p]) return;
    }
  }

  private visit(
    node: TrieNode<T>,
    stems: readonly string[],
    surface: readonly string[],
    start: number,
    p: number,
    to: number,
    skip: readonly boolean[] | undefined,
    out: PhraseMatch<T>[],
  ): void {
    if (node.values) out.push({ start, end: p + 1, values: node.values });
    if (node.next) this.walk(node.next, stems, surface, start, p + 1, to, skip, out);
  }
}
