import { getTaxonomy } from '@signalpath/taxonomy';
import { SENSITIVE_CLASSES, type SensitiveClass } from '@signalpath/sensitive-topics';
import { splitClauses, type Clause, type ClauseRules } from './clauses';
import { languageFolder, languageFolders } from './language/data';
import { markerClass, normalizeText } from './language/normalize';
import { buildLanguageLexicon, type LanguageLexicon, type NegationPhraseKind, type NegationRules, type PatternRule } from './lexicon/language-lexicon';
import { compileLexicon, splitPhrases, type CompiledLexicon, type CompoundPart, type LexiconValue } from './lexicon/lexicon';
import { TypoCorrector } from './lexicon/typos';
import { PhraseMatcher, type PhraseMatch } from './matcher';
import { Boundary, fold, tokenize, type TokenizeOptions, type Tokens } from './text';

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
/** Misspellings are read only for words this long: a swapped letter from 5, a dropped or doubled one from 6. */
const TYPO_MIN_SWAP = 5;
const TYPO_MIN_EDIT = 6;

const identity = (w: string) => w;
/** A compound holds, beside a part, at least this many more letters ("Diabetes|tee", not "Diabetes|s"). */
const COMPOUND_MIN_REST = 3;

interface CompoundNode {
  next: Map<string, CompoundNode>;
  part?: CompoundPart;
}
/** How many short topic-less clauses a rejection ("no way") may reach back over to the clause it rejects. */
const REJECTION_REACH = 2;

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
  /** Topic ids the clause mentions negatively (negated, sarcastic, refused, abandoned). */
  readonly negated: Set<string>;
  /**
   * The clause was rejected as a whole (sarcasm, a following rejection or retraction): in a
   * code-switched message, the other language's topics over the same span go with it.
   */
  rejected: boolean;
  /** One-word mentions naming topics of several Tier-1s, resolved against the whole message (then emptied). */
  readonly ambiguous: Array<Array<{ topicId: string; weak: boolean }>>;
  /**
   * The topic ids each positive mention names together (a line "Camping|Hobbies & Interests"): in a
   * code-switched message, a topic another language negates takes the ones named with it.
   */
  readonly named: string[][];
  /** The clause points back at a condition ("safe for it", "manage", "during", ...). */
  readonly conditionContext: boolean;
  /** The clause opens with an anaphora preposition ("... ? for my union meeting"): it is the purpose of the clause before. */
  readonly opensWithPreposition: boolean;
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

