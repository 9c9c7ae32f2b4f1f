import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getTaxonomy } from '@signalpath/taxonomy';
import { getSensitiveTopicPolicy, SENSITIVE_PROXIES } from '@signalpath/sensitive-topics';
import { analyzeWithEngines } from '../analyze';
import { getLexiconEngine, LexiconEngine } from '../engine';
import { buildFolder, DATA_FILES, languageFolders } from '../language/data';
import { tokenize } from '../text';
import { buildLanguageLexicon } from './language-lexicon';
import { parseClasses, parseTopicSpec, splitPhrases } from './lexicon';

const LEXICON_DIR = path.join(__dirname, '..', '..', 'lexicon');
const english = getLexiconEngine('en');
const ALL_TOPIC_LINES = english.data.topicLines;
const taxonomy = getTaxonomy();

function words(phrase: string): string[] {
  return phrase.replace(/^[~!+]+/, '').split(/\s+/).map((w) => w.replace(/^=/, ''));
}

describe('lexicon data files', () => {
  it('match their pinned checksums (an edit nobody reviewed fails here; npm run lexicon:checksum -- --write pins a reviewed one)', () => {
    for (const folder of languageFolders()) {
      const pinned = readFileSync(path.join(LEXICON_DIR, folder.code, 'CHECKSUM'), 'utf8').trim();
      expect({ folder: folder.code, checksum: folder.checksum }).toEqual({ folder: folder.code, checksum: pinned });
    }
  });

  it('give every launch language a folder with every file, valid if empty', () => {
    const launch = ['en', 'es', 'pt', 'fr', 'de', 'id', 'hi', 'hi-Latn'];
    for (const code of launch) {
      const folder = languageFolders().find((f) => f.code === code);
      expect(folder && Object.keys(folder.files).sort()).toEqual([...DATA_FILES].sort());
      expect(folder?.status).not.toBe('unsupported');
      // Each compiles into an engine (empty lexicons included).
      expect(() => getLexiconEngine(code)).not.toThrow();
    }
    expect(languageFolders().filter((f) => f.status === 'supported').map((f) => f.code)).toEqual(['en', 'fr']);
  });

  it('keep the nodes the policy classifies out of topics.tsv (they belong in the reviewed sensitive.tsv)', () => {
    const policy = getSensitiveTopicPolicy();
    for (const folder of languageFolders()) {
      for (const row of folder.files.topics ?? []) {
        const sensitive = parseTopicSpec(row.cells[0]).filter((t) => policy.sensitiveClassOf(t.id) !== undefined);
        expect({ where: row.where, sensitive }).toEqual({ where: row.where, sensitive: [] });
      }
    }
  });

  it('reject an unknown kind, class, word class or proxy, naming file and line', () => {
    const language = 'key\tvalue\ncode\txx\nname\tX\nscript\tLatn\nstatus\tpending\nstemmer\tnone\n';
    const build = (files: Record<string, string>) => buildLanguageLexicon(buildFolder('xx', { language, ...files }));
    expect(() => build({ cues: 'kind\tvalue\nfiler\tum\n' })).toThrow('xx/cues.tsv:2: unknown kind "filler"'.replace('filler', 'filer'));
    expect(() => build({ sensitive: 'target\tphrase\nRELIGON\tchurch\n' })).toThrow(/xx\/sensitive.tsv:2: unknown sensitive class "RELIGON"/);
    expect(() => build({ sensitive: 'target\tphrase\nproxy:kosher\tkosher deli\n' })).toThrow(/unknown proxy "proxy:kosher"/);
    expect(() => build({ patterns: 'kind\tname\tvalue\nrule\tRACE\tSELF COLOUR\n' })).toThrow(/unknown word class "SELF"/);
    expect(() => build({ negation: 'kind\tvalue\nwindow\tsix\n' })).toThrow(/window must be a positive integer/);
    expect(() => buildFolder('xx', { language: language.replace('none', 'snowball') })).toThrow(/stemmer must be one of/);
  });
});

describe('adding a language is adding data', () => {
  // A made-up language "xx" written as data only: one topic, one cue, one proxy phrase, one connector.
  const folder = buildFolder('xx', {
    language: 'key\tvalue\ncode\txx\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n',
    topics: 'topics\tphrase\n500:Climbing\tklimbo\n653:Travel\treiso\n',
    sensitive: 'target\tphrase\nRELIGION\tpreghi\nproxy:halal-food\thalalo\n',
    cues: 'kind\tvalue\nconnector\tmaa\ninterest\tvoglio\n',
  });
  const xx = new LexiconEngine(buildLanguageLexicon(folder));

  it('extracts topics and detects classes from the data alone, with the proxy class from the reviewed list', () => {
    expect(analyzeWithEngines('klimbo', [xx]).signals.map((s) => s.topicId)).toEqual(['500']);
    expect(analyzeWithEngines('preghi klimbo', [xx])).toMatchObject({ signals: [], suppressed: ['RELIGION'] });
    expect(analyzeWithEngines('halalo', [xx]).suppressed).toEqual([SENSITIVE_PROXIES.find((p) => p.id === 'halal-food')?.cls]);
    // Its own connector splits clauses: the second clause stands on its own (interest), the first is dropped.
    expect(analyzeWithEngines('preghi klimbo maa voglio reiso', [xx]).signals.map((s) => s.topicId)).toEqual(['653']);
  });

  it('reads a code-switched message with both languages: a class found by either governs the topics of both', () => {
    // English finds the class, xx the topic: nothing may be emitted.
    expect(analyzeWithEngines('I have diabetes klimbo', [xx, english])).toMatchObject({ signals: [], suppressed: ['HEALTH'] });
    // xx finds the class, English the topic.
    expect(analyzeWithEngines('preghi climbing shoes', [xx, english])).toMatchObject({ signals: [], suppressed: ['RELIGION'] });
    // No class: the topics of both.
    expect(analyzeWithEngines('klimbo and a trip to Lisbon', [xx, english]).signals.map((s) => s.topicId).sort()).toEqual(expect.arrayContaining(['500', '653']));
  });
});

