import { getTaxonomy } from '@signalpath/taxonomy';
import { isRestrictedTopic, sensitiveClassOfTopic as policyClassOfTopic, type SensitiveClass } from '@signalpath/sensitive-topics';
import { splitClauses } from './clauses';
import { classRank, getLexiconEngine, mergeMessageRules, sortClasses, type LexiconEngine, type MessageRules } from './engine';
import { byWeight, combineWeights, getDefaultDetector, getDefaultExtractor, LexiconSensitiveDetector, LexiconTopicExtractor } from './lexicon-models';
import { languageFolders, type LanguageFolder } from './language/data';
import { identifyLanguage } from './language/identify';
import { markerClass, normalizeText } from './language/normalize';
import { fold, tokenize, type Tokens } from './text';
import type { Analysis, AnalyzedSignal, ExtractedTopic, SensitiveDetector, SignalPolicyOptions, TopicExtractor } from './types';
import type { Clause } from './clauses';

/**
 * Extraction plus the sensitivity policy (DESIGN.md, privacy invariant 3):
 *
 * 1. The text is split into clauses (sentences, and "but" / "also" / "anyway" ... turns).
 * 2. A clause that touches a sensitive class yields no usable topic at all: "I have diabetes"
 *    drops everything its clause says. The other clauses of a message that touches sensitive
 *    content must stand on their own: they keep their topics only when they show interest or
 *    intent ("... but I want climbing shoes") and do not point back at the condition ("recipes
 *    that are safe for it"); narrative around sensitive content is dropped with it.
 * 3. A topic whose node the policy maps to a sensitive class is never ads-eligible, wherever it
 *    comes from; brand-safety nodes without a class are never emitted.
 * 4. A topic derived from sensitive content is dropped unless `allowSensitiveContent`, and then
 *    kept for content only, with its class. A topic derived from both a sensitive and an
 *    ordinary clause counts as sensitive (the stricter reading wins).
 * 5. In a health-related message, ordinary health-adjacent topics (nutrition, weight loss,
 *    wellness, food allergies, health insurance, eldercare) are treated as derived from it.
 */

export const DEFAULT_POLICY_OPTIONS: SignalPolicyOptions = Object.freeze({ allowSensitiveContent: false });

/** Ordinary nodes that, in a message touching a class, are read as part of it. */
const RELATED_TOPIC_ROOTS: Partial<Record<SensitiveClass, readonly string[]>> = {
  HEALTH: ['229', '231', '232', '221', '219', '399', '190', '223'],
};

export interface AnalyzeDeps {
  extractor?: TopicExtractor;
  detector?: SensitiveDetector;
}

/** The class a taxonomy node reveals under the project policy (from @signalpath/sensitive-topics). */
export function sensitiveClassOfTopic(topicId: string): SensitiveClass | undefined {
  return policyClassOfTopic(topicId);
}

interface ClauseInput {
  /** Character range in the (normalized) text, to line up the clauses of two languages. */
  start: number;
  end: number;
  classes: SensitiveClass[];
  topics: ExtractedTopic[];
  interest: boolean;
  conditionContext: boolean;
  /** Opens with an anaphora preposition ("... ? for my union meeting"): the purpose of the clause before. */
  opensWithPreposition?: boolean;
  /** Rejected as a whole (sarcasm, "no thanks" after it): overlapping clauses of another language lose their topics too. */
  rejected?: boolean;
  /** Tier-1s the clause mentions negatively (built-in engines). */
  negatedTier1?: ReadonlySet<string>;
  /** Topic ids named together by one mention (built-in engines). */
  named?: readonly string[][];
}

let relatedToClass: Map<SensitiveClass, Set<string>> | undefined;

function relatedTopics(): Map<SensitiveClass, Set<string>> {
  if (relatedToClass) return relatedToClass;
  const taxonomy = getTaxonomy();
  const map = new Map<SensitiveClass, Set<string>>();
  for (const [cls, roots] of Object.entries(RELATED_TOPIC_ROOTS) as [SensitiveClass, string[]][]) {
    const ids = new Set<string>();
    for (const root of roots) {
      // The Tier-1 "Healthy Living" itself is related, not its ordinary fitness subtree.
      if (root === '223') ids.add(root);
      else for (const id of taxonomy.expandWithDescendants([root])) ids.add(id);
    }
    map.set(cls, ids);
  }
  relatedToClass = map;
  return map;
}

/**
 * Topics and the sensitive classes a text touches, with the policy applied. Pure: no I/O.
 * `deps` swaps the extractor and/or detector (e.g. for an external model service); both are then
 * called clause by clause, so the same granularity applies.
 */
