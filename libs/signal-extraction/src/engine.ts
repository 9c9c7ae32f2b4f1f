import { getTaxonomy } from '@signalpath/taxonomy';
import { SENSITIVE_CLASSES, type SensitiveClass } from '@signalpath/sensitive-topics';
import { splitClauses, type Clause, type ClauseRules } from './clauses';
import { languageFolder, languageFolders } from './language/data';
import { markerClass, normalizeText } from './language/normalize';
import { buildLanguageLexicon, type LanguageLexicon, type NegationRules, type PatternRule } from './lexicon/language-lexicon';
import { compileLexicon, splitPhrases, type CompiledLexicon, type LexiconValue } from './lexicon/lexicon';
import { TypoCorrector } from './lexicon/typos';
import { PhraseMatcher, type PhraseMatch } from './matcher';
import { tokenize, type TokenizeOptions, type Tokens } from './text';

/** The IAB node gear becomes next to a sport ("climbing shoes" → Sports Equipment). */
export const SPORTS_EQUIPMENT_TOPIC = '551';
/** Added next to a product topic when the clause shows purchase intent. */
export const SHOPPING_TOPIC = '473';
/** Roots of the topics gear can attach to: sports, fitness, outdoor activities, camping. */
const GEAR_SPORT_ROOTS = ['483', '225', '159', '677'];

const WEIGHT_STRONG = 0.6;
const WEIGHT_WEAK = 0.35;
const WEIGHT_REPEAT = 0.15;
const WEIGHT_INTEREST = 0.2;
const WEIGHT_DERIVED = 0.4;
const GEAR_LOOKAHEAD_GAP = 1;
/** How far (in tokens) a sport mention may be from a gear noun to make it equipment. */
const GEAR_REACH = 12;
const PATTERN_MAX_GAP = 2;

/** A positive mention count for one topic in one clause. */
export interface TopicMentions {
  strong: number;
  weak: number;
}

/** What one clause says: its sensitive classes, its positive topic mentions and a few cues. */
export interface ClauseAnalysis {
  readonly clause: Clause;
  /** Sensitive classes detected in the clause (cues, sensitive-mapped phrases, patterns), distinct. */
  readonly classes: SensitiveClass[];
  /** Topic id → positive mentions (negated mentions excluded). */
  readonly mentions: Map<string, TopicMentions>;
  /** The clause shows interest or intent ("want", "love", a question, ...). */
  readonly interest: boolean;
  /** The clause shows purchase intent ("buy", "deal", "price", ...). */
  readonly purchase: boolean;
  /** The clause points back at a condition ("safe for it", "manage", "during", ...). */
  readonly conditionContext: boolean;
}

export interface MessageAnalysis {
  readonly tokens: Tokens;
  readonly clauses: ClauseAnalysis[];
  /** Classes only visible across clauses ("as a guy ... my husband"). */
  readonly crossClauseClasses: SensitiveClass[];
}

/** A scored topic of one clause. */
export interface ClauseTopic {
  topicId: string;
  weight: number;
}

/**
 * The rules that read a message's structure rather than its vocabulary: where clauses end, what
 * negates, which words are fillers. A code-switched message is read by each of its languages'
 * engines with the union of their rules (mergeMessageRules), since either language's "but",
 * "not" or filler governs the words of both.
 */
export interface MessageRules {
  readonly clauses: ClauseRules;
  readonly negation: NegationRules;
  readonly fillers: ReadonlySet<string>;
}

function union<T>(sets: readonly ReadonlySet<T>[]): Set<T> {
  const out = new Set<T>();
  for (const set of sets) for (const v of set) out.add(v);
  return out;
}

function unionPairs(maps: readonly ReadonlyMap<string, ReadonlySet<string>>[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const map of maps) {
    for (const [k, v] of map) {
      const set = out.get(k) ?? new Set<string>();
      for (const x of v) set.add(x);
      out.set(k, set);
    }
  }
  return out;
}

