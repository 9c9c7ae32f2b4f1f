import { getTaxonomy } from '@signalpath/taxonomy';
import { SENSITIVE_CLASSES, sensitiveClassOfTopic, type SensitiveClass } from '@signalpath/sensitive-topics';
import type { Stemmer } from '../language/stemmers';
import { PhraseMatcher } from '../matcher';
import { fold, stem as porter2 } from '../text';

/**
 * A language's lexicon, compiled once into a phrase trie. The data lives in
 * lexicon/<lang>/*.tsv (format in lexicon/README.md), one phrase per row:
 * - a topic line is `[spec, phrases]`: spec names one or more taxonomy nodes as
 *   "500:Climbing|551:Sports Equipment" (the names are checked against the taxonomy in tests);
 * - a cue line is `[classes, phrases]` with classes like "RELIGION" or "RELIGION+ETHNIC_ORIGIN":
 *   words that reveal a sensitive class but name no topic ("as a gay man", "my shop steward");
 * - phrases may be comma-separated. Each word is matched by its stem (the language's stemmer), or by its exact
 *   surface form when written "=word" (where the stem would be too broad: "=anime" vs "animal").
 *   A leading "~" makes a phrase weak: supporting evidence only, kept when the message also has
 *   strong evidence for the same Tier-1. A leading "!" makes it an exception: a longer phrase that
 *   hides the shorter cues and topics inside it ("credit union", "retail therapy", "hot dog"); it
 *   names no topic and reveals no class. A
 *   leading "+" makes it persistent: counted even inside a longer phrase ("movies" in "horror
 *   movies" still says Movies). A leading "*" marks a one-word phrase as a compound part too: it
 *   also matches inside a longer word of the message ("*diabetes" in "Diabetesmedikament",
 *   "*moschee" in "Moscheebesuch"), for languages that glue nouns (German); a word listed anywhere
 *   in the language's data is never split ("Kirchstraße" as an exception keeps "*kirch" out of it).
 */

export type TopicLine = readonly [spec: string, phrases: string];
export type CueLine = readonly [classes: string, phrases: string];

export interface LexiconValue {
  /** Taxonomy node ids this phrase names. */
  readonly topics: readonly string[];
  /** Sensitive classes this phrase reveals: explicit cues plus the classes of its topics. */
  readonly classes: readonly SensitiveClass[];
  readonly weak: boolean;
  readonly exception: boolean;
  /** A gear noun ("shoes", "harness"): right after a sport it means sports equipment. */
  readonly gear: boolean;
  /** Counted even inside a longer phrase ("movies" in "horror movies", "trip" in "ski trip"). */
  readonly persistent: boolean;
}

/** A "*word" phrase: matched inside longer words too (a compound's part). */
export interface CompoundPart {
  /** Lower case, accents folded. */
  readonly part: string;
  /** The phrase reveals a sensitive class (such parts win over topic parts in one word). */
  readonly sensitive: boolean;
}

export interface CompiledLexicon {
  readonly matcher: PhraseMatcher<LexiconValue>;
  readonly compoundParts: readonly CompoundPart[];
  /** Number of phrases compiled. */
  readonly size: number;
}

/** Parses "500:Climbing|551:Sports Equipment" into ids and names. */
export function parseTopicSpec(spec: string): { id: string; name: string }[] {
  return spec.split('|').map((part) => {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error(`lexicon: bad topic spec "${spec}"`);
    return { id: part.slice(0, colon).trim(), name: part.slice(colon + 1).trim() };
  });
}

export function parseClasses(spec: string): SensitiveClass[] {
  return spec.split('+').map((c) => {
    const cls = c.trim() as SensitiveClass;
    if (!SENSITIVE_CLASSES.includes(cls)) throw new Error(`lexicon: unknown sensitive class "${c}"`);
    return cls;
  });
}

/** Splits a phrase list on commas (a phrase never contains one). */
export function splitPhrases(phrases: string): string[] {
  return phrases
    .split(',')
    .map((p) => p.trim().replace(/\s+/g, ' '))
    .filter((p) => p.length > 0);
}

interface Flags {
  weak: boolean;
  exception: boolean;
  persistent: boolean;
  compound: boolean;
  phrase: string;
}

function flagsOf(raw: string): Flags {
  let phrase = raw;
  let weak = false;
  let exception = false;
  let persistent = false;
  let compound = false;
  for (;;) {
    const c = phrase[0];
    if (c === '~') weak = true;
    else if (c === '!') exception = true;
    else if (c === '+') persistent = true;
    else if (c === '*') compound = true;
    else break;
    phrase = phrase.slice(1).trim();
  }
  return { weak, exception, persistent, compound, phrase };
}

export function compileLexicon(
  topicLines: readonly TopicLine[],
  cueLines: readonly CueLine[],
  gearNouns: string,
  exceptions: string,
  stem: Stemmer = porter2,
): CompiledLexicon {
  const taxonomy = getTaxonomy();
  const matcher = new PhraseMatcher<LexiconValue>(stem);
  let size = 0;
  const compoundParts: CompoundPart[] = [];
  const addCompound = (flags: Flags, sensitive: boolean) => {
    if (!flags.compound) return;
    const part = fold(flags.phrase.replace(/^=/, '').toLowerCase());
    if (!/^[\p{L}\p{N}]{4,}$/u.test(part)) throw new Error(`lexicon: a compound part "*${flags.phrase}" must be one word of 4 letters or more`);
    compoundParts.push({ part, sensitive });
  };

  for (const [spec, phrases] of topicLines) {
    const topics = parseTopicSpec(spec).map((t) => t.id);
    for (const id of topics) if (!taxonomy.has(id)) throw new Error(`lexicon: unknown topic ${id} in "${spec}"`);
    const classes = [...new Set(topics.map((id) => sensitiveClassOfTopic(id)).filter((c): c is SensitiveClass => c !== undefined))];
    for (const raw of splitPhrases(phrases)) {
      const flags = flagsOf(raw);
      const { weak, exception, persistent, phrase } = flags;
      if (!exception) addCompound(flags, classes.length > 0);
      if (exception) {
        // An exception only hides what is inside it ("running late", "price hike"): it names nothing, not even its
        // line's topic (the idioms are listed under the topic they must not trigger); a phrase that should name a
        // topic is written as an ordinary phrase of that topic's line.
        matcher.add(phrase, Object.freeze({ topics: [], classes: [], weak, exception, gear: false, persistent: false }));
      } else {
        matcher.add(phrase, Object.freeze({ topics, classes, weak, exception, gear: false, persistent }));
      }
      size++;
    }
  }

  for (const [spec, phrases] of cueLines) {
    const classes = parseClasses(spec);
    for (const raw of splitPhrases(phrases)) {
      const flags = flagsOf(raw);
      const { exception, phrase } = flags;
      if (!exception) addCompound(flags, true);
      matcher.add(phrase, Object.freeze({ topics: [], classes: exception ? [] : classes, weak: false, exception, gear: false, persistent: false }));
      size++;
    }
  }

  for (const phrase of splitPhrases(gearNouns)) {
    matcher.add(phrase, Object.freeze({ topics: [], classes: [], weak: false, exception: false, gear: true, persistent: false }));
    size++;
  }

  for (const raw of splitPhrases(exceptions)) {
    matcher.add(flagsOf(raw).phrase, Object.freeze({ topics: [], classes: [], weak: false, exception: true, gear: false, persistent: false }));
    size++;
  }

  return { matcher, size, compoundParts };
}
