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

/** A language's clause connectors (its cues.tsv "connector*" rows). */
export interface ClauseRules {
  /** Single words that open a new clause ("but", "anyway", "btw"). */
  connectors: ReadonlySet<string>;
  /** Multi-word connectors, as surface tokens ("by the way"); "and also" splits before "and". */
  multiConnectors: readonly (readonly string[])[];
  /** A connector word followed by one of these is part of a phrase ("plus size", "also known"). */
  exemptNext: ReadonlyMap<string, ReadonlySet<string>>;
  /** Connector words that do not split at the start of a message ("plus", "though"). */
  exemptFirst: ReadonlySet<string>;
  /** ... or at its end ("though"). */
  exemptLast: ReadonlySet<string>;
}

function connectorExempt(rules: ClauseRules, surface: readonly string[], i: number): boolean {
  const w = surface[i];
  const next = surface[i + 1];
  if (next !== undefined && rules.exemptNext.get(w)?.has(next)) return true;
  if (i === 0 && rules.exemptFirst.has(w)) return true;
  if (next === undefined && rules.exemptLast.has(w)) return true;
  return false;
}

/** Multi-word connectors by their first word, built once per rule set (a message checks each token). */
const byFirstWord = new WeakMap<ClauseRules, Map<string, (readonly string[])[]>>();

function multiConnectorAt(rules: ClauseRules, surface: readonly string[], i: number): number {
  let index = byFirstWord.get(rules);
  if (!index) {
    index = new Map();
    for (const words of rules.multiConnectors) {
      const list = index.get(words[0]);
      if (list) list.push(words);
      else index.set(words[0], [words]);
    }
    byFirstWord.set(rules, index);
  }
  const candidates = index.get(surface[i]);
  if (!candidates) return 0;
  for (const words of candidates) {
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

export function splitClauses(tokens: Tokens, rules: ClauseRules): Clause[] {
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
    const multi = multiConnectorAt(rules, surface, i);
    if (multi > 0 || (rules.connectors.has(surface[i]) && !connectorExempt(rules, surface, i))) {
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