export function analyzeText(input: string, options?: Partial<SignalPolicyOptions>, deps?: AnalyzeDeps): Analysis {
  const opts: SignalPolicyOptions = { ...DEFAULT_POLICY_OPTIONS, ...stripUndefined(options) };
  // Issue 13: invisible characters, look-alike letters, leetspeak and spelt-out words fold before
  // anything reads the text; religious and identity emoji become class markers.
  const text = normalizeText(input);
  // Privacy invariant 8: a message in a language the extractor does not support, or of uncertain
  // language, yields nothing (the caller counts and reports it from `language`).
  const language = identifyLanguage(text);
  if (!language.supported) return { signals: [], suppressed: [], language };
  if (deps?.extractor === undefined && deps?.detector === undefined) {
    // The language's own lexicon; a code-switched message is read with each language's, merged.
    const detectOnly = (language.alsoSeen ?? []).map((code) => getLexiconEngine(code));
    const engines = withEnglishMixReaders(withScriptSiblings(language.languages, text), text).map((code) => getLexiconEngine(code));
    return { ...analyzeWithEngines(text, engines, opts, detectOnly), language };
  }
  const extractor = deps.extractor ?? getDefaultExtractor();
  const detector = deps.detector ?? getDefaultDetector();
  const builtIn =
    extractor instanceof LexiconTopicExtractor && detector instanceof LexiconSensitiveDetector && extractor.engine === detector.engine;
  const { clauses, crossClause } = builtIn ? lexiconClauses(extractor.engine, text) : pluggableClauses(extractor, detector, text, getLexiconEngine(language.code));
  return { ...applyPolicy(clauses, crossClause, opts), language };
}

/**
 * An English-identified message is also read by a supported language whose folder opts in
 * (language.tsv `english-mix`) when it holds that many distinct function words of that language
 * which English does not list.
 */
export function withEnglishMixReaders(codes: readonly string[], text: string, folders: readonly LanguageFolder[] = languageFolders()): string[] {
  if (codes.length !== 1 || codes[0] !== 'en') return [...codes];
  const readers = englishMixReaders(folders);
  if (readers.length === 0) return [...codes];
  const out = [...codes];
  const words = tokenize(text).surface;
  for (const { code, words: own, min } of readers) {
    const hits = new Set<string>();
    for (const w of words) if (own.has(w)) hits.add(w);
    if (hits.size >= min) out.push(code);
  }
  return out;
}

/** Per folder list: the opted-in readers and their function words English does not list (computed once). */
const englishMixCache = new WeakMap<readonly LanguageFolder[], Array<{ code: string; words: ReadonlySet<string>; min: number }>>();

function englishMixReaders(folders: readonly LanguageFolder[]): Array<{ code: string; words: ReadonlySet<string>; min: number }> {
  let readers = englishMixCache.get(folders);
  if (readers) return readers;
  const english = new Set((folders.find((f) => f.code === 'en')?.files['function-words'] ?? []).map((r) => r.cells[0].toLowerCase()));
  readers = folders
    .filter((f) => f.status === 'supported' && f.englishMix > 0 && f.code !== 'en')
    .map((f) => ({
      code: f.code,
      words: new Set((f.files['function-words'] ?? []).map((r) => r.cells[0].toLowerCase()).filter((w) => !english.has(w))),
      min: f.englishMix,
    }));
  englishMixCache.set(folders, readers);
  return readers;
}

/** ISO 15924 code of the scripts whose letters a text holds (the ones language folders use). */
function scriptsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) out.add('Latn');
    else if (c >= 0x0900 && c <= 0x097f) out.add('Deva');
  }
  return out;
}

/**
 * A message mixing scripts of one language ("Chemo का second cycle चल रहा है") is also read by
 * that language's other supported folder (hi and hi-Latn share the base tag "hi"): identification
 * names the main script's folder only, and each folder reads words of its own script.
 */
export function withScriptSiblings(codes: readonly string[], text: string, folders: readonly LanguageFolder[] = languageFolders()): string[] {
  const out = [...codes];
  const scripts = scriptsOf(text);
  if (scripts.size < 2) return out;
  for (const folder of folders) {
    if (folder.status !== 'supported' || out.includes(folder.code) || !scripts.has(folder.script)) continue;
    const base = folder.code.split('-')[0];
    if (codes.some((c) => c !== folder.code && c.split('-')[0] === base)) out.push(folder.code);
  }
  return out;
}

