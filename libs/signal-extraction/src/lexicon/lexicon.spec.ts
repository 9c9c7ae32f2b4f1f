import { getTaxonomy } from '@signalpath/taxonomy';
import { getSensitiveTopicPolicy } from '@signalpath/sensitive-topics';
import { FILLERS } from '../cues';
import { getLexiconEngine } from '../engine';
import { tokenize } from '../text';
import { parseClasses, parseTopicSpec, splitPhrases, type TopicLine } from './lexicon';
import { GEAR_NOUNS, GLOBAL_EXCEPTIONS, SENSITIVE_CUES } from './sensitive-cues';
import { LEISURE_TOPICS } from './topics-leisure';
import { LIFE_TOPICS } from './topics-life';
import { SENSITIVE_TOPICS } from './topics-sensitive';
import { SPORTS_TOPICS } from './topics-sports';
import { WORK_TOPICS } from './topics-work';

const ALL_TOPIC_LINES: readonly TopicLine[] = [...SPORTS_TOPICS, ...LEISURE_TOPICS, ...LIFE_TOPICS, ...WORK_TOPICS, ...SENSITIVE_TOPICS];
const taxonomy = getTaxonomy();

function words(phrase: string): string[] {
  return phrase.replace(/^[~!+]+/, '').split(/\s+/).map((w) => w.replace(/^=/, ''));
}

describe('curated lexicon', () => {
  it('names every node by its id and its exact taxonomy name', () => {
    for (const [spec] of ALL_TOPIC_LINES) {
      for (const { id, name } of parseTopicSpec(spec)) {
        expect({ spec, name: taxonomy.get(id)?.name }).toEqual({ spec, name });
      }
    }
  });

  it('has vocabulary for every Tier-1 area that may be emitted', () => {
    const policy = getSensitiveTopicPolicy();
    const covered = new Set(ALL_TOPIC_LINES.flatMap(([spec]) => parseTopicSpec(spec).map((t) => taxonomy.tier1NodeOf(t.id)?.name)));
    const emittable = taxonomy.tier1Nodes().filter((n) => !policy.isRestricted(n.id));
    expect(emittable.map((n) => n.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('never puts a filler word inside a phrase (fillers are skipped, such a phrase could never match)', () => {
    const offending: string[] = [];
    const check = (phrases: string) => {
      for (const phrase of splitPhrases(phrases)) {
        if (words(phrase).some((w) => tokenize(w).surface.some((s) => FILLERS.has(s)))) offending.push(phrase);
      }
    };
    for (const [, phrases] of [...ALL_TOPIC_LINES, ...SENSITIVE_CUES]) check(phrases);
    check(GEAR_NOUNS);
    check(GLOBAL_EXCEPTIONS);
    expect(offending).toEqual([]);
  });

  it('only uses the eight classes in cue lines', () => {
    for (const [classes] of SENSITIVE_CUES) expect(parseClasses(classes).length).toBeGreaterThan(0);
    expect(() => parseClasses('NOT_A_CLASS')).toThrow();
  });

  it('compiles once into a trie of thousands of phrases', () => {
    const engine = getLexiconEngine();
    expect(engine.lexicon.size).toBeGreaterThan(10000);
    expect(getLexiconEngine()).toBe(engine);
  });

  it('keeps Porter2 stems from conflating ordinary words with sensitive cues', () => {
    // Each of these shares a stem with a cue word ("I'll" → "ill", "tired" → "tire", "social" →
    // "socialism", "mountains" → "mountaineering", "believe" → "believer", ...).
    const engine = getLexiconEngine();
    for (const text of [
      "I'll be there at six",
      'I feel so tired today',
      'my social media feed',
      'the mountains are beautiful',
      'I believe it will work',
      'a polite reminder',
      'my bank account',
      'the national park',
      'she looked so attractive',
      'the farmers market',
      'my progress this year',
      'conservation of wildlife',
      'organize my closet',
      'a black dress with white shoes',
      'natural light',
    ]) {
      const classes = engine.analyze(text).clauses.flatMap((c) => c.classes);
      expect({ text, classes }).toEqual({ text, classes: [] });
    }
  });
});
