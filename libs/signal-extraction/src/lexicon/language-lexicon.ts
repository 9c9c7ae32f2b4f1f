import { SENSITIVE_CLASSES, sensitiveProxy, type SensitiveClass } from '@signalpath/sensitive-topics';
import type { ClauseRules } from '../clauses';
import type { LanguageFolder, TsvRow } from '../language/data';
import { stemmerFor, type Stemmer } from '../language/stemmers';
import { phraseStems, splitElisions, tokenize } from '../text';
import { splitPhrases, type CueLine, type TopicLine } from './lexicon';

/**
 * One language's lexicon, read from its folder (lexicon/<lang>/*.tsv; format in
 * lexicon/README.md) into the shapes the engine compiles. Every row is checked: an unknown kind,
 * class, word class or proxy fails the start, naming the file and line.
 */

/** A self-identification rule over word classes ("SELF DEMONYM" → ETHNIC_ORIGIN). */
export interface PatternRule {
  readonly classes: readonly SensitiveClass[];
  readonly sequence: readonly string[];
  /** The token right after the match may not be a NOT_A_PERSON_NEXT word ("an English teacher"). */
  readonly checkNext: boolean;
}

export interface NegationRules {
  /** Words that make a following mention negative ("not", "hate"). */
  readonly cues: ReadonlySet<string>;
  /** A cue (a word or a phrase, before or after the mention) followed by one of these does not negate ("can't wait", "never tried", "used to live", Hindi "nahi raha"). */
  readonly exemptNext: ReadonlyMap<string, ReadonlySet<string>>;
  /** Words after a mention that make it negative ("golf is boring"; Hindi "golf pasand nahi"). */
  readonly post: ReadonlySet<string>;
  /** Words that end the reach of a post-posed negation (Hindi "cricket pasand hai, tennis nahi": the copula). */
  readonly postBreakers: ReadonlySet<string>;
  /** Words that end a negation's scope ("but", "instead"). */
  readonly breakers: ReadonlySet<string>;
  /** How far back (tokens, fillers excluded) a cue reaches. */
  readonly window: number;
  /** After an exempt pair, these still negate ("never been into golf"). */
  readonly lukewarm: ReadonlySet<string>;
  /** "so over", "totally over": "over" negates after these. */
  readonly overPrev: ReadonlySet<string>;
  /** "golf isn't for me": a negator after the mention ... */
  readonly postNegators: ReadonlySet<string>;
  /** ... followed within two tokens by one of these. */
  readonly postNegated: ReadonlySet<string>;
  /** Short clauses that reject the previous clause's topics ("Golf? No thanks."). */
  readonly rejections: ReadonlySet<string>;
  /**
   * Cue words or phrases whose negation stays local ("no annual fee", "tea instead of coffee"): the
   * topic may still be an interest elsewhere in the message.
   */
  readonly local: ReadonlySet<string>;
  /**
   * Multi-word phrases, matched on surface words (apostrophes dropped): `cue` phrases ("used to",
   * "gave up on", "sick of") negate what follows like a cue word; `post` phrases ("gave it up",
   * "said no one") what precedes; `refusal` ("rather die than", "couldnt pay me to") every topic
   * after it in its clause, breakers ignored; `sarcasm` ("oh great another", "yeah right", "/s")
   * every topic of its clause, or of the previous clause when its own has none; `retraction`
   * ("gave it up", "nah", "not worth it") in a following clause with no topic of its own, the
   * previous clause's topics.
   */
  readonly phrases: ReadonlyArray<{ kind: NegationPhraseKind; phrase: string }>;
  /**
   * Preference pairs "<opener> <closer>" ("rather than", "prefer over"): in "I'd rather have sushi
   * than pizza" what follows the closer is the dispreferred one. Closer → its openers.
   */
  readonly pairs: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Words or sequences that, anywhere in a clause with no topic of its own right after a clause
   * ending in "?", reject that clause's topics (Hindi "Stock market me wapas? Kabhi nahi, bas ho gaya").
   */
  readonly rejectionCues: ReadonlyArray<readonly string[]>;
}

export type NegationPhraseKind = 'cue' | 'post' | 'refusal' | 'sarcasm' | 'retraction';