/**
 * The policy over the clauses of one or more language engines (a code-switched message: each
 * language's lexicon reads the whole text; the first language's clauses are the frame, and every
 * other language's clause adds its classes, cues and topics to the clauses it overlaps, so a class
 * found by either lexicon governs the topics of both). Exported for tests.
 */
export function analyzeWithEngines(
  input: string,
  engines: readonly LexiconEngine[],
  opts: SignalPolicyOptions = DEFAULT_POLICY_OPTIONS,
  detectOnly: readonly LexiconEngine[] = [],
): Analysis {
  const text = normalizeText(input); // idempotent: a no-op when analyzeText already did it
  // Languages only glimpsed in the message (identification's alsoSeen) add their classes and negations, never a topic.
  // A glimpsed language does not read class cues made only of words the message's languages know (they read them).
  const detections = detectOnly.map((engine) => lexiconClauses(engine, text, engine.rules, undefined, undefined, foreignKnownWords(engine, [...engines, engine])));
  // Their negations hold too ("fashion? no me importa"): like a class, a negation can only take a topic away.
  for (const d of detections) {
    for (const c of d.clauses) {
      c.topics = [];
      c.interest = false;
      c.conditionContext = false;
    }
  }
  // Every engine reads the message with the union of its languages' clause, negation and filler
  // rules, so the clauses line up and "golf pasand nahi" / "I don't like kabaddi" negate either
  // language's topics.
  const rules = mergedRules(engines);
  const readings = [
    ...engines.map((engine) => lexiconClauses(engine, text, rules, foreignFunctionWords(engine, engines), foreignKnownWords(engine, engines))),
    ...detections,
  ];
  const [first, ...others] = readings;
  // A topic one language's reading negates ("fashion? no me importa") is no interest in the other's.
  const negated = new Set(readings.flatMap((r) => r.negated));
  const rejectedSpans = readings.flatMap((r) => r.clauses.filter((c) => c.rejected));
  if (others.length > 0 && negated.size > 0) {
    // A language names a mention with topics the other lacks ("camping": Camping and Hobbies & Interests in
    // one, Camping in the other): when the other negates one of them, the mention's other topics go too.
    for (const r of readings) for (const c of r.clauses) dropCoNamed(c, negated);
  }
  for (const other of others) {
    first.crossClause = sortClasses([...first.crossClause, ...other.crossClause]);
    for (const oc of other.clauses) {
      const overlapping = first.clauses.filter((c) => c.start < oc.end && oc.start < c.end);
      if (overlapping.length === 0) {
        first.clauses.push({ ...oc });
        continue;
      }
      for (const c of overlapping) {
        c.classes = sortClasses([...c.classes, ...oc.classes]);
        c.interest ||= oc.interest;
        c.conditionContext ||= oc.conditionContext;
      }
      overlapping[0].topics = [...overlapping[0].topics, ...oc.topics];
    }
  }
  if (others.length > 0) {
    for (const c of first.clauses) {
      if (rejectedSpans.some((r) => r.start < c.end && c.start < r.end)) c.topics = [];
      else if (negated.size > 0) c.topics = c.topics.filter((t) => !negated.has(t.topicId));
    }
  }
  if (others.length > 0) {
    // Each language names a topic with its own nodes ("switch 2": Console Games in one, Video Gaming in the
    // other), so a Tier-1 one reading negates in a clause is no interest in the other's reading of that clause.
    const negatedSpans = readings.flatMap((r) => r.clauses.filter((c) => (c.negatedTier1?.size ?? 0) > 0));
    for (const c of first.clauses) {
      const tier1s = new Set(negatedSpans.filter((n) => n.start < c.end && c.start < n.end).flatMap((n) => [...(n.negatedTier1 ?? [])]));
      if (tier1s.size > 0) c.topics = c.topics.filter((t) => !tier1s.has(tier1Id(t.topicId)));
    }
  }
  return applyPolicy(first.clauses, first.crossClause, opts);
}

/** Drops the topics named only together with a negated one. */
function dropCoNamed(c: ClauseInput, negated: ReadonlySet<string>): void {
  if (!c.named || c.named.length === 0) return;
  const drop = new Set<string>();
  const keep = new Set<string>();
  for (const group of c.named) for (const id of group) (group.some((g) => negated.has(g)) ? drop : keep).add(id);
  if (drop.size > 0) c.topics = c.topics.filter((t) => !drop.has(t.topicId) || keep.has(t.topicId));
}

function tier1Id(topicId: string): string {
  return getTaxonomy().tier1NodeOf(topicId)?.id ?? topicId;
}

