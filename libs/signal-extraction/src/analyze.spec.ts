import { getTaxonomy } from '@signalpath/taxonomy';
import { isNeverForAds } from '@signalpath/sensitive-topics';
import { withEnglishMixReaders, withScriptSiblings } from './analyze';
import { buildFolder } from './language/data';
import { analyzeText, sensitiveClassOfTopic, SENSITIVE_CLASSES, tokenize, type Analysis, type SensitiveDetector, type TopicExtractor } from './index';

const taxonomy = getTaxonomy();
const nameOf = (id: string) => taxonomy.get(id)?.name;
const names = (a: Analysis) => a.signals.map((s) => nameOf(s.topicId));

function expectNoAdsOnSensitive(a: Analysis): void {
  for (const s of a.signals) {
    if (s.adsEligible) {
      expect(sensitiveClassOfTopic(s.topicId)).toBeUndefined();
      expect(isNeverForAds(s.topicId)).toBe(false);
      expect(s.sensitiveClass).toBeUndefined();
    }
  }
}

describe('analyzeText', () => {
  it('keeps climbing gear and never the diabetes in "I have diabetes but want climbing shoes"', () => {
    const a = analyzeText('I have diabetes but want climbing shoes');
    expect(names(a)).toEqual(expect.arrayContaining(['Climbing', 'Sports Equipment']));
    expect(a.signals.every((s) => s.adsEligible && s.contentEligible)).toBe(true);
    expect(a.signals.some((s) => nameOf(s.topicId) === 'Diabetes')).toBe(false);
    expect(a.suppressed).toEqual(['HEALTH']);

    const allowed = analyzeText('I have diabetes but want climbing shoes', { allowSensitiveContent: true });
    const diabetes = allowed.signals.find((s) => nameOf(s.topicId) === 'Diabetes');
    expect(diabetes).toEqual(expect.objectContaining({ adsEligible: false, contentEligible: true, sensitiveClass: 'HEALTH' }));
    expect(allowed.signals.find((s) => nameOf(s.topicId) === 'Climbing')?.adsEligible).toBe(true);
  });

  it('reads a sensitive clause that opens with "for" as the purpose of the clause before ("... ? for our union meeting")', () => {
    for (const text of ['cheap hiking boots in denver? for my chemo recovery walks', 'any cheap hiking boots in denver? for our union march']) {
      const a = analyzeText(text);
      expect(a.signals.filter((s) => s.adsEligible)).toEqual([]);
      expect(a.suppressed.length).toBeGreaterThan(0);
    }
    // Not a purpose: the sensitive clause stands on its own, and the question keeps its topic.
    expect(analyzeText('any cheap hiking boots in denver? my chemo starts monday').signals.some((s) => s.adsEligible)).toBe(true);
  });

  it.each([
    'I was just diagnosed with type 2 diabetes',
    'As a gay man I love hiking and cooking',
    'My chemo starts next week. I am scared about losing my hair.',
    "I'm pregnant and we're setting up the nursery",
    "I'm Black and I'm looking for natural hair products",
    'We go to church every Sunday and then brunch with the family',
    'I joined the union at my warehouse job',
    'I voted for the senator and I watch the news every night',
    "I'm an atheist and I read a lot of philosophy books",
    'my Irish grandmother taught me to bake soda bread',
  ])('yields nothing at all from a purely sensitive message: "%s"', (text) => {
    const a = analyzeText(text);
    expect(a.signals).toEqual([]);
    expect(a.suppressed.length).toBeGreaterThan(0);
  });

  it('drops a whole sensitive clause, topics included, but keeps the next clause that stands on its own', () => {
    const a = analyzeText("I'm a gay man and I love hiking. Anyway, what's a good laptop for video editing?");
    expect(names(a)).toContain('Laptops');
    expect(names(a)).not.toContain('Outdoor Activities');
    expect(a.suppressed).toEqual(['SEXUAL_ORIENTATION']);
  });

  it('drops narrative around sensitive content and clauses that point back at it', () => {
    expect(analyzeText('My mom was diagnosed with cancer. My family is struggling.').signals).toEqual([]);
    expect(analyzeText('I have celiac disease. What recipes are safe for it?').signals).toEqual([]);
    expect(names(analyzeText('I have asthma. Also, any good mystery novels?'))).toContain('Books and Literature');
  });

  it('treats health-adjacent ordinary topics in a health message as sensitive', () => {
    const a = analyzeText('I have diabetes. Any tips to lose weight?');
    expect(names(a)).not.toContain('Weight Loss');
  });

  it('never makes a sensitive-mapped topic ads-eligible, and drops it by default', () => {
    for (const text of ['I love gospel music', 'any vegan recipes?', 'which vitamins should I take']) {
      const a = analyzeText(text);
      expect(a.signals.filter((s) => sensitiveClassOfTopic(s.topicId) !== undefined)).toEqual([]);
      const allowed = analyzeText(text, { allowSensitiveContent: true });
      expectNoAdsOnSensitive(allowed);
      expect(allowed.signals.some((s) => s.sensitiveClass !== undefined && !s.adsEligible && s.contentEligible)).toBe(true);
    }
  });

  it('with allowSensitiveContent keeps derived topics for content only, with their class', () => {
    const a = analyzeText('As a gay man I love hiking', { allowSensitiveContent: true });
    expect(a.signals.length).toBeGreaterThan(0);
    for (const s of a.signals) expect(s).toEqual(expect.objectContaining({ adsEligible: false, contentEligible: true, sensitiveClass: 'SEXUAL_ORIENTATION' }));
    expect(analyzeText('As a gay man I love hiking', {}).signals).toEqual([]);
    expect(analyzeText('As a gay man I love hiking', { allowSensitiveContent: undefined }).signals).toEqual([]);
  });

  it('reports suppressed classes distinct and sorted', () => {
    const a = analyzeText("I'm a Muslim and a union member. I pray daily. I have asthma and I voted yesterday.");
    expect(a.suppressed).toEqual(['HEALTH', 'POLITICS', 'RELIGION', 'TRADE_UNION']);
    for (const c of a.suppressed) expect(SENSITIVE_CLASSES).toContain(c);
  });

  it('emits only ads-eligible, content-eligible signals for benign text, sorted by weight', () => {
    const a = analyzeText('um so i wanna go skiing in colorado and like i need new ski boots');
    expect(a.suppressed).toEqual([]);
    expect(a.signals.length).toBeGreaterThan(0);
    for (const s of a.signals) expect(s).toEqual({ topicId: s.topicId, weight: s.weight, adsEligible: true, contentEligible: true });
    const weights = a.signals.map((s) => s.weight);
    expect(weights).toEqual([...weights].sort((x, y) => y - x));
  });

  it('accepts a pluggable extractor and detector, applied clause by clause, failing closed on their topics', () => {
    const calls: string[] = [];
    const extractor: TopicExtractor = {
      extract: (text) => {
        calls.push(text);
        if (text.includes('shoes')) return [{ topicId: '551', weight: 0.7 }];
        if (text.includes('sugar')) return [{ topicId: '317', weight: 0.9 }, { topicId: '210', weight: 0.5 }];
        return [{ topicId: 'not-a-topic', weight: 1 }, { topicId: 'mm3UXx', weight: 1 }];
      },
    };
    const detector: SensitiveDetector = { detect: (text) => (text.includes('secret') ? ['RELIGION'] : []) };
    const a = analyzeText('my blood sugar is high. but I want running shoes. my secret hobby is golf', {}, { extractor, detector });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    // 317 (Diabetes) reveals HEALTH: its whole clause is dropped, 210 with it; the unknown id and the restricted node are dropped.
    expect(a.signals.map((s) => s.topicId)).toEqual(['551']);
    expect(a.suppressed).toEqual(['HEALTH', 'RELIGION']);
  });

  it('costs a bounded multiple of plain tokenization, measured in the same run', () => {
    // A ratio, not a fixed budget: the machine is shared, and both sides slow down together.
    // The benchmark (npm run bench:extraction) measures ~0.1; a tenth of that means a regression.
    const text =
      "um so like i've been really into bouldering lately and uh i need new climbing shoes. Also my sister keeps asking about a trip to Lisbon next spring, any hotel ideas near the old town?";
    const rate = (fn: () => unknown) => {
      const n = 500;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      return n / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    for (let i = 0; i < 200; i++) analyzeText(text);
    let tokenizeBest = 0;
    let analyzeBest = 0;
    for (let round = 0; round < 3; round++) {
      tokenizeBest = Math.max(tokenizeBest, rate(() => tokenize(text)));
      analyzeBest = Math.max(analyzeBest, rate(() => analyzeText(text)));
    }
    expect(analyzeBest / tokenizeBest).toBeGreaterThan(0.01);
  });
});

describe('withScriptSiblings', () => {
  const folder = (code: string, script: string, status = 'supported') =>
    buildFolder(code, {
      language: `key\tvalue\ncode\t${code}\nname\tX\nscript\t${script}\nstatus\t${status}\nstemmer\tnone\n`,
      topics: 'topics\tphrase\n',
      sensitive: 'target\tphrase\n',
    });
  const folders = [folder('xx', 'Deva'), folder('xx-Latn', 'Latn'), folder('yy', 'Latn'), folder('zz', 'Deva', 'pending')];

  it('adds the supported folder of the same base language for the other script a message holds', () => {
    expect(withScriptSiblings(['xx'], 'chemo का second cycle', folders)).toEqual(['xx', 'xx-Latn']);
    expect(withScriptSiblings(['xx-Latn', 'yy'], 'mera flat बहुत dark', folders)).toEqual(['xx-Latn', 'yy', 'xx']);
  });

  it('adds nothing for one script, another base language, or a folder not supported', () => {
    expect(withScriptSiblings(['xx'], 'केवल देवनागरी', folders)).toEqual(['xx']);
    expect(withScriptSiblings(['yy'], 'latin और देवनागरी', folders)).toEqual(['yy']);
    expect(withScriptSiblings(['zz-Latn'], 'latin और देवनागरी', folders)).toEqual(['zz-Latn']);
  });
});

describe('withEnglishMixReaders', () => {
  const folder = (code: string, words: string, extra = '') =>
    buildFolder(code, {
      language: `key\tvalue\ncode\t${code}\nname\tX\nscript\tLatn\nstatus\tsupported\nstemmer\tnone\n${extra}`,
      'function-words': `word\n${words}\n`,
      topics: 'topics\tphrase\n',
      sensitive: 'target\tphrase\n',
    });
  const folders = [folder('en', 'i\nme\nnot'), folder('xx', 'yaar\nme\nhai', 'english-mix\t1\n'), folder('yy', 'pero\nmuy')];

  it('adds a folder that opts in when an English message holds its function words English does not list', () => {
    expect(withEnglishMixReaders(['en'], 'not happening yaar', folders)).toEqual(['en', 'xx']);
  });

  it('adds nothing for a shared word, a folder that does not opt in, or a message not identified as English alone', () => {
    expect(withEnglishMixReaders(['en'], 'tell me more', folders)).toEqual(['en']);
    expect(withEnglishMixReaders(['en'], 'pero muy bien', folders)).toEqual(['en']);
    expect(withEnglishMixReaders(['xx', 'en'], 'yaar hai', folders)).toEqual(['xx', 'en']);
  });
});

describe('merged languages: what one reading does to another, and negation over commas', () => {
  it('does not read a word another language of the message knows as a misspelling of a sensitive word', () => {
    // Hinglish "andar" (inside) is a swapped-letter "nadar" (a community name in the English data).
    const a = analyzeText('Bro suggest kar koi good wireless mouse for office work, budget 1000 ke andar');
    expect(a.language?.languages).toEqual(['hi-Latn', 'en']);
    expect(a.suppressed).toEqual([]);
    expect(names(a)).toContain('Computer Peripherals');
  });

  it('leaves to the message\'s language the class cues a glimpsed language would read in its words', () => {
    // "die" glimpses German, whose "Religion" is a belief; English reads "basically my religion lol" as none.
    const a = analyzeText("i'm a die-hard raiders fan, it's basically my religion lol. when do playoff tix drop");
    expect(a.language?.alsoSeen).toContain('de');
    expect(a.suppressed).toEqual([]);
    expect(a.signals.length).toBeGreaterThan(0);
    // A glimpsed language's own words still carry its classes (fail safe).
    expect(analyzeText('Soy veganna, any leather-free boots?').suppressed).toEqual(['PHILOSOPHICAL_BELIEFS']);
  });

  it('lets a negation reached across a comma take that mention only, not the topic elsewhere in the message', () => {
    // "backup nahi liya tha" is about the backup; the WhatsApp question before it stands.
    expect(names(analyzeText('वॉट्सऐप की डिलीट हुई चैट वापस कैसे लाएं, बैकअप नहीं लिया था'))).toEqual(['Social Networking']);
    // "isn't eating" is about the cat, not the vet visit after the comma; a Hinglish reading of that cue must not drop Pets.
    expect(names(analyzeText("my cat isn't eating since morning, vet ke paas le jau kya?"))).toEqual(['Cats']);
    // Within the comma-delimited stretch the negation still holds message-wide.
    expect(names(analyzeText('खाना बनाना मुझे ज़रा भी अच्छा नहीं लगता, ज़बरदस्ती सीखना पड़ रहा है'))).toEqual([]);
  });
});