/** The union of several languages' message rules (the widest negation window). */
export function mergeMessageRules(rules: readonly MessageRules[]): MessageRules {
  if (rules.length === 1) return rules[0];
  const c = rules.map((r) => r.clauses);
  const n = rules.map((r) => r.negation);
  return {
    clauses: {
      connectors: union(c.map((x) => x.connectors)),
      multiConnectors: c.flatMap((x) => x.multiConnectors),
      exemptNext: unionPairs(c.map((x) => x.exemptNext)),
      exemptFirst: union(c.map((x) => x.exemptFirst)),
      exemptLast: union(c.map((x) => x.exemptLast)),
    },
    negation: {
      cues: union(n.map((x) => x.cues)),
      cuePhrases: n.flatMap((x) => x.cuePhrases),
      exemptNext: unionPairs(n.map((x) => x.exemptNext)),
      post: union(n.map((x) => x.post)),
      postPhrases: n.flatMap((x) => x.postPhrases),
      postBreakers: union(n.map((x) => x.postBreakers)),
      breakers: union(n.map((x) => x.breakers)),
      window: Math.max(...n.map((x) => x.window)),
      lukewarm: union(n.map((x) => x.lukewarm)),
      overPrev: union(n.map((x) => x.overPrev)),
      postNegators: union(n.map((x) => x.postNegators)),
      postNegated: union(n.map((x) => x.postNegated)),
      rejections: union(n.map((x) => x.rejections)),
      rejectionCues: n.flatMap((x) => x.rejectionCues),
    },
    fillers: union(rules.map((r) => r.fillers)),
  };
}

/** A word class of the self-identification patterns ("SELF", "DEMONYM", ...). */
type WordClass = string;

interface Tagged {
  cls: WordClass;
  end: number;
}