function stripUndefined(options: Partial<SignalPolicyOptions> | undefined): Partial<SignalPolicyOptions> {
  return options?.allowSensitiveContent === undefined ? {} : { allowSensitiveContent: options.allowSensitiveContent };
}

/** Merged rules per engine combination (keyed by the engines themselves: tests build their own). */
const mergedRulesCache = new WeakMap<LexiconEngine, Array<{ others: readonly LexiconEngine[]; rules: MessageRules }>>();

function mergedRules(engines: readonly LexiconEngine[]): MessageRules {
  const [first, ...others] = engines;
  if (others.length === 0) return first.rules;
  let list = mergedRulesCache.get(first);
  if (!list) mergedRulesCache.set(first, (list = []));
  const known = list.find((e) => e.others.length === others.length && e.others.every((o, i) => o === others[i]));
  if (known) return known.rules;
  const rules = mergeMessageRules(engines.map((e) => e.rules));
  list.push({ others, rules });
  return rules;
}

/** Function words of the other languages of a code-switched message that `engine`'s language does not share. */
const foreignWordsCache = new WeakMap<LexiconEngine, Array<{ others: readonly LexiconEngine[]; words: ReadonlySet<string> }>>();

function foreignFunctionWords(engine: LexiconEngine, engines: readonly LexiconEngine[]): ReadonlySet<string> | undefined {
  const others = engines.filter((e) => e !== engine);
  if (others.length === 0) return undefined;
  let list = foreignWordsCache.get(engine);
  if (!list) foreignWordsCache.set(engine, (list = []));
  const known = list.find((e) => e.others.length === others.length && e.others.every((o, i) => o === others[i]));
  if (known) return known.words;
  const words = new Set<string>();
  for (const o of others) for (const w of o.data.functionWords) if (!engine.data.functionWords.has(w)) words.add(w);
  list.push({ others, words });
  return words;
}

/**
 * Words the other languages of a code-switched message know (every word of their data): `engine`
 * does not read them as misspellings of its sensitive words (Hinglish "andar" is no English "nadar").
 */
const foreignKnownCache = new WeakMap<LexiconEngine, Array<{ others: readonly LexiconEngine[]; words: ReadonlySet<string> }>>();

function foreignKnownWords(engine: LexiconEngine, engines: readonly LexiconEngine[]): ReadonlySet<string> | undefined {
  const others = engines.filter((e) => e !== engine);
  if (others.length === 0) return undefined;
  let list = foreignKnownCache.get(engine);
  if (!list) foreignKnownCache.set(engine, (list = []));
  const known = list.find((e) => e.others.length === others.length && e.others.every((o, i) => o === others[i]));
  if (known) return known.words;
  const words = new Set<string>();
  for (const o of others) for (const w of o.data.knownWords) words.add(fold(w));
  list.push({ others, words });
  return words;
}

/** One pass of a built-in engine over the whole message. */
function lexiconClauses(
  engine: LexiconEngine,
  text: string,
  rules: MessageRules = engine.rules,
  foreignWords?: ReadonlySet<string>,
  foreignKnown?: ReadonlySet<string>,
  glimpsedIn?: ReadonlySet<string>,
): { clauses: ClauseInput[]; crossClause: SensitiveClass[]; negated: string[] } {
  // analyzeText normalized the text already.
  const analysis = engine.analyze(text, true, rules, foreignWords, foreignKnown, glimpsedIn);
  const scored = engine.scoreClauses(analysis);
  return {
    clauses: analysis.clauses.map((c, i) => ({
      start: c.clause.start,
      end: c.clause.end,
      classes: c.classes,
      topics: scored[i],
      interest: c.interest,
      conditionContext: c.conditionContext,
      opensWithPreposition: c.opensWithPreposition,
      rejected: c.rejected,
      negatedTier1: new Set([...c.negated].map((id) => engine.tier1(id))),
      named: c.named,
    })),
    crossClause: analysis.crossClauseClasses,
    negated: analysis.clauses.flatMap((c) => [...c.negated]),
  };
}