export interface LanguageLexicon {
  readonly code: string;
  readonly stem: Stemmer;
  /** Topic phrases: ordinary ones (topics.tsv) then sensitive-node ones (sensitive.tsv). */
  readonly topicLines: readonly TopicLine[];
  /** Class cue phrases (sensitive.tsv rows whose target is classes or a proxy). */
  readonly cueLines: readonly CueLine[];
  /** Gear nouns and global exception phrases, comma-joined as compileLexicon takes them. */
  readonly gearNouns: string;
  readonly exceptions: string;
  readonly fillers: ReadonlySet<string>;
  /** Stems (by the language's stemmer) of interest and purchase words. */
  readonly interestStems: ReadonlySet<string>;
  readonly purchaseStems: ReadonlySet<string>;
  readonly conditionContext: ReadonlySet<string>;
  readonly anaphora: ReadonlySet<string>;
  readonly anaphoraPrepositions: ReadonlySet<string>;
  readonly abbreviations: ReadonlySet<string>;
  /** Elided words the tokenizer separates at an apostrophe (language.tsv `elision`). */
  readonly elisions: ReadonlySet<string>;
  /** Tier-1 ids that only refine another Tier-1 (cues.tsv `qualifier`): emitted only when no other Tier-1 is. */
  readonly qualifierTier1s: ReadonlySet<string>;
  /** Tier-1 ids bought as a service, not Shopping (cues.tsv `service`: Travel, Real Estate, Events, ...). */
  readonly serviceTier1s: ReadonlySet<string>;
  readonly clauses: ClauseRules;
  readonly negation: NegationRules;
  readonly wordClasses: ReadonlyMap<string, readonly string[]>;
  readonly patternGaps: ReadonlySet<string>;
  readonly notAPersonNext: ReadonlySet<string>;
  readonly patternRules: readonly PatternRule[];
  readonly coOccurrence: ReadonlyArray<{ classes: readonly SensitiveClass[]; all: readonly string[] }>;
  /** The same, within one clause (`co-occurrence-clause`): the clause, not the whole message, reveals the classes. */
  readonly clauseCoOccurrence: ReadonlyArray<{ classes: readonly SensitiveClass[]; all: readonly string[] }>;
  /** One-word sensitive.tsv phrases: a misspelling of one of them (a dropped, doubled or swapped letter) reads as the word. */
  readonly sensitiveWords: readonly string[];
  /** Every word of the folder's data, and cues.tsv `not-a-typo` rows: never read as a misspelling. */
  readonly knownWords: ReadonlySet<string>;
  /** Typo tolerance toward the sensitive vocabulary (language.tsv `typos`): shortest word covered (0: off). See typos.ts. */
  readonly typos: number;
  /** Stems of the words of sensitive.tsv phrases (what a tolerated typo may be corrected to). */
  readonly sensitiveStems: ReadonlySet<string>;
  /** Stems of every word the folder's data knows (never read as a tolerated typo). */
  readonly knownStems: ReadonlySet<string>;
  /** The language's function words (function-words.tsv), lower case and accent-folded as the tokenizer reads them. */
  readonly functionWords: ReadonlySet<string>;
}

/** Stems of the words of a list of phrase cells ("~golf, =anime club" → golf, anime, club). */
function wordStems(cells: Iterable<string>, stem: Stemmer, into: Set<string>): Set<string> {
  for (const cell of cells) {
    for (const phrase of splitPhrases(cell)) {
      for (const word of phrase.replace(/^[~!+]+/, '').split(/\s+/)) {
        for (const s of phraseStems(word.replace(/^=/, ''), stem)) into.add(s);
      }
    }
  }
  return into;
}

const CUE_KINDS = [
  'filler',
  'interest',
  'purchase',
  'condition',
  'anaphora',
  'anaphora-preposition',
  'connector',
  'connector-exempt',
  'connector-exempt-first',
  'connector-exempt-last',
  'gear',
  'exception',
  'abbreviation',
  'not-a-typo',
  'qualifier',
  'service',
  'known',
] as const;
const NEGATION_KINDS = [
  'cue',
  'exempt-next',
  'post',
  'post-breaker',
  'local',
  'breaker',
  'window',
  'lukewarm',
  'over-prev',
  'post-negator',
  'post-negated',
  'rejection',
  'refusal',
  'sarcasm',
  'retraction',
  'pair',
  'rejection-cue',
] as const;
const PHRASE_KINDS: readonly NegationPhraseKind[] = ['refusal', 'sarcasm', 'retraction'];
const PATTERN_KINDS = ['class', 'gap', 'not-a-person-next', 'rule', 'rule-check-next', 'co-occurrence', 'co-occurrence-clause'] as const;