/** Words every one of the sets holds. */
function intersection<T>(sets: readonly ReadonlySet<T>[]): Set<T> {
  const [first, ...rest] = sets;
  const out = new Set<T>();
  for (const v of first ?? []) if (rest.every((s) => s.has(v))) out.add(v);
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
      exemptNext: unionPairs(n.map((x) => x.exemptNext)),
      post: union(n.map((x) => x.post)),
      postBreakers: union(n.map((x) => x.postBreakers)),
      local: union(n.map((x) => x.local)),
      phrases: n.flatMap((x) => x.phrases),
      pairs: unionPairs(n.map((x) => x.pairs)),
      breakers: intersection(n.map((x) => x.breakers)),
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
  /** negation.tsv phrases (cue/post phrases, refusal, sarcasm, retraction), on surface words. */
  private readonly negationPhrases = new PhraseMatcher<NegationPhraseKind>(identity);
  /** Multi-word fillers of voice transcripts ("you know", "i mean"), on surface words. */
  private readonly fillerPhrases = new PhraseMatcher<true>(identity);
  /** A misspelling (dropped, doubled or swapped letter) of a sensitive word → the word. */
  private readonly typos = new Map<string, string>();
  /** Every word of the language's data, folded: never a misspelling, never split into compound parts. */
  private readonly known: ReadonlySet<string>;
  /** Compound parts ("*diabetes") as a letter trie, searched inside longer words. */
  private readonly compounds: CompoundNode = { next: new Map() };
  private shortestPart = Infinity;
  private readonly gearSports = new Set<string>();
  private readonly tier1Of = new Map<string, string>();
  /** Opt-in typo tolerance toward the sensitive vocabulary (language.tsv `typos`; typos.ts). */
  readonly tolerance?: TypoCorrector;
  /** Phrase matchers of merged message rules (a code-switched message's union), built once per union. */
  private readonly rulePhrases = new WeakMap<MessageRules, { negation: PhraseMatcher<NegationPhraseKind>; fillers: PhraseMatcher<true> }>();

  constructor(data: LanguageLexicon) {
    this.data = data;
    this.tokenizeOptions = { stem: data.stem, abbreviations: data.abbreviations, elisions: data.elisions };
    this.lexicon = compileLexicon(data.topicLines, data.cueLines, data.gearNouns, data.exceptions, data.stem);
    this.tagger = new PhraseMatcher<WordClass>(data.stem);
    for (const [cls, words] of data.wordClasses) {
      for (const word of words) for (const phrase of splitPhrases(word)) this.tagger.add(phrase, cls);
    }
    for (const { kind, phrase } of data.negation.phrases) this.negationPhrases.add(phrase, kind);
    for (const filler of data.fillers) if (/\s/.test(filler)) this.fillerPhrases.add(filler, true);
    this.known = new Set([...data.knownWords].map(fold));
    this.buildTypos();
    for (const { part, sensitive } of this.lexicon.compoundParts) {
      let node = this.compounds;
      for (const ch of part) {
        let child = node.next.get(ch);
        if (!child) node.next.set(ch, (child = { next: new Map() }));
        node = child;
      }
      // A part listed both ways counts as sensitive.
      node.part = { part, sensitive: sensitive || node.part?.sensitive === true };
      this.shortestPart = Math.min(this.shortestPart, part.length);
    }
    const taxonomy = getTaxonomy();
    for (const root of GEAR_SPORT_ROOTS) for (const id of taxonomy.expandWithDescendants([root])) this.gearSports.add(id);
    for (const node of taxonomy.all()) this.tier1Of.set(node.id, taxonomy.tier1NodeOf(node.id)?.id ?? node.id);
    if (data.typos > 0) this.tolerance = new TypoCorrector(data.sensitiveStems, data.knownStems, data.typos);
    for (const [kind, ids] of [['qualifier', data.qualifierTier1s], ['service', data.serviceTier1s]] as const) {
      for (const id of ids) if (taxonomy.tier1NodeOf(id)?.id !== id) throw new Error(`${data.code}/cues.tsv: ${kind} "${id}" is not a Tier-1 node id`);
    }
  }

  /**
   * Chat text is rarely spelled right, and a dropped, doubled or swapped letter must not turn a
   * sensitive message into an ads signal (issue 14 §2): every such variant of a sensitive word
   * reads as the word, unless the variant is itself a word of the language's data or a
   * `not-a-typo` row (real words a variant collides with, listed from a dictionary).
   */
  private buildTypos(): void {
    const known = this.known;
    const add = (variant: string, word: string) => {
      if (variant !== word && !known.has(variant) && !this.typos.has(variant)) this.typos.set(variant, word);
    };
    for (const raw of this.data.sensitiveWords) {
      const word = fold(raw);
      if (word.length < TYPO_MIN_SWAP || /[0-9]/.test(word)) continue;
      // Never the first letter (as typos.ts): "ambani" (a surname) is not "lambani" (a community).
      for (let i = 1; i + 1 < word.length; i++) {
        if (word[i] !== word[i + 1]) add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2), word);
      }
      if (word.length < TYPO_MIN_EDIT) continue;
      for (let i = 0; i < word.length; i++) {
        if (i > 0) add(word.slice(0, i) + word.slice(i + 1), word); // dropped
        add(word.slice(0, i + 1) + word[i] + word.slice(i + 1), word); // doubled
      }
    }
  }

  /** Misspelling → sensitive word, as read (for tools/lexicon-typo-collisions.ts). */
  get typoVariants(): ReadonlyMap<string, string> {
    return this.typos;
  }

  /** The tokens with misspelt sensitive words read as the words. */
  private correctTypos(tokens: Tokens, foreignKnown?: ReadonlySet<string>): Tokens {
    if (this.typos.size === 0) return tokens;
    let surface: string[] | undefined;
    let stems: string[] | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const word = this.typos.get(tokens.surface[i]);
      if (word === undefined || foreignKnown?.has(tokens.surface[i])) continue;
      surface ??= [...tokens.surface];
      stems ??= [...tokens.stems];
      surface[i] = word;
      stems[i] = this.data.stem(word);
    }
    return surface && stems ? { ...tokens, surface, stems } : tokens;
  }

  /**
   * German glues nouns ("Diabetesmedikament", "Gewerkschaftsmitglied", "Moscheebesuch"): a word
   * that is not itself a word of the language's data and holds a compound part ("*diabetes") reads
   * as that part, a sensitive part before a topic part, the longer before the shorter. The word
   * must be longer than the part by at least COMPOUND_MIN_REST letters (a second element).
   */
  private decompound(tokens: Tokens, foreignKnown?: ReadonlySet<string>): Tokens {
    if (this.shortestPart === Infinity) return tokens;
    let surface: string[] | undefined;
    let stems: string[] | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const word = tokens.surface[i];
      if (word.length < this.shortestPart + COMPOUND_MIN_REST || this.known.has(word) || foreignKnown?.has(word)) continue;
      let best: CompoundPart | undefined;
      for (let start = 0; start < word.length; start++) {
        let node: CompoundNode | undefined = this.compounds;
        for (let k = start; k < word.length && node; k++) {
          node = node.next.get(word[k]);
          const p = node?.part;
          if (p && word.length - p.part.length >= COMPOUND_MIN_REST && (!best || (p.sensitive && !best.sensitive) || (p.sensitive === best.sensitive && p.part.length > best.part.length))) best = p;
        }
      }
      if (!best) continue;
      const partStem = this.data.stem(best.part);
      if (partStem === tokens.stems[i]) continue;
      surface ??= [...tokens.surface];
      stems ??= [...tokens.stems];
      surface[i] = best.part;
      stems[i] = partStem;
    }
    return surface && stems ? { ...tokens, surface, stems } : tokens;
  }

  tier1(topicId: string): string {
    return this.tier1Of.get(topicId) ?? topicId;
  }

  /** This language's own clause, negation and filler rules. */
  get rules(): MessageRules {
    return this.data;
  }

  /** The negation and filler phrase matchers of a set of message rules (this language's, or a union). */
  private phraseMatchers(rules: MessageRules): { negation: PhraseMatcher<NegationPhraseKind>; fillers: PhraseMatcher<true> } {
    if (rules === this.data) return { negation: this.negationPhrases, fillers: this.fillerPhrases };
    let m = this.rulePhrases.get(rules);
    if (!m) {
      m = { negation: new PhraseMatcher<NegationPhraseKind>(identity), fillers: new PhraseMatcher<true>(identity) };
      for (const { kind, phrase } of rules.negation.phrases) m.negation.add(phrase, kind);
      for (const filler of rules.fillers) if (/\s/.test(filler)) m.fillers.add(filler, true);
      this.rulePhrases.set(rules, m);
    }
    return m;
  }

  /**
   * `normalized`: the caller already ran normalizeText (analyzeText does; anyone else gets it here).
   * `rules`: the message rules to read it with (default this language's; a code-switched message
   * passes the union of its languages'). `foreignWords`: in a code-switched message, the other
   * languages' function words; a topic phrase made only of them is not read as this language's
   * (English "koi" the fish is Hindi "koi", any). Sensitive cues are read regardless.
   * `foreignKnown`: words the message's other languages know; they are no misspelling of this
   * language's sensitive words (Hindi "andar", inside, is not English "nadar"), nor split as compounds.
   * `glimpsedIn`: this language is only glimpsed in a message of another (identification's
   * alsoSeen) whose data knows these words: a class cue made only of them is that language's to read
   * (German "Religion" in "it's basically my religion lol", which English reads as no belief).
   */
  analyze(
    text: string,
    normalized = false,
    rules: MessageRules = this.data,
    foreignWords?: ReadonlySet<string>,
    foreignKnown?: ReadonlySet<string>,
    glimpsedIn?: ReadonlySet<string>,
  ): MessageAnalysis {
    const raw = this.decompound(this.correctTypos(tokenize(normalized ? text : normalizeText(text), this.tokenizeOptions), foreignKnown), foreignKnown);
    const tokens = this.tolerance ? this.tolerance.apply(raw, foreignKnown) : raw;
    const clauses = splitClauses(tokens, rules.clauses);
    const skip = tokens.surface.map((w) => rules.fillers.has(w));
    const matchers = this.phraseMatchers(rules);
    if (matchers.fillers.size > 0) {
      for (const m of matchers.fillers.matchAll(tokens.surface, tokens.surface, 0, tokens.length)) for (let k = m.start; k < m.end; k++) skip[k] = true;
    }
    const phrases = matchers.negation.size > 0 ? matchers.negation.matchAll(tokens.surface, tokens.surface, 0, tokens.length, skip) : [];
    // Word classes of the self-identification patterns, tagged once for the clauses and the whole message.
    const tags = this.tag(tokens, 0, tokens.length, skip);
    const analyses = clauses.map((clause) => this.analyzeClause(tokens, clause, skip, phrases, tags, rules, foreignWords, glimpsedIn));
    this.resolveAmbiguous(analyses);
    const drop = (a: ClauseAnalysis) => {
      for (const id of a.mentions.keys()) a.negated.add(id);
      a.mentions.clear();
      a.rejected = true;
    };
    for (let i = 0; i < analyses.length; i++) {
      const a = analyses[i];
      const has = (kind: NegationPhraseKind) => phrases.some((p) => p.values.includes(kind) && p.start >= a.clause.from && p.end <= a.clause.to);
      // "oh great, more golf on tv" — sarcasm negates its clause; "... . just what i needed" the one before.
      if (has('sarcasm')) {
        drop(a);
        // "... . just what i needed": a sarcastic remark with no topic of its own is about what came before.
        if (a.negated.size === 0 && i > 0) drop(analyses[i - 1]);
      }
      // "Golf? No thanks.", "used to fish but gave it up": a following clause with no topic of its own
      // that rejects or retracts negates the previous clause's topics.
      if (i > 0 && a.mentions.size === 0 && (this.isRejection(tokens, a.clause, skip, rules.negation) || has('retraction'))) {
        // "me? camping? in this heat? no way": the rejection is of the nearest clause with a topic, over short topic-less ones.
        let j = i - 1;
        while (j > 0 && j >= i - REJECTION_REACH && analyses[j].mentions.size === 0 && analyses[j].clause.to - analyses[j].clause.from <= 4) j--;
        drop(analyses[j]);
      } else if (
        // "Stock market? Kabhi nahi, bas ho gaya": a topicless answer to a "?" that holds a rejection cue.
        i > 0 &&
        a.mentions.size === 0 &&
        tokens.questionAfter[analyses[i - 1].clause.to - 1] &&
        this.hasRejectionCue(tokens, a.clause, rules)
      ) {
        drop(analyses[i - 1]);
      }
    }
    // A topic mentioned negatively anywhere in the message is not an interest elsewhere in it
    // ("not interested in crypto, stop suggesting bitcoin stuff").
    const negated = new Set<string>();
    for (const a of analyses) for (const id of a.negated) negated.add(id);
    if (negated.size > 0) {
      for (const a of analyses) {
        for (const id of negated) a.mentions.delete(id);
        // A negated Tier-1 itself ("done with that sport", "not into games") takes its whole area with it.
        for (const id of [...a.mentions.keys()]) if (negated.has(this.tier1(id))) a.mentions.delete(id);
      }
    }
    return { tokens, clauses: analyses, crossClauseClasses: this.crossClauseClasses(tags) };
  }

  private analyzeClause(
    tokens: Tokens,
    clause: Clause,
    skip: readonly boolean[],
    allPhrases: readonly PhraseMatch<NegationPhraseKind>[],
    tags: ReadonlyMap<number, Tagged[]>,
    rules: MessageRules,
    foreignWords?: ReadonlySet<string>,
    glimpsedIn?: ReadonlySet<string>,
  ): ClauseAnalysis {
    const phrases = allPhrases.filter((p) => p.start >= clause.from && p.end <= clause.to);
    const { stems, surface } = tokens;
    const matches = this.lexicon.matcher.matchAll(stems, surface, clause.from, clause.to, skip);
    const classes = new Set<SensitiveClass>();

    // Sensitive cues: every match carrying a class, unless a longer exception phrase contains it.
    const exceptions = byStart(matches.filter((m) => m.values.some((v) => v.exception)));
    // Fillers inside a phrase ('climbing um shoes') make a match longer than the phrase: allow slack.
    const depth = this.lexicon.matcher.depth * 2;
    const readByMain = (m: PhraseMatch<LexiconValue>) => {
      if (!glimpsedIn) return false;
      for (let i = m.start; i < m.end; i++) if (!skip[i] && !glimpsedIn.has(surface[i])) return false;
      return true;
    };
    for (const m of matches) {
      let hidden: boolean | undefined;
      if (readByMain(m)) continue;
      for (const v of m.values) {
        if (v.exception || v.classes.length === 0) continue;
        hidden ??= containedIn(exceptions, m, depth);
        if (!hidden) for (const c of v.classes) classes.add(c);
      }
    }
    for (const c of this.patternClasses(tokens, clause, skip, tags)) classes.add(c);
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
    const ambiguous: Array<Array<{ topicId: string; weak: boolean }>> = [];
    const negation = maximal.map((m) => this.isNegated(tokens, clause, m, phrases, skip, rules));
    const negatedSpan = negation.map((x) => x !== false);
    const negated = new Set<string>();
    const named: string[][] = [];
    for (let i = 0; i < maximal.length; i++) {
      const m = maximal[i];
      if (negation[i] === true) for (const v of m.values) for (const t of v.topics) negated.add(t);
      if (negatedSpan[i]) continue;
      if (m.values.some((v) => v.gear) && this.gearFollowsSport(tokens, clause, maximal, negatedSpan, i, skip)) {
        add(SPORTS_EQUIPMENT_TOPIC, false);
        continue;
      }
      const pairs = m.values.flatMap((v) => v.topics.map((t) => ({ topicId: t, weak: v.weak })));
      named.push(pairs.map((p) => p.topicId));
      // One word naming topics of several Tier-1s ("chicken": food or farm animal) waits for the message's other evidence.
      if (m.end - m.start === 1 && new Set(pairs.map((p) => this.tier1(p.topicId))).size > 1) ambiguous.push(pairs);
      else for (const p of pairs) add(p.topicId, p.weak);
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
    let first = clause.from;
    while (first < clause.to && skip[first]) first++;
    const opensWithPreposition = first < clause.to && this.data.anaphoraPrepositions.has(surface[first]);
    return { clause, classes: sortClasses(classes), mentions, interest, purchase, conditionContext, opensWithPreposition, negated, ambiguous, named, rejected: false };
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

  /** True, false, or "local": negated by a `local` cue ("no annual fee"), which says nothing about the topic elsewhere. */
  private isNegated(
    tokens: Tokens,
    clause: Clause,
    m: PhraseMatch<LexiconValue>,
    phrases: readonly PhraseMatch<NegationPhraseKind>[],
    skip: readonly boolean[],
    rules: MessageRules,
  ): boolean | 'local' {
    const { surface } = tokens;
    const n = rules.negation;
    for (const p of phrases) {
      if (p.values.includes('refusal') && p.end <= m.start) return true; // "I'd rather die than go camping"
      // "used to", "gave up on" (not "used to live in"), within the comma-delimited stretch
      if (p.values.includes('cue') && p.end <= m.start && this.withinScope(tokens, skip, p.end, m.start, n) && !this.phraseExempt(tokens, skip, p, m.start, n)) {
        return n.local.has(this.phraseText(tokens, skip, p)) ? 'local' : true;
      }
      // "gave it up", "golf, personally i can't stand it": like a post word, across commas, up to a post-breaker
      if (p.values.includes('post') && p.start >= m.end && this.beforePost(tokens, skip, m.end, p.start, n)) return true;
    }
    // "tea over coffee": the dispreferred one is often of the same topic as the preferred, so it stays local.
    if (n.pairs.size > 0 && this.dispreferred(tokens, clause, m.start, skip, n)) return 'local';
    let seen = 0;
    // A cue reached across a comma may be about an earlier object ("my cat isn't eating since morning,
    // vet ke paas le jau?"): it takes this mention only, not the topic elsewhere (as after the mention).
    let crossed = false;
    for (let j = m.start - 1; j >= clause.from && seen < n.window; j--) {
      const w = surface[j];
      if (tokens.before[j + 1] !== Boundary.None) crossed = true;
      if (rules.fillers.has(w)) continue;
      if (n.cues.has(w)) {
        const exempt = n.exemptNext.get(w);
        const next = j + 1 < m.start ? surface[j + 1] : undefined;
        // "never been to Paris" is not negative; "never been into golf" is.
        const after = j + 2 < m.start ? surface[j + 2] : undefined;
        if (!(exempt && next !== undefined && exempt.has(next)) || (after !== undefined && n.lukewarm.has(after))) return crossed || n.local.has(w) ? 'local' : true;
      } else if (w === 'over' && j > clause.from && n.overPrev.has(surface[j - 1])) {
        return true; // "I'm so over reality shows"
      } else if (n.breakers.has(w)) {
        break;
      }
      seen++;
    }
    const limit = Math.min(clause.to, m.end + n.window);
    // A post word reached across a comma may be about a later object ("... chat wapas kaise laayein,
    // backup nahi liya tha"): it takes this mention only, not the topic elsewhere in the message.
    let crossedAfter = false;
    for (let j = m.end; j < limit; j++) {
      const w = surface[j];
      if (tokens.before[j] !== Boundary.None) crossedAfter = true;
      // "laptop chal nahi raha" (is not working) is no dislike: exempt-next pairs apply after the mention too.
      if (n.post.has(w) && !n.exemptNext.get(w)?.has(surface[j + 1])) return crossedAfter ? 'local' : true;
      // "golf isn't for me", "video games have never interested me", "baseball doesn't appeal to me"
      if (n.postNegators.has(w) && (n.postNegated.has(surface[j + 1]) || n.postNegated.has(surface[j + 2]))) return true;
      if (n.postBreakers.has(w)) break;
    }
    return false;
  }

  /**
   * A one-word mention naming topics of several Tier-1s keeps the ones the rest of the message
   * supports ("chicken curry recipe": food, not farm animals), or all of them when none is.
   */
  private resolveAmbiguous(analyses: ClauseAnalysis[]): void {
    const support = new Set<string>();
    for (const a of analyses) for (const id of a.mentions.keys()) support.add(this.tier1(id));
    for (const a of analyses) {
      for (const pairs of a.ambiguous) {
        const kept = pairs.filter((p) => support.has(this.tier1(p.topicId)));
        for (const p of kept.length > 0 ? kept : pairs) {
          const m = a.mentions.get(p.topicId) ?? { strong: 0, weak: 0 };
          if (p.weak) m.weak++;
          else m.strong++;
          a.mentions.set(p.topicId, m);
        }
      }
      a.ambiguous.length = 0;
    }
  }

  /**
   * Tokens [from, to) are within a negation phrase's window (fillers not counted), hold no breaker
   * and no comma or sentence boundary ("I used to live in Denver, any ramen spots?").
   */
  private withinScope(tokens: Tokens, skip: readonly boolean[], from: number, to: number, n: NegationRules): boolean {
    let seen = 0;
    for (let k = from; k <= to && k < tokens.length; k++) {
      if (tokens.before[k] !== Boundary.None) return false;
      if (k === to || skip[k]) continue;
      if (n.breakers.has(tokens.surface[k]) || ++seen > n.window) return false;
    }
    return true;
  }

  /** Tokens [from, to) between a mention and a post phrase: within the window, no post-breaker. */
  private beforePost(tokens: Tokens, skip: readonly boolean[], from: number, to: number, n: NegationRules): boolean {
    let seen = 0;
    for (let k = from; k < to; k++) {
      if (skip[k]) continue;
      if (n.postBreakers.has(tokens.surface[k]) || ++seen > n.window) return false;
    }
    return true;
  }

  /** A matched phrase's words, fillers left out. */
  private phraseText(tokens: Tokens, skip: readonly boolean[], p: PhraseMatch<unknown>): string {
    const words: string[] = [];
    for (let k = p.start; k < p.end; k++) if (!skip[k]) words.push(tokens.surface[k]);
    return words.join(' ');
  }

  /** "I'd rather have sushi than pizza": the mention follows a pair's closer whose opener comes shortly before it. */
  private dispreferred(tokens: Tokens, clause: Clause, start: number, skip: readonly boolean[], n: NegationRules): boolean {
    let seen = 0;
    for (let j = start - 1; j >= clause.from && seen <= n.window; j--) {
      if (tokens.before[j + 1] !== Boundary.None) return false;
      if (skip[j]) continue;
      const openers = n.pairs.get(tokens.surface[j]);
      if (openers) {
        for (let k = j - 1, gap = 0; k >= clause.from && gap <= n.window; k--) {
          if (skip[k]) continue;
          if (openers.has(tokens.surface[k])) return true;
          gap++;
        }
        return false;
      }
      seen++;
    }
    return false;
  }

  /** A cue phrase followed by one of its exempt-next words ("used to live", "stopped by"). */
  private phraseExempt(tokens: Tokens, skip: readonly boolean[], p: PhraseMatch<NegationPhraseKind>, limit: number, n: NegationRules): boolean {
    const exempt = n.exemptNext.get(this.phraseText(tokens, skip, p));
    if (!exempt) return false;
    let k = p.end;
    while (k < limit && skip[k]) k++;
    return k < limit && exempt.has(tokens.surface[k]);
  }

  /** Word-class sequences ("I'm" + nationality, "my" + nationality + family member, ...). */
  private patternClasses(tokens: Tokens, clause: Clause, skip: readonly boolean[], allTags: ReadonlyMap<number, Tagged[]>): SensitiveClass[] {
    if (allTags.size === 0) return [];
    // The message's tags that lie inside this clause.
    const tags = new Map<number, Tagged[]>();
    for (let p = clause.from; p < clause.to; p++) {
      const list = allTags.get(p)?.filter((t) => t.end <= clause.to);
      if (list && list.length > 0) tags.set(p, list);
    }
    if (tags.size === 0) return [];
    const out = new Set<SensitiveClass>();
    if (this.data.clauseCoOccurrence.length > 0) {
      const present = new Set<WordClass>();
      for (const list of tags.values()) for (const t of list) present.add(t.cls);
      for (const rule of this.data.clauseCoOccurrence) if (rule.all.every((c) => present.has(c))) for (const c of rule.classes) out.add(c);
    }
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

  private crossClauseClasses(tags: ReadonlyMap<number, Tagged[]>): SensitiveClass[] {
    if (tags.size === 0) return [];
    const present = new Set<WordClass>();
    for (const list of tags.values()) for (const t of list) present.add(t.cls);
    const out = new Set<SensitiveClass>();
    for (const rule of this.data.coOccurrence) if (rule.all.every((c) => present.has(c))) for (const c of rule.classes) out.add(c);
    return [...out];
  }

  private isRejection(tokens: Tokens, clause: Clause, skip: readonly boolean[], negation: NegationRules): boolean {
    const words: string[] = [];
    for (let i = clause.from; i < clause.to; i++) if (!skip[i]) words.push(tokens.surface[i]);
    const { rejections, post } = negation;
    const rejects = (ws: readonly string[]) => ws.length > 0 && ws.length <= 4 && rejections.has(ws.join(' '));
    if (rejects(words)) return true;
    // "Golf? Nah, boring.", "Golf? No thanks, nope.": a rejection followed by post words or by another rejection.
    if (words.length > 6) return false;
    for (let k = 1; k < words.length; k++) {
      const tail = words.slice(k);
      if (rejects(words.slice(0, k)) && (rejects(tail) || tail.every((w) => post.has(w)))) return true;
    }
    return false;
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

  /**
   * Scores each clause's topics with the whole message in view: weak phrases count only next to
   * strong evidence for the same Tier-1; interest raises the weight; purchase intent adds Shopping.
   */
  scoreClauses(analysis: MessageAnalysis): ClauseTopic[][] {
    const strongTier1 = new Set<string>();
    for (const c of analysis.clauses) for (const [id, m] of c.mentions) if (m.strong > 0) strongTier1.add(this.tier1(id));
    // A qualifier Tier-1 (Genres: "horror" in "horror movies") only refines another: kept when it is the only one.
    const qualifiers = this.data.qualifierTier1s;
    const onlyQualifiers = qualifiers.size === 0 || [...strongTier1].every((t) => qualifiers.has(t));
    return analysis.clauses.map((c) => {
      const out: ClauseTopic[] = [];
      for (const [topicId, m] of c.mentions) {
        if (m.strong === 0 && !strongTier1.has(this.tier1(topicId))) continue;
        if (!onlyQualifiers && qualifiers.has(this.tier1(topicId))) continue;
        const base = m.strong > 0 ? WEIGHT_STRONG : WEIGHT_WEAK;
        const repeats = m.strong + m.weak - 1;
        const weight = Math.min(1, base + WEIGHT_REPEAT * repeats + (c.interest ? WEIGHT_INTEREST : 0));
        out.push({ topicId, weight: round(weight) });
      }
      // Buying a product is Shopping; booking a flight or renting a flat is not (cues.tsv `service` Tier-1s).
      const product = out.some((t) => !this.data.serviceTier1s.has(this.tier1(t.topicId)));
      if (c.purchase && product && !out.some((t) => this.tier1(t.topicId) === SHOPPING_TOPIC)) {
        out.push({ topicId: SHOPPING_TOPIC, weight: WEIGHT_DERIVED });
      }
      return out;
    });
  }
}

type Sequences = ReadonlyArray<readonly string[]>;

/** Sequences indexed by their first word (built once per list). */
const firstWordIndex = new WeakMap<Sequences, Map<string, Array<readonly string[]>>>();

function indexBy(sequences: Sequences, cache: WeakMap<Sequences, Map<string, Array<readonly string[]>>>): Map<string, Array<readonly string[]>> {
  let index = cache.get(sequences);
  if (!index) {
    index = new Map();
    for (const seq of sequences) {
      const key = seq[0];
      const list = index.get(key);
      if (list) list.push(seq);
      else index.set(key, [seq]);
    }
    cache.set(sequences, index);
  }
  return index;
}

/** The end (exclusive) of the longest of `sequences` starting at token `start` (fillers between its words skipped), or -1. */
function sequenceEndFrom(sequences: Sequences, surface: readonly string[], start: number, to: number, fillers: ReadonlySet<string>): number {
  const candidates = indexBy(sequences, firstWordIndex).get(surface[start]);
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
