import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getTaxonomy } from '@signalpath/taxonomy';
import { getSensitiveTopicPolicy, SENSITIVE_PROXIES } from '@signalpath/sensitive-topics';
import { analyzeText, analyzeWithEngines } from '../analyze';
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
    // A launch language is analyzed only once its lexicon is complete: every proxy of the reviewed list has phrases in it.
    const supported = languageFolders().filter((f) => f.status === 'supported');
    expect(supported.map((f) => f.code)).toContain('en');
    for (const folder of supported) {
      expect(launch).toContain(folder.code);
      const proxies = new Set((folder.files.sensitive ?? []).map((r) => r.cells[0]).filter((t) => t.startsWith('proxy:')));
      expect({ folder: folder.code, missing: SENSITIVE_PROXIES.map((p) => `proxy:${p.id}`).filter((id) => !proxies.has(id)) }).toEqual({ folder: folder.code, missing: [] });
    }
    // The languages merged so far (each language branch adds its code here).
    expect(supported.map((f) => f.code).sort()).toEqual(['de', 'en', 'es', 'fr', 'hi', 'hi-Latn', 'id', 'pt']);
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
    cues: 'kind\tvalue\nconnector\tmaa\ninterest\tvoglio\nfiller\tehm\n',
    negation: 'kind\tvalue\npost\tnono\n',
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

  it('negates with multi-word cues before and after a mention, and stops a post-posed negation at a post-breaker', () => {
    const yy = new LexiconEngine(
      buildLanguageLexicon(
        buildFolder('yy', {
          language: 'key\tvalue\ncode\tyy\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n',
          topics: 'topics\tphrase\n500:Climbing\tklimbo\n653:Travel\treiso\n',
          sensitive: 'target\tphrase\n',
          cues: 'kind\tvalue\nfiller\tehm\n',
          negation: 'kind\tvalue\nsarcasm\tyeah sure\ncue\tnot\nbreaker\ti\npost\tnono\npost\twhat for\npost-breaker\tis\nexempt-next\tnono working\n',
        }),
      ),
    );
    const topics = (text: string) => analyzeWithEngines(text, [yy]).signals.map((s) => s.topicId);
    // Sarcasm as a sequence ("yeah sure"), fillers inside it skipped; "sure" alone negates nothing.
    expect(topics('yeah sure klimbo')).toEqual([]);
    expect(topics('yeah ehm sure klimbo')).toEqual([]);
    expect(topics('sure klimbo')).toEqual(['500']);
    // A breaker ends a single-word cue's reach, not sarcasm's (it takes its clause).
    expect(topics('not i klimbo')).toEqual(['500']);
    expect(topics('yeah sure i klimbo')).toEqual([]);
    // A post-posed sequence.
    expect(topics('klimbo what for')).toEqual([]);
    // The copula ends the first mention's reach: only the second is negated.
    expect(topics('klimbo is good reiso nono')).toEqual(['500']);
    expect(topics('klimbo good reiso nono')).toEqual([]);
    // An exempt-next pair after the mention does not negate ("laptop chal nahi raha": is not working).
    expect(topics('klimbo nono working')).toEqual(['500']);
    expect(topics('klimbo nono please')).toEqual([]);
  });

  it('rejects a "?" clause\'s topics when the next clause has no topic and holds a rejection cue', () => {
    const ww = new LexiconEngine(
      buildLanguageLexicon(
        buildFolder('ww', {
          language: 'key\tvalue\ncode\tww\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n',
          topics: 'topics\tphrase\n500:Climbing\tklimbo\n653:Travel\treiso\n222:Non-Alcoholic Beverages\ttea\n',
          sensitive: 'target\tphrase\n',
          cues: 'kind\tvalue\nfiller\tehm\n',
          negation: 'kind\tvalue\nrejection-cue\tno way\nrejection-cue\tnope\nrejection-cue\tnot my cup of tea\n',
        }),
      ),
    );
    const topics = (text: string) => analyzeWithEngines(text, [ww]).signals.map((s) => s.topicId);
    expect(topics('klimbo? ehm no ehm way, done with it')).toEqual([]);
    expect(topics('klimbo? well nope')).toEqual([]);
    // Not after a question, or an answer with a topic of its own: kept.
    expect(topics('klimbo. no way')).toEqual(['500']);
    expect(topics('klimbo? no way, reiso').sort()).toEqual(['500', '653']);
    // A topic inside a rejection cue is no interest, and does not count as the answer's own.
    expect(topics('klimbo? not my cup of tea')).toEqual([]);
    expect(topics('reiso, not my cup of tea')).toEqual(['653']);
  });

  it('reads a typo of a sensitive word as that word when the language opts in (language.tsv typos)', () => {
    const folder = (typos: string) =>
      buildFolder('tt', {
        language: `key\tvalue\ncode\ttt\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n${typos}`,
        topics: 'topics\tphrase\n653:Travel\treiso\n210:Food & Drink\tonion\n',
        sensitive: 'target\tphrase\nTRADE_UNION\tunion\nHEALTH\tdiabetes\nHEALTH\tthyroid\nHEALTH\tthyriod\nETHNIC_ORIGIN\tlambani\n',
      });
    const tt = new LexiconEngine(buildLanguageLexicon(folder('typos\t5\n')));
    const off = new LexiconEngine(buildLanguageLexicon(folder('')));
    // A transposed pair, a changed vowel, a dropped letter, an extra letter.
    // "thyrod" is a variant of both listed spellings "thyroid" and "thyriod": still read.
    for (const text of ['unoin reiso', 'diabetis reiso', 'diabets reiso', 'diabeties reiso', 'thyrod reiso']) {
      expect({ text, ...analyzeWithEngines(text, [tt]) }).toMatchObject({ text, signals: [], suppressed: expect.any(Array) });
      expect(analyzeWithEngines(text, [tt]).suppressed.length).toBe(1);
    }
    // Off by default: without language.tsv typos only a dropped, doubled or swapped letter is read (every language, buildTypos).
    for (const text of ['diabetis reiso', 'diabeties reiso']) expect(analyzeWithEngines(text, [off]).suppressed).toEqual([]);
    for (const text of ['unoin reiso', 'diabets reiso', 'thyrod reiso']) expect(analyzeWithEngines(text, [off]).suppressed.length).toBe(1);
    // The first letter is kept: "ambani" is not "lambani", "xunion" not "union".
    expect(analyzeWithEngines('ambani reiso', [tt]).suppressed).toEqual([]);
    expect(analyzeWithEngines('ambani reiso', [off]).suppressed).toEqual([]);
    expect(analyzeWithEngines('xunion reiso', [tt]).suppressed).toEqual([]);
    // A word the language knows is never read as a typo ("onion" is one vowel from "union"), nor one listed as known.
    expect(analyzeWithEngines('onion reiso', [tt])).toMatchObject({ suppressed: [] });
    const known = buildFolder('tt', {
      language: 'key\tvalue\ncode\ttt\nname\tTest\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\ntypos\t5\n',
      topics: 'topics\tphrase\n653:Travel\treiso\n',
      sensitive: 'target\tphrase\nTRADE_UNION\tunion\n',
      cues: 'kind\tvalue\nknown\tunoin\n',
    });
    expect(analyzeWithEngines('unoin reiso', [new LexiconEngine(buildLanguageLexicon(known))])).toMatchObject({ suppressed: [] });
    expect(() => buildFolder('tt', { language: 'key\tvalue\ncode\ttt\nname\tT\nscript\tLatn\nstatus\tpending\nstemmer\tnone\ntypos\t2\n' })).toThrow(/typos must be/);
  });

  it('in a code-switched message, ignores a topic phrase made only of the other language\'s function words', () => {
    const lang = (code: string, topics: string, sensitive: string, words: string) =>
      new LexiconEngine(
        buildLanguageLexicon(
          buildFolder(code, {
            language: `key\tvalue\ncode\t${code}\nname\tT\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n`,
            'function-words': `word\n${words}\n`,
            topics: `topics\tphrase\n${topics}\n`,
            sensitive: `target\tphrase\n${sensitive}\n`,
          }),
        ),
      );
    const aa = lang('aa', '425:Dogs\tkoi', 'RELIGION\tkoi temple', 'the');
    const bb = lang('bb', '500:Climbing\tklimbo', '', 'koi');
    const ids = (text: string, engines: LexiconEngine[]) => analyzeWithEngines(text, engines).signals.map((s) => s.topicId);
    expect(ids('koi klimbo', [aa])).toEqual(['425']);
    expect(ids('koi klimbo', [bb, aa])).toEqual(['500']);
    // Sensitive cues are read regardless.
    expect(analyzeWithEngines('koi temple klimbo', [bb, aa]).suppressed).toEqual(['RELIGION']);
  });

  it('reads a code-switched message with the union of both languages\' clause, negation and filler rules', () => {
    // xx's post-posed negation negates the English topic, English negation the xx topic.
    expect(analyzeWithEngines('climbing shoes nono', [xx, english]).signals).toEqual([]);
    expect(analyzeWithEngines("I don't want klimbo", [xx, english]).signals).toEqual([]);
    // xx's connector splits the English reading too: the class stays in its clause, the request stands.
    const mixed = analyzeWithEngines('I have diabetes maa I want a trip to Lisbon', [xx, english]);
    expect(mixed.suppressed).toEqual(['HEALTH']);
    expect(mixed.signals.filter((s) => s.adsEligible).map((s) => s.topicId)).toContain('653');
    // xx's filler inside an English phrase.
    expect(analyzeWithEngines('climbing ehm shoes', [xx, english]).signals.map((s) => s.topicId)).toContain('551');
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
  it('has phrases for every proxy of the reviewed list, as every supported language does', () => {
    for (const folder of languageFolders().filter((f) => f.status === 'supported')) {
      const used = new Set((folder.files.sensitive ?? []).map((r) => r.cells[0]).filter((t) => t.startsWith('proxy:')));
      expect({ folder: folder.code, missing: SENSITIVE_PROXIES.map((p) => `proxy:${p.id}`).filter((id) => !used.has(id)) }).toEqual({ folder: folder.code, missing: [] });
    }
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

describe('the Hindi lexicons (hi, hi-Latn, code-switched hi-en)', () => {
  const ads = (text: string) => analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => taxonomy.tier1NodeOf(s.topicId)?.name);

  it.each([
    ['mera BP high rehta hai, kaunsi chai piyun?', 'HEALTH'],
    ['papa ko sugar hai, mithai kaunsi de sakte hai', 'HEALTH'],
    ['navratri ke vrat me kya kha sakte hai', 'RELIGION'],
    ['hum jain hai, bina pyaaz lehsun ka restaurant batao', 'RELIGION'],
    ['is baar kamal ka button hi dabayenge', 'POLITICS'],
    ['mera rang saanwla hai, konsa foundation lu', 'RACE'],
    ['hum yadav hai, apni biradari me rishta chahiye', 'ETHNIC_ORIGIN'],
    ['mai nastik hu, shaadi me puja nahi chahiye', 'PHILOSOPHICAL_BELIEFS'],
    ['hamari union ne kal se hartal bulayi hai', 'TRADE_UNION'],
    ['kinnar samaj ke liye koi yojana hai kya', 'SEXUAL_ORIENTATION'],
    ['मुझे शुगर है, मिठाई में क्या खा सकता हूँ', 'HEALTH'],
    ['गुरुद्वारे के पास कोई होटल बताओ', 'RELIGION'],
    ['Chemo का second cycle चल रहा है, koi comedy series batao', 'HEALTH'],
    ['mujhe dipression hai shayad', 'HEALTH'],
  ])('detects the class and leaves nothing for ads: %s', (text, cls) => {
    const a = analyzeText(text);
    expect(a.language?.supported).toBe(true);
    expect(a.suppressed).toContain(cls);
    expect(ads(text)).toEqual([]);
  });

  it.each([
    ['cricket mujhe bilkul pasand nahi', 'Sports'],
    ['pehle pubg bahut khelta tha, ab chhod diya', 'Video Gaming'],
    ['haan bilkul, mai toh cruise pe zaroor jaunga', 'Travel'],
    ['stock market me wapas? kabhi nahi, bas ho gaya', 'Personal Finance'],
    ['क्रिकेट मुझे बिल्कुल पसंद नहीं है', 'Sports'],
    ['I used to play PUBG a lot, ab chhod diya', 'Video Gaming'],
  ])('reads negation, sarcasm and abandoned interests: %s', (text, tier1) => {
    expect(analyzeText(text).signals.map((s) => taxonomy.tier1NodeOf(s.topicId)?.name)).not.toContain(tier1);
  });

  it.each([
    ['chai me sugar kitni daalu', 'Food & Drink'],
    ['5 litre wala pressure cooker kaunsa best hai', 'Home & Garden'],
    ['mera laptop chal nahi raha, naya laptop batao', 'Technology & Computing'],
    ['harry potter ki saari kitaabein hindi me chahiye', 'Books and Literature'],
    ['घर पर दाल मखनी कैसे बनाएं', 'Food & Drink'],
    ['guitar seekh raha hu, koi acchi app batao', 'Hobbies & Interests'],
  ])('keeps benign look-alikes benign: %s', (text, tier1) => {
    expect(analyzeText(text).suppressed).toEqual([]);
    expect(ads(text)).toContain(tier1);
  });
});