function byKind<K extends string>(rows: readonly TsvRow[], kinds: readonly K[], file: string): Map<K, TsvRow[]> {
  const out = new Map<K, TsvRow[]>(kinds.map((k) => [k, []]));
  for (const row of rows) {
    const list = out.get(row.cells[0] as K);
    if (!list) throw new Error(`${row.where}: unknown kind "${row.cells[0]}" in ${file} (known: ${kinds.join(', ')})`);
    list.push(row);
  }
  return out;
}

function parseClassList(spec: string, where: string): SensitiveClass[] {
  return spec.split('+').map((c) => {
    if (!SENSITIVE_CLASSES.includes(c as SensitiveClass)) throw new Error(`${where}: unknown sensitive class "${c}"`);
    return c as SensitiveClass;
  });
}

/** Two-word "first next" values into first → {next}. */
function pairs(rows: readonly TsvRow[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const row of rows) {
    const [first, ...rest] = row.cells[1].split(/\s+/);
    if (rest.length !== 1) throw new Error(`${row.where}: expected two words, "<word> <next>"`);
    let set = map.get(first);
    if (!set) map.set(first, (set = new Set()));
    set.add(rest[0]);
  }
  return map;
}

/** "<opener> <closer>" rows into closer → {openers}. */
function closerToOpeners(rows: readonly TsvRow[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const row of rows) {
    const words = row.cells[1].split(/\s+/);
    if (words.length !== 2) throw new Error(`${row.where}: expected two words, "<opener> <closer>"`);
    let set = map.get(words[1]);
    if (!set) map.set(words[1], (set = new Set()));
    set.add(words[0]);
  }
  return map;
}

/** "<cue> <next>" values into cue → {next}, the cue being one word or several ("used to live"). */
function cuePairs(rows: readonly TsvRow[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const row of rows) {
    const words = row.cells[1].split(/\s+/);
    if (words.length < 2) throw new Error(`${row.where}: expected "<cue> <next>"`);
    const cue = words.slice(0, -1).join(' ');
    let set = map.get(cue);
    if (!set) map.set(cue, (set = new Set()));
    set.add(words[words.length - 1]);
  }
  return map;
}

const values = (rows: readonly TsvRow[] | undefined) => (rows ?? []).map((r) => r.cells[1]);