describe('elision (language.tsv `elision`)', () => {
  // A made-up language whose "l'" and "n'" are elided words: without the key, "l'klimbo" is the one word "lklimbo".
  const texts = (elision: string) => ({
    language: `key\tvalue\ncode\txy\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n${elision}`,
    topics: "topics\tphrase\n500:Climbing\tklimbo\n653:Travel\tl'reiso\n",
    sensitive: 'target\tphrase\nRELIGION\tpreghi\n',
    negation: "kind\tvalue\ncue\tn'aimo\n",
  });
  const withElision = new LexiconEngine(buildLanguageLexicon(buildFolder('xy', texts('elision\tl n\n'))));
  const without = new LexiconEngine(buildLanguageLexicon(buildFolder('xy', texts(''))));
  const ids = (text: string, engine: LexiconEngine) => analyzeWithEngines(text, [engine]).signals.map((s) => s.topicId);

  it('splits an elided word from the next at the apostrophe, in text and in phrases', () => {
    expect(tokenize("l'klimbo d'reiso", { elisions: new Set(['l']) }).surface).toEqual(['l', 'klimbo', 'dreiso']);
    expect(tokenize("L'klimbo", { elisions: new Set(['l']) }).starts).toEqual([0, 2]);
    expect(ids('L\u2019klimbo', withElision)).toEqual(['500']);
    expect(ids("l'klimbo", withElision)).toEqual(['500']);
    expect(ids("l'klimbo", without)).toEqual([]);
    // A phrase written with an elision matches the split text.
    expect(ids("l'reiso", withElision)).toEqual(['653']);
    // A negation phrase with an elision negates what follows.
    expect(ids("n'aimo klimbo", withElision)).toEqual([]);
    expect(ids("nope klimbo", withElision)).toEqual(['500']);
  });
});

describe('the English lexicon', () => {
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
        if (words(phrase).some((w) => tokenize(w).surface.some((s) => english.data.fillers.has(s)))) offending.push(phrase);
        // A multi-word filler ("you know") inside a phrase, as whole words.
        const padded = ` ${tokenize(words(phrase).join(' ')).surface.join(' ')} `;
        for (const filler of english.data.fillers) if (filler.includes(' ') && padded.includes(` ${filler} `)) offending.push(phrase);
      }
    };
    for (const [, phrases] of [...ALL_TOPIC_LINES, ...english.data.cueLines]) check(phrases);
    check(english.data.gearNouns);
    check(english.data.exceptions);
    expect(offending).toEqual([]);
  });

  it('only uses the eight classes in cue lines', () => {
    for (const [classes] of english.data.cueLines) expect(parseClasses(classes).length).toBeGreaterThan(0);
    expect(() => parseClasses('NOT_A_CLASS')).toThrow();
  });

  it('compiles once into a trie of thousands of phrases', () => {
    expect(english.lexicon.size).toBeGreaterThan(10000);
    expect(getLexiconEngine('en')).toBe(english);
  });

  it('keeps Porter2 stems from conflating ordinary words with sensitive cues', () => {
    // Each of these shares a stem with a cue word ("I'll" → "ill", "tired" → "tire", "social" →
    // "socialism", "mountains" → "mountaineering", "believe" → "believer", ...).
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
      const classes = english.analyze(text).clauses.flatMap((c) => c.classes);
      expect({ text, classes }).toEqual({ text, classes: [] });
    }
  });
});

describe('sensitive proxies in English', () => {
  it('has phrases for every proxy of the reviewed list', () => {
    const used = new Set((languageFolders().find((f) => f.code === 'en')?.files.sensitive ?? []).map((r) => r.cells[0]).filter((t) => t.startsWith('proxy:')));
    expect(SENSITIVE_PROXIES.map((p) => `proxy:${p.id}`).filter((id) => !used.has(id))).toEqual([]);
  });

  it.each([
    ['any good halal restaurant near me for my family?', 'RELIGION'],
    ['best diabetic socks for long walks', 'HEALTH'],
    ['which leave-in works for 4c hair in winter', 'RACE'],
    ['looking for a gay friendly resort in Mexico', 'SEXUAL_ORIENTATION'],
    ['need shoes for canvassing all weekend', 'POLITICS'],
  ])('never lets a proxy be ads-eligible: %s', (text, cls) => {
    const analysis = analyzeWithEngines(text, [english]);
    expect(analysis.suppressed).toContain(cls);
    expect(analysis.signals.filter((s) => s.adsEligible)).toEqual([]);
  });
});