function isDigitToken(word: string): boolean {
  const c = word.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/**
 * One language's compiled lexicon and the per-message analysis over it. Built once per language
 * (a few tens of milliseconds) and shared; analysis of a message is a handful of trie walks over
 * its tokens.
 */
export class LexiconEngine {
  readonly lexicon: CompiledLexicon;
  /** The language's data (word sets, rules), as read from its folder. */
  readonly data: LanguageLexicon;
  /** How messages read in this language are tokenized (its stemmer and abbreviations). */
  readonly tokenizeOptions: TokenizeOptions;
  private readonly tagger: PhraseMatcher<WordClass>;
  private readonly gearSports = new Set<string>();
  private readonly tier1Of = new Map<string, string>();
  /** Typo tolerance toward the sensitive vocabulary, when the language opts in. */
  readonly typos?: TypoCorrector;

  constructor(data: LanguageLexicon) {
    this.data = data;
    this.tokenizeOptions = { stem: data.stem, abbreviations: data.abbreviations };
    this.lexicon = compileLexicon(data.topicLines, data.cueLines, data.gearNouns, data.exceptions, data.stem);
    this.tagger = new PhraseMatcher<WordClass>(data.stem);
    for (const [cls, words] of data.wordClasses) {
      for (const word of words) for (const phrase of splitPhrases(word)) this.tagger.add(phrase, cls);
    }
    const taxonomy = getTaxonomy();
    for (const root of GEAR_SPORT_ROOTS) for (const id of taxonomy.expandWithDescendants([root])) this.gearSports.add(id);
    for (const node of taxonomy.all()) this.tier1Of.set(node.id, taxonomy.tier1NodeOf(node.id)?.id ?? node.id);
    if (data.typos > 0) this.typos = new TypoCorrector(data.sensitiveWords, data.knownWords, data.typos);
  }

  tier1(topicId: string): string {
    return this.tier1Of.get(topicId) ?? topicId;
  }

  /** This language's own clause, negation and filler rules. */
  get rules(): MessageRules {
    return this.data;
  }

  /**
   * `normalized`: the caller already ran normalizeText (analyzeText does; anyone else gets it here).
   * `rules`: the message rules to read it with (default this language's; a code-switched message
   * passes the union of its languages'). `foreignWords`: in a code-switched message, the other
   * languages' function words; a topic phrase made only of them is not read as this language's
   * (English "koi" the fish is Hindi "koi", any). Sensitive cues are read regardless.
   */
  analyze(text: string, normalized = false, rules: MessageRules = this.data, foreignWords?: ReadonlySet<string>): MessageAnalysis {
    const raw = tokenize(normalized ? text : normalizeText(text), this.tokenizeOptions);
    const tokens = this.typos ? this.typos.apply(raw) : raw;
    const clauses = splitClauses(tokens, rules.clauses);
    const skip = tokens.surface.map((w) => rules.fillers.has(w));
    const analyses = clauses.map((clause) => this.analyzeClause(tokens, clause, skip, rules, foreignWords));
    // "Golf? No thanks." — a short rejection right after a clause negates that clause's topics.
    for (let i = 0; i + 1 < analyses.length; i++) {
      if (this.isRejection(tokens, analyses[i + 1].clause, skip, rules.negation)) analyses[i].mentions.clear();
      // "Stock market? Kabhi nahi, bas ho gaya": a topicless answer to a "?" that holds a rejection cue.
      else if (tokens.questionAfter[analyses[i].clause.to - 1] && analyses[i + 1].mentions.size === 0 && this.hasRejectionCue(tokens, analyses[i + 1].clause, rules)) {
        analyses[i].mentions.clear();
      }
    }
    return { tokens, clauses: analyses, crossClauseClasses: this.crossClauseClasses(tokens, skip) };
  }

  private analyzeClause(tokens: Tokens, clause: Clause, skip: readonly boolean[], rules: MessageRules, foreignWords?: ReadonlySet<string>): ClauseAnalysis {
    const { stems, surface } = tokens;
    const matches = this.lexicon.matcher.matchAll(stems, surface, clause.from, clause.to, skip);
    const classes = new Set<SensitiveClass>();

    // Sensitive cues: every match carrying a class, unless a longer exception phrase contains it.
    const exceptions = byStart(matches.filter((m) => m.values.some((v) => v.exception)));
    // Fillers inside a phrase ('climbing um shoes') make a match longer than the phrase: allow slack.
    const depth = this.lexicon.matcher.depth * 2;
    for (const m of matches) {
      let hidden: boolean | undefined;
      for (const v of m.values) {
        if (v.exception || v.classes.length === 0) continue;
        hidden ??= containedIn(exceptions, m, depth);
        if (!hidden) for (const c of v.classes) classes.add(c);
      }
    }
    for (const c of this.patternClasses(tokens, clause, skip)) classes.add(c);
    for (let i = clause.from; i < clause.to; i++) {
      const marker = markerClass(surface[i]);
      if (marker) classes.add(marker);
    }

    // Topics: the longest phrases win ("rock climbing shoes" over "shoes"); cue-only phrases do not compete.
    const foreign = (m: PhraseMatch<LexiconValue>) => {
      if (!foreignWords) return false;
      for (let i = m.start; i < m.end; i++) if (!skip[i] && !foreignWords.has(surface[i])) return false;
      return true;
    };
    // Topics inside a rejection cue ("not my cup of tea") are not interests.
    const rejected = this.rejectionSpans(tokens, clause, rules);
    const insideRejection = (m: PhraseMatch<LexiconValue>) => rejected.some(([a, b]) => a <= m.start && m.end <= b);
    const candidates = matches.filter((m) => m.values.some((v) => v.topics.length > 0 || v.exception || v.gear) && !foreign(m) && !insideRejection(m));
    const candidatesByStart = byStart(candidates);
    const maximal: PhraseMatch<LexiconValue>[] = [];
    for (const m of candidates) {
      if (!containedIn(candidatesByStart, m, depth)) maximal.push(m);
      else if (m.values.some((v) => v.persistent) && !containedIn(exceptions, m, depth)) {
        // Persistent words survive longer topic phrases ("movies" in "horror movies"), not exceptions.
        maximal.push({ ...m, values: m.values.filter((v) => v.persistent) });
      }
    }
    maximal.sort((a, b) => a.start - b.start || a.end - b.end);
    const mentions = new Map<string, TopicMentions>();
    const add = (topicId: string, weak: boolean) => {
      let m = mentions.get(topicId);
      if (!m) mentions.set(topicId, (m = { strong: 0, weak: 0 }));
      if (weak) m.weak++;
      else m.strong++;
    };
    const negatedSpan = maximal.map((m) => this.isNegated(tokens, clause, m, rules));
    for (let i = 0; i < maximal.length; i++) {
      const m = maximal[i];
      if (negatedSpan[i]) continue;
      if (m.values.some((v) => v.gear) && this.gearFollowsSport(tokens, clause, maximal, negatedSpan, i, skip)) {
        add(SPORTS_EQUIPMENT_TOPIC, false);
        continue;
      }
      for (const v of m.values) for (const t of v.topics) add(t, v.weak);
    }

    let interest = tokens.questionAfter[clause.to - 1] === true;
    let purchase = false;
    let conditionContext = false;
    const d = this.data;
    for (let i = clause.from; i < clause.to; i++) {
      const s = stems[i];
      if (!interest && d.interestStems.has(s)) interest = true;
      if (!purchase && d.purchaseStems.has(s)) purchase = true;
      if (!conditionContext) {
        const w = surface[i];
        if (d.conditionContext.has(w) || (d.anaphora.has(w) && i > clause.from && d.anaphoraPrepositions.has(surface[i - 1]))) {
          conditionContext = true;
        }
      }
    }
    return { clause, classes: sortClasses(classes), mentions, interest, purchase, conditionContext };
  }

  /** "climbing shoes", "golf um clubs", "shoes for climbing": a gear noun next to a sport mention. */
  private gearFollowsSport(
    tokens: Tokens,
    clause: Clause,
    maximal: PhraseMatch<LexiconValue>[],
    negated: boolean[],
    index: number,
    skip: readonly boolean[],
  ): boolean {
    const gear = maximal[index];
    const isSport = (m: PhraseMatch<LexiconValue>) => m.values.some((v) => v.topics.some((t) => this.gearSports.has(t)));
    for (let j = 0; j < maximal.length; j++) {
      if (j === index || negated[j] || Math.abs(maximal[j].start - gear.start) > GEAR_REACH || !isSport(maximal[j])) continue;
      const sport = maximal[j];
      if (sport.end <= gear.start) {
        let gap = 0;
        for (let k = sport.end; k < gear.start; k++) if (!skip[k]) gap++;
        if (gap === 0) return true;
      } else if (sport.start >= gear.end) {
        // "shoes for climbing", "gear for my ski trip"
        let k = gear.end;
        if (tokens.surface[k] !== 'for') continue;
        k++;
        let gap = 0;
        while (k < sport.start && k < clause.to) {
          if (!skip[k]) gap++;
          k++;
        }
        if (gap <= GEAR_LOOKAHEAD_GAP) return true;
      }
    }
    return false;
  }

  private isNegated(tokens: Tokens, clause: Clause, m: PhraseMatch<LexiconValue>, rules: MessageRules): boolean {
    const { surface } = tokens;
    const n = rules.negation;
    let seen = 0;
    // A breaker ends single-word cues' reach; a cue of several words (sarcasm "yeah sure", "haan
    // bilkul") governs the rest of the clause within the window, breakers ("i", "mai") included.
    let broken = false;
    for (let j = m.start - 1; j >= clause.from && seen < n.window; j--) {
      const w = surface[j];
      if (rules.fillers.has(w)) continue;
      if (n.cuePhrases.length > 0 && sequenceEndsAt(n.cuePhrases, surface, j, clause.from, rules.fillers)) return true;
      if (broken) {
        if (n.cuePhrases.length === 0) break;
      } else if (n.cues.has(w)) {
        const exempt = n.exemptNext.get(w);
        const next = j + 1 < m.start ? surface[j + 1] : undefined;
        // "never been to Paris" is not negative; "never been into golf" is.
        const after = j + 2 < m.start ? surface[j + 2] : undefined;
        if (!(exempt && next !== undefined && exempt.has(next)) || (after !== undefined && n.lukewarm.has(after))) return true;
      } else if (w === 'over' && j > clause.from && n.overPrev.has(surface[j - 1])) {
        return true; // "I'm so over reality shows"
      } else if (n.breakers.has(w)) {
        broken = true;
      }
      seen++;
    }
    const limit = Math.min(clause.to, m.end + n.window);
    for (let j = m.end; j < limit; j++) {
      const w = surface[j];
      // "laptop chal nahi raha" (is not working) is no dislike: exempt-next pairs apply after the mention too.
      if (n.post.has(w) && !n.exemptNext.get(w)?.has(surface[j + 1])) return true;
      if (n.postPhrases.length > 0 && sequenceStartsAt(n.postPhrases, surface, j, clause.to, rules.fillers)) return true;
      if (n.postBreakers.has(w)) break;
      // "golf isn't for me", "video games have never interested me", "baseball doesn't appeal to me"
      if (n.postNegators.has(w) && (n.postNegated.has(surface[j + 1]) || n.postNegated.has(surface[j + 2]))) return true;
      if (w === 'but' || w === 'and' || w === 'because') break;
    }
    return false;
  }

  /** Word-class sequences ("I'm" + nationality, "my" + nationality + family member, ...). */
  private patternClasses(tokens: Tokens, clause: Clause, skip: readonly boolean[]): SensitiveClass[] {
    const tags = this.tag(tokens, clause.from, clause.to, skip);
    if (tags.size === 0) return [];
    const out = new Set<SensitiveClass>();
    const { surface } = tokens;
    const gapOk = (k: number) => this.data.patternGaps.has(surface[k]) || skip[k] || isDigitToken(surface[k]);
    const matchFrom = (rule: PatternRule, slot: number, pos: number): number => {
      // Returns the end of a match of rule.sequence[slot..] starting at or after pos (gaps allowed), or -1.
      for (let p = pos, gaps = 0; p < clause.to && gaps <= PATTERN_MAX_GAP; p++) {
        for (const t of tags.get(p) ?? []) {
          if (t.cls !== rule.sequence[slot]) continue;
          if (slot === rule.sequence.length - 1) return t.end;
          const end = matchFrom(rule, slot + 1, t.end);
          if (end >= 0) return end;
        }
        if (!gapOk(p)) break;
        gaps++;
      }
      return -1;
    };
    for (const list of tags.values()) {
      for (const rule of this.data.patternRules) {
        if (rule.classes.every((c) => out.has(c))) continue;
        for (const t of list) {
          if (t.cls !== rule.sequence[0]) continue;
          const end = rule.sequence.length === 1 ? t.end : matchFrom(rule, 1, t.end);
          if (end < 0) continue;
          if (rule.checkNext && end < clause.to && this.data.notAPersonNext.has(surface[end])) continue;
          for (const c of rule.classes) out.add(c);
        }
      }
    }
    return [...out];
  }

  private tag(tokens: Tokens, from: number, to: number, skip: readonly boolean[]): Map<number, Tagged[]> {
    const byStart = new Map<number, Tagged[]>();
    for (const m of this.tagger.matchAll(tokens.stems, tokens.surface, from, to, skip)) {
      let list = byStart.get(m.start);
      if (!list) byStart.set(m.start, (list = []));
      for (const cls of m.values) list.push({ cls, end: m.end });
    }
    return byStart;
  }

  private crossClauseClasses(tokens: Tokens, skip: readonly boolean[]): SensitiveClass[] {
    const tags = this.tag(tokens, 0, tokens.length, skip);
    if (tags.size === 0) return [];
    const present = new Set<WordClass>();
    for (const list of tags.values()) for (const t of list) present.add(t.cls);
    const out = new Set<SensitiveClass>();
    for (const rule of this.data.coOccurrence) if (rule.all.every((c) => present.has(c))) for (const c of rule.classes) out.add(c);
    return [...out];
  }

  private hasRejectionCue(tokens: Tokens, clause: Clause, rules: MessageRules): boolean {
    return this.rejectionSpans(tokens, clause, rules).length > 0;
  }

  /** Token spans [start, end) of the rejection cues in a clause. */
  private rejectionSpans(tokens: Tokens, clause: Clause, rules: MessageRules): Array<[number, number]> {
    const cues = rules.negation.rejectionCues;
    const out: Array<[number, number]> = [];
    if (cues.length === 0) return out;
    for (let j = clause.from; j < clause.to; j++) {
      const end = sequenceEndFrom(cues, tokens.surface, j, clause.to, rules.fillers);
      if (end > j) out.push([j, end]);
    }
    return out;
  }

  private isRejection(tokens: Tokens, clause: Clause, skip: readonly boolean[], negation: NegationRules): boolean {
    const words: string[] = [];
    for (let i = clause.from; i < clause.to; i++) if (!skip[i]) words.push(tokens.surface[i]);
    return words.length > 0 && words.length <= 4 && negation.rejections.has(words.join(' '));
  }

  /**
   * Scores each clause's topics with the whole message in view: weak phrases count only next to
   * strong evidence for the same Tier-1; interest raises the weight; purchase intent adds Shopping.
   */
  scoreClauses(analysis: MessageAnalysis): ClauseTopic[][] {
    const strongTier1 = new Set<string>();
    for (const c of analysis.clauses) for (const [id, m] of c.mentions) if (m.strong > 0) strongTier1.add(this.tier1(id));
    return analysis.clauses.map((c) => {
      const out: ClauseTopic[] = [];
      for (const [topicId, m] of c.mentions) {
        if (m.strong === 0 && !strongTier1.has(this.tier1(topicId))) continue;
        const base = m.strong > 0 ? WEIGHT_STRONG : WEIGHT_WEAK;
        const repeats = m.strong + m.weak - 1;
        const weight = Math.min(1, base + WEIGHT_REPEAT * repeats + (c.interest ? WEIGHT_INTEREST : 0));
        out.push({ topicId, weight: round(weight) });
      }
      if (c.purchase && out.length > 0 && !out.some((t) => this.tier1(t.topicId) === SHOPPING_TOPIC)) {
        out.push({ topicId: SHOPPING_TOPIC, weight: WEIGHT_DERIVED });
      }
      return out;
    });
  }
}

type Sequences = ReadonlyArray<readonly string[]>;

/** Sequences indexed by their first and by their last word (built once per list). */
const firstWordIndex = new WeakMap<Sequences, Map<string, Array<readonly string[]>>>();
const lastWordIndex = new WeakMap<Sequences, Map<string, Array<readonly string[]>>>();

function indexBy(sequences: Sequences, cache: WeakMap<Sequences, Map<string, Array<readonly string[]>>>, last: boolean): Map<string, Array<readonly string[]>> {
  let index = cache.get(sequences);
  if (!index) {
    index = new Map();
    for (const seq of sequences) {
      const key = last ? seq[seq.length - 1] : seq[0];
      const list = index.get(key);
      if (list) list.push(seq);
      else index.set(key, [seq]);
    }
    cache.set(sequences, index);
  }
  return index;
}

/** True when one of `sequences` ends at token `end` (fillers between its words skipped, not before `from`). */
function sequenceEndsAt(sequences: Sequences, surface: readonly string[], end: number, from: number, fillers: ReadonlySet<string>): boolean {
  const candidates = indexBy(sequences, lastWordIndex, true).get(surface[end]);
  if (!candidates) return false;
  outer: for (const seq of candidates) {
    let j = end;
    for (let k = seq.length - 1; k >= 0; k--) {
      while (j >= from && k < seq.length - 1 && fillers.has(surface[j])) j--;
      if (j < from || surface[j] !== seq[k]) continue outer;
      j--;
    }
    return true;
  }
  return false;
}

/** The end (exclusive) of the longest of `sequences` starting at token `start` (fillers between its words skipped), or -1. */
function sequenceEndFrom(sequences: Sequences, surface: readonly string[], start: number, to: number, fillers: ReadonlySet<string>): number {
  const candidates = indexBy(sequences, firstWordIndex, false).get(surface[start]);
  if (!candidates) return -1;
  let best = -1;
  outer: for (const seq of candidates) {
    let j = start;
    for (let k = 0; k < seq.length; k++) {
      while (j < to && k > 0 && fillers.has(surface[j])) j++;
      if (j >= to || surface[j] !== seq[k]) continue outer;
      j++;
    }
    if (j > best) best = j;
  }
  return best;
}

/** True when one of `sequences` starts at token `start` (fillers between its words skipped, not at or after `to`). */
function sequenceStartsAt(sequences: Sequences, surface: readonly string[], start: number, to: number, fillers: ReadonlySet<string>): boolean {
  return sequenceEndFrom(sequences, surface, start, to, fillers) > start;
}

function byStart<T>(matches: PhraseMatch<T>[]): Map<number, PhraseMatch<T>[]> {
  const map = new Map<number, PhraseMatch<T>[]>();
  for (const m of matches) {
    const list = map.get(m.start);
    if (list) list.push(m);
    else map.set(m.start, [m]);
  }
  return map;
}

/** True when a strictly longer match among `index` covers `m` (phrases are at most `depth` tokens long). */
function containedIn<T>(index: Map<number, PhraseMatch<T>[]>, m: PhraseMatch<T>, depth: number): boolean {
  const length = m.end - m.start;
  for (let start = m.start; start >= m.start - depth && start >= 0; start--) {
    for (const o of index.get(start) ?? []) if (o !== m && o.end >= m.end && o.end - o.start > length) return true;
  }
  return false;
}

export function round(weight: number): number {
  return Math.round(weight * 1000) / 1000;
}

const CLASS_ORDER = new Map(SENSITIVE_CLASSES.map((c, i) => [c, i]));

/** Distinct classes, alphabetically. */
export function sortClasses(classes: Iterable<SensitiveClass>): SensitiveClass[] {
  return [...new Set(classes)].sort();
}

export function classRank(cls: SensitiveClass): number {
  return CLASS_ORDER.get(cls) ?? SENSITIVE_CLASSES.length;
}

const engines = new Map<string, LexiconEngine>();

/**
 * Compiles every supported language's lexicon now (a service calls it at start, so the first
 * message does not pay for it) and returns what to report: each folder's status and checksum.
 */
export function compileLexicons(): Array<{ code: string; status: string; checksum: string; phrases?: number }> {
  return languageFolders().map((f) => (f.status === 'supported' ? { code: f.code, status: f.status, checksum: f.checksum, phrases: getLexiconEngine(f.code).lexicon.size } : { code: f.code, status: f.status, checksum: f.checksum }));
}

/** The engine over a language's folder (default English), compiled on first use. */
export function getLexiconEngine(code = 'en'): LexiconEngine {
  let engine = engines.get(code);
  if (!engine) {
    const folder = languageFolder(code);
    if (!folder) throw new Error(`no lexicon folder for language "${code}"`);
    engine = new LexiconEngine(buildLanguageLexicon(folder));
    engines.set(code, engine);
  }
  return engine;
}