export function buildLanguageLexicon(folder: LanguageFolder): LanguageLexicon {
  const stem = stemmerFor(folder.stemmer);
  const elisions = new Set(folder.elisions);
  // Phrases are read as the tokenizer reads text: "j'en ai marre" is the four words "j en ai marre".
  const f: LanguageFolder['files'] =
    elisions.size === 0
      ? folder.files
      : Object.fromEntries(
          Object.entries(folder.files).map(([file, rows]) => [
            file,
            file === 'language' ? rows : rows.map((r) => ({ ...r, cells: r.cells.map((c) => splitElisions(c, elisions)) })),
          ]),
        );

  const topicLines: TopicLine[] = (f.topics ?? []).map((r) => [r.cells[0], r.cells[1]] as const);
  const cueLines: CueLine[] = [];
  const sensitiveTopicLines: TopicLine[] = [];
  for (const row of f.sensitive ?? []) {
    const [target, phrase] = row.cells;
    if (target.startsWith('proxy:')) {
      // A proxy's class is decided once, in the reviewed list of @signalpath/sensitive-topics.
      const proxy = sensitiveProxy(target.slice('proxy:'.length));
      if (!proxy) throw new Error(`${row.where}: unknown proxy "${target}" (see libs/sensitive-topics SENSITIVE_PROXIES)`);
      cueLines.push([proxy.cls, phrase]);
    } else if (target.includes(':')) {
      sensitiveTopicLines.push([target, phrase]);
    } else {
      parseClassList(target, row.where);
      cueLines.push([target, phrase]);
    }
  }

  const cues = byKind(f.cues ?? [], CUE_KINDS, 'cues.tsv');
  const set = (kind: (typeof CUE_KINDS)[number]) => new Set(values(cues.get(kind)));
  const stems = (kind: (typeof CUE_KINDS)[number]) => new Set(values(cues.get(kind)).map((w) => stem(w)));
  const connectors = values(cues.get('connector'));

  const neg = byKind(f.negation ?? [], NEGATION_KINDS, 'negation.tsv');
  // Single words go to the word sets; several words (a `cue` or `post` phrase) to the phrase matcher.
  const isPhrase = (v: string) => /\s/.test(v.trim());
  const nset = (kind: (typeof NEGATION_KINDS)[number]) => new Set(values(neg.get(kind)).filter((v) => !isPhrase(v)));
  const phrases: Array<{ kind: NegationPhraseKind; phrase: string }> = [];
  for (const kind of ['cue', 'post'] as const) for (const v of values(neg.get(kind))) if (isPhrase(v)) phrases.push({ kind, phrase: v });
  for (const kind of PHRASE_KINDS) for (const v of values(neg.get(kind))) phrases.push({ kind, phrase: v });
  const windowRows = neg.get('window') ?? [];
  if (windowRows.length > 1) throw new Error(`${windowRows[1].where}: one window row only`);
  const window = windowRows.length === 0 ? 6 : Number(windowRows[0].cells[1]);
  if (!Number.isInteger(window) || window < 1) throw new Error(`${windowRows[0].where}: window must be a positive integer`);

  const pat = byKind(f.patterns ?? [], PATTERN_KINDS, 'patterns.tsv');
  const wordClasses = new Map<string, string[]>();
  for (const row of pat.get('class') ?? []) {
    const list = wordClasses.get(row.cells[1]) ?? [];
    list.push(row.cells[2]);
    wordClasses.set(row.cells[1], list);
  }
  const sequenceOf = (row: TsvRow) => {
    const sequence = row.cells[2].split(/\s+/);
    for (const cls of sequence) if (!wordClasses.has(cls)) throw new Error(`${row.where}: unknown word class "${cls}"`);
    return sequence;
  };
  const patternRules: PatternRule[] = [
    ...(pat.get('rule') ?? []).map((row) => ({ row, checkNext: false })),
    ...(pat.get('rule-check-next') ?? []).map((row) => ({ row, checkNext: true })),
  ]
    .sort((a, b) => lineOf(a.row) - lineOf(b.row))
    .map(({ row, checkNext }) => ({ classes: parseClassList(row.cells[1], row.where), sequence: sequenceOf(row), checkNext }));
  const coOccurrence = (pat.get('co-occurrence') ?? []).map((row) => ({ classes: parseClassList(row.cells[1], row.where), all: sequenceOf(row) }));
  const clauseCoOccurrence = (pat.get('co-occurrence-clause') ?? []).map((row) => ({ classes: parseClassList(row.cells[1], row.where), all: sequenceOf(row) }));

  const sensitiveStems = wordStems((f.sensitive ?? []).map((r) => r.cells[1]), stem, new Set());
  const knownStems = wordStems(
    [
      ...(f.topics ?? []).map((r) => r.cells[1]),
      ...(f.cues ?? []).map((r) => r.cells[1]),
      ...(f.negation ?? []).map((r) => r.cells[1]),
      ...(f.patterns ?? []).map((r) => r.cells[2]),
      ...(f['function-words'] ?? []).map((r) => r.cells[0].toLowerCase()),
    ],
    stem,
    new Set(sensitiveStems),
  );

  return {
    code: folder.code,
    stem,
    topicLines: [...topicLines, ...sensitiveTopicLines],
    cueLines,
    gearNouns: values(cues.get('gear')).join(', '),
    exceptions: values(cues.get('exception')).join(', '),
    fillers: set('filler'),
    interestStems: stems('interest'),
    purchaseStems: stems('purchase'),
    conditionContext: set('condition'),
    anaphora: set('anaphora'),
    anaphoraPrepositions: set('anaphora-preposition'),
    abbreviations: set('abbreviation'),
    elisions,
    qualifierTier1s: set('qualifier'),
    serviceTier1s: set('service'),
    clauses: {
      connectors: new Set(connectors.filter((c) => !/\s/.test(c))),
      multiConnectors: connectors.filter((c) => /\s/.test(c)).map((c) => c.split(/\s+/)),
      exemptNext: pairs(cues.get('connector-exempt') ?? []),
      exemptFirst: set('connector-exempt-first'),
      exemptLast: set('connector-exempt-last'),
    },
    negation: {
      cues: nset('cue'),
      exemptNext: cuePairs(neg.get('exempt-next') ?? []),
      post: nset('post'),
      breakers: nset('breaker'),
      window,
      lukewarm: nset('lukewarm'),
      overPrev: nset('over-prev'),
      postNegators: nset('post-negator'),
      postNegated: nset('post-negated'),
      rejections: new Set(values(neg.get('rejection'))),
      postBreakers: nset('post-breaker'),
      pairs: closerToOpeners(neg.get('pair') ?? []),
      local: new Set(values(neg.get('local'))),
      phrases,
      rejectionCues: values(neg.get('rejection-cue')).map((v) => v.split(/\s+/)),
    },
    wordClasses,
    patternGaps: new Set((pat.get('gap') ?? []).map((r) => r.cells[2])),
    notAPersonNext: new Set((pat.get('not-a-person-next') ?? []).map((r) => r.cells[2])),
    patternRules,
    coOccurrence,
    clauseCoOccurrence,
    sensitiveWords: sensitiveWordsOf(f),
    knownWords: new Set([
      ...Object.values(f).flatMap((rows) => (rows ?? []).flatMap((r) => r.cells.slice(1).flatMap(phraseWords))),
      ...(f['function-words'] ?? []).flatMap((r) => phraseWords(r.cells[0])),
    ]),
    typos: folder.typos,
    sensitiveStems,
    knownStems,
    functionWords: new Set((f['function-words'] ?? []).flatMap((r) => tokenize(r.cells[0]).surface)),
  };
}

