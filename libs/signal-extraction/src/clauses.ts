import { Boundary, type Tokens } from './text';

/**
 * Clause splitting: the unit of negation scope and of sensitive suppression. A clause ends at a
 * sentence end (. ! ? ; line break) and before a connector that turns to another matter ("but",
 * "however", "anyway", "also", "by the way", ...), which is what carries the structure of run-on
 * voice transcripts that have no punctuation. Plain "and", "so" and commas do NOT split: what
 * follows them usually continues the same matter ("I'm pregnant and craving pickles"), and a
 * clause that is too long only costs a missed topic, while one that is too short could let a
 * topic derived from sensitive content escape.
 */

export interface Clause {
  /** Token range [from, to). */
  from: number;
  to: number;
  /** Character range [start, end) in the original text. */
  start: number;
  end: number;
  /** True when the clause opens with a connector ("but ...") rather than a sentence start. */
  afterConnector: boolean;
}

/** Single-word connectors that open a new clause. */
const CONNECTORS = new Set([
  'but',
  'however',
  'although',
  'though',
  'anyway',
  'anyways',
  'anyhow',
  'also',
  'besides',
  'btw',
  'meanwhile',
  'otherwise',
  'unrelated',
  'separately',
  'whereas',
  'nevertheless',
  'nonetheless',
  'plus',
]);

/** Multi-word connectors (surface tokens). "and also" / "oh and" split before their first word. */
const MULTI_CONNECTORS: readonly (readonly string[])[] = [
  ['by', 'the', 'way'],
  ['on', 'another', 'note'],
  ['on', 'a', 'different', 'note'],
  ['on', 'a', 'separate', 'note'],
  ['on', 'an', 'unrelated', 'note'],
  ['other', 'than', 'that'],
  ['apart', 'from', 'that'],
  ['aside', 'from', 'that'],
  ['in', 'other', 'news'],
  ['that', 'said'],
  ['having', 'said', 'that'],
  ['changing', 'the', 'subject'],
  ['on', 'the', 'other', 'hand'],
  ['and', 'also'],
  ['oh', 'and'],
  ['and', 'then', 'also'],
  ['and', 'anyway'],
  ['so', 'anyway'],
];

/** "plus size", "also known as": the connector word is part of a phrase there. */
function connectorExempt(surface: readonly string[], i: number): boolean {
  const w = surface[i];
  const next = surface[i + 1];
  if (w === 'plus' && (next === 'size' || next === 'sized' || next === 'one' || i === 0)) return true;
  if (w === 'also' && next === 'known') return true;
  if (w === 'though' && (next === undefined || i === 0)) return true;
  return false;
}

function multiConnectorAt(surface: readonly string[], i: number): number {
  for (const words of MULTI_CONNECTORS) {
    if (surface[i] !== words[0]) continue;
    let ok = true;
    for (let k = 1; k < words.length; k++) {
      if (surface[i + k] !== words[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return words.length;
  }
  return 0;
}

export function splitClauses(tokens: Tokens): Clause[] {
  const clauses: Clause[] = [];
  const { surface, before, starts, ends, length } = tokens;
  let from = 0;
  let afterConnector = false;
  const close = (to: number) => {
    if (to > from) clauses.push({ from, to, start: starts[from], end: ends[to - 1], afterConnector });
  };
  for (let i = 0; i < length; i++) {
    if (i > from && before[i] === Boundary.Sentence) {
      close(i);
      from = i;
      afterConnector = false;
    }
    const multi = multiConnectorAt(surface, i);
    if (multi > 0 || (CONNECTORS.has(surface[i]) && !connectorExempt(surface, i))) {
      if (i > from) {
        close(i);
        from = i;
      }
      afterConnector = true;
      if (multi > 1) i += multi - 1;
    }
  }
  close(length);
  return clauses;
}