/** Any extractor / detector: called on each clause's text, and the detector once on the whole. */
function pluggableClauses(
  extractor: TopicExtractor,
  detector: SensitiveDetector,
  text: string,
  engine: LexiconEngine,
): { clauses: ClauseInput[]; crossClause: SensitiveClass[] } {
  // The language's tokenization and clause rules, so clauses match the built-in engine's.
  const tokens = tokenize(text, engine.tokenizeOptions);
  const clauses: ClauseInput[] = splitClauses(tokens, engine.data.clauses).map((clause) => {
    const part = text.slice(clause.start, clause.end);
    // Emoji markers reveal their class whatever the detector makes of them.
    const markers: SensitiveClass[] = [];
    for (let i = clause.from; i < clause.to; i++) {
      const cls = markerClass(tokens.surface[i]);
      if (cls) markers.push(cls);
    }
    return {
      start: clause.start,
      end: clause.end,
      classes: sortClasses([...detector.detect(part), ...markers]),
      topics: extractor.extract(part),
      ...clauseCues(engine, tokens, clause),
    };
  });
  if (clauses.length === 0 && text.trim().length > 0) {
    clauses.push({ start: 0, end: text.length, classes: sortClasses(detector.detect(text)), topics: extractor.extract(text), interest: false, conditionContext: false });
  }
  const perClause = new Set(clauses.flatMap((c) => c.classes));
  const crossClause = clauses.length > 1 ? detector.detect(text).filter((c) => !perClause.has(c)) : [];
  return { clauses, crossClause };
}

function clauseCues(engine: LexiconEngine, tokens: Tokens, clause: Clause): { interest: boolean; conditionContext: boolean } {
  const d = engine.data;
  let interest = tokens.questionAfter[clause.to - 1] === true;
  let conditionContext = false;
  for (let i = clause.from; i < clause.to; i++) {
    if (d.interestStems.has(tokens.stems[i])) interest = true;
    const w = tokens.surface[i];
    if (d.conditionContext.has(w) || (d.anaphora.has(w) && i > clause.from && d.anaphoraPrepositions.has(tokens.surface[i - 1]))) {
      conditionContext = true;
    }
  }
  return { interest, conditionContext };
}

interface Accumulated {
  weight: number;
  /** The class the signal derives from, when any occurrence is sensitive. */
  sensitiveClass?: SensitiveClass;
}

function firstClass(classes: readonly SensitiveClass[]): SensitiveClass {
  return [...classes].sort((a, b) => classRank(a) - classRank(b))[0];
}

function applyPolicy(clauses: ClauseInput[], crossClause: SensitiveClass[], opts: SignalPolicyOptions): Analysis {
  const taxonomy = getTaxonomy();
  // A topic the extractor maps to a sensitive node reveals that class in its clause.
  for (const c of clauses) {
    const extra = c.topics.map((t) => policyClassOfTopic(t.topicId)).filter((x): x is SensitiveClass => x !== undefined);
    if (extra.length > 0) c.classes = sortClasses([...c.classes, ...extra]);
  }
  const messageClasses = sortClasses([...crossClause, ...clauses.flatMap((c) => c.classes)]);
  const related = relatedTopics();
  const relatedIds = new Set<string>();
  for (const cls of messageClasses) for (const id of related.get(cls) ?? []) relatedIds.add(id);

  const acc = new Map<string, Accumulated>();
  for (const [i, c] of clauses.entries()) {
    let derivedFrom: SensitiveClass | undefined;
    // "hall to rent in town? for our union meeting": a sensitive clause that opens with "for" is the purpose of the one before.
    const purpose = clauses[i + 1]?.opensWithPreposition ? clauses[i + 1].classes : [];
    if (c.classes.length > 0) derivedFrom = firstClass(c.classes);
    else if (purpose.length > 0) derivedFrom = firstClass(purpose);
    else if (crossClause.length > 0) derivedFrom = firstClass(crossClause);
    else if (messageClasses.length > 0 && (!c.interest || c.conditionContext)) derivedFrom = firstClass(messageClasses);
    for (const { topicId, weight } of c.topics) {
      if (!taxonomy.has(topicId) || isRestrictedTopic(topicId)) continue;
      if (!(weight > 0)) continue;
      const ownClass = policyClassOfTopic(topicId);
      const cls = ownClass ?? derivedFrom ?? (relatedIds.has(topicId) ? firstClass(messageClasses) : undefined);
      const prev = acc.get(topicId);
      acc.set(topicId, {
        weight: combineWeights(prev?.weight, Math.min(1, weight)),
        ...((prev?.sensitiveClass ?? cls) ? { sensitiveClass: prev?.sensitiveClass ?? cls } : {}),
      });
    }
  }

  const signals: AnalyzedSignal[] = [];
  for (const [topicId, { weight, sensitiveClass }] of acc) {
    if (sensitiveClass === undefined) {
      signals.push({ topicId, weight, adsEligible: true, contentEligible: true });
    } else if (opts.allowSensitiveContent) {
      signals.push({ topicId, weight, adsEligible: false, contentEligible: true, sensitiveClass });
    }
  }
  signals.sort(byWeight);
  return { signals, suppressed: messageClasses };
}