/**
 * Words that reveal a class: one-word sensitive.tsv phrases, and words of its longer phrases that
 * no topic phrase or function word uses ("chemotherapy" in "chemotherapy side effects", not "side").
 */
/** Pattern word classes whose words name a group ("DEMONYM mexican", "RACE_ADJ black"). */
const TYPO_WORD_CLASSES = new Set(['DEMONYM', 'RACE_ADJ']);

function sensitiveWordsOf(f: LanguageFolder['files']): string[] {
  const ordinary = new Set([
    ...(f.topics ?? []).flatMap((r) => phraseWords(r.cells[1])),
    ...(f['function-words'] ?? []).flatMap((r) => phraseWords(r.cells[0])),
  ]);
  const out = new Set<string>();
  for (const row of f.sensitive ?? []) {
    for (const w of singleWords(row.cells[1])) out.add(w);
    for (const raw of row.cells[1].split(',')) {
      const p = raw.trim();
      if (p === '' || p[0] === '!' || p[0] === '~') continue;
      // Every word of a phrase naming a group ("african american") may be misspelt in it.
      for (const w of phraseWords(p)) if (!ordinary.has(w) || row.cells[0] === 'RACE' || row.cells[0] === 'ETHNIC_ORIGIN') out.add(w);
    }
  }
  // Words of self-identification (nationalities, race words) may be misspelt too.
  for (const row of f.patterns ?? []) if (row.cells[0] === 'class' && TYPO_WORD_CLASSES.has(row.cells[1])) for (const w of phraseWords(row.cells[2])) out.add(w);
  return [...out];
}

/** One-word phrases of a cell (not exceptions or weak ones): the words that reveal a class by themselves. */
function singleWords(cell: string): string[] {
  const out: string[] = [];
  for (const raw of cell.split(',')) {
    const p = raw.trim();
    if (p === '' || p[0] === '!' || p[0] === '~') continue;
    const words = phraseWords(p);
    if (words.length === 1) out.push(words[0]);
  }
  return out;
}

/** The lower-case words of a data cell (phrase flags, "=" and punctuation stripped). */
function phraseWords(cell: string): string[] {
  return cell
    .toLowerCase()
    .split(/[^\p{L}\p{N}'\u2019]+/u)
    .map((w) => w.replace(/['\u2019]/g, ''))
    .filter((w) => w.length > 0);
}

function lineOf(row: TsvRow): number {
  return Number(row.where.slice(row.where.lastIndexOf(':') + 1));
}
