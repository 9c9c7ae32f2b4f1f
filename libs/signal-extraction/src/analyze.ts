import { getTaxonomy } from '@signalpath/taxonomy';
import { isRestrictedTopic, sensitiveClassOfTopic as policyClassOfTopic, type SensitiveClass } from '@signalpath/sensitive-topics';
import { splitClauses } from './clauses';
import { classRank, getLexiconEngine, sortClasses, type LexiconEngine } from './engine';
import { byWeight, combineWeights, getDefaultDetector, getDefaultExtractor, LexiconSensitiveDetector, LexiconTopicExtractor } from './lexicon-models';
import { identifyLanguage } from './language/identify';
import { markerClass, normalizeText } from './language/normalize';
import { tokenize, type Tokens } from './text';
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
    return { ...analyzeWithEngines(text, language.languages.map((code) => getLexiconEngine(code)), opts), language };
  }
  const extractor = deps.extractor ?? getDefaultExtractor();
  const detector = deps.detector ?? getDefaultDetector();
  const builtIn =
    extractor instanceof LexiconTopicExtractor && detector instanceof LexiconSensitiveDetector && extractor.engine === detector.engine;
  const { clauses, crossClause } = builtIn ? lexiconClauses(extractor.engine, text) : pluggableClauses(extractor, detector, text, getLexiconEngine(language.code));
  return { ...applyPolicy(clauses, crossClause, opts), language };
}

/**
 * The policy over the clauses of one or more language engines (a code-switched message: each
 * language's lexicon reads the whole text; the first language's clauses are the frame, and every
 * other language's clause adds its classes, cues and topics to the clauses it overlaps, so a class
 * found by either lexicon governs the topics of both). Exported for tests.
 */
export function analyzeWithEngines(input: string, engines: readonly LexiconEngine[], opts: SignalPolicyOptions = DEFAULT_POLICY_OPTIONS): Analysis {
  const text = normalizeText(input); // idempotent: a no-op when analyzeText already did it
  const readings = engines.map((engine) => lexiconClauses(engine, text));
  const [first, ...others] = readings;
  // A topic one language's reading negates ("fashion? no me importa") is no interest in the other's.
  const negated = new Set(readings.flatMap((r) => r.negated));
  const rejectedSpans = readings.flatMap((r) => r.clauses.filter((c) => c.rejected));
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
  return applyPolicy(first.clauses, first.crossClause, opts);
}

function stripUndefined(options: Partial<SignalPolicyOptions> | undefined): Partial<SignalPolicyOptions> {
  return options?.allowSensitiveContent === undefined ? {} : { allowSensitiveContent: options.allowSensitiveContent };
}

/** One pass of a built-in engine over the whole message. */
function lexiconClauses(engine: LexiconEngine, text: string): { clauses: ClauseInput[]; crossClause: SensitiveClass[]; negated: string[] } {
  // analyzeText normalized the text already.
  const analysis = engine.analyze(text, true);
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
