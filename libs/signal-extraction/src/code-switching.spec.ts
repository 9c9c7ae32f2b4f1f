import { analyzeText, analyzeWithEngines } from './analyze';
import { LexiconEngine } from './engine';
import { buildFolder } from './language/data';
import { buildLanguageLexicon } from './lexicon/language-lexicon';

/**
 * A code-switched message is read by each language's engine (issue 14 §2); a topic one reading
 * finds negated, sarcastic or abandoned must not come back as an interest through the other
 * reading of the same clause ("iba a comprar la switch 2 pero nah": Spanish reads the retraction,
 * English only "switch 2"). Two made-up languages, so this holds on data alone.
 */
function language(code: string, topics: string, negation: string, cues = 'kind\tvalue\n'): LexiconEngine {
  const folder = buildFolder(code, {
    language: `key\tvalue\ncode\t${code}\nname\t${code}\nscript\tLatn\nstatus\tpending\nstemmer\tnone\n`,
    topics: `topics\tphrase\n${topics}`,
    sensitive: 'target\tphrase\n',
    cues,
    negation: `kind\tvalue\n${negation}`,
  });
  return new LexiconEngine(buildLanguageLexicon(folder));
}

// "xx" knows the word "nai" as a negation and the game console "konsol"; "yy" knows the console
// under two names and nothing of xx's negation. Both Video Gaming (680 / 681).
const xx = language('xx', '680:Video Gaming\tkonsol\n', 'cue\tnai\nsarcasm\tgran otro\n');
const yy = language('yy', '681:Console Games\tkonsol, konsola\n210:Food & Drink\tpasta\n', 'cue\tnever\n');
const ids = (text: string, engines: LexiconEngine[]) => analyzeWithEngines(text, engines).signals.map((s) => s.topicId).sort();

describe('code-switched messages: a negation read by one language holds for the other', () => {
  it('drops the other reading of a topic one language negates in the same clause', () => {
    expect(ids('nai konsol', [xx])).toEqual([]);
    expect(ids('nai konsol', [yy])).toEqual(['681']); // yy alone cannot see the negation
    expect(ids('nai konsol', [xx, yy])).toEqual([]);
    expect(ids('nai konsol', [yy, xx])).toEqual([]); // whichever language frames the clauses
  });

  it('holds for sarcasm, and for the frame language\'s topics negated by the other', () => {
    expect(ids('gran otro konsol', [xx, yy])).toEqual([]);
    expect(ids('never konsol', [xx, yy])).toEqual([]);
  });

  it('keeps positive topics of other Tier-1s and of unnegated messages', () => {
    // Before the cue: each reading uses the union of both languages' rules, so "nai" would negate a topic after it in yy's reading too.
    expect(ids('pasta nai konsol', [xx, yy])).toEqual(['210']);
    expect(ids('konsol', [xx, yy])).toEqual(['680', '681']);
  });

  it('drops the topics the other language names together with the negated one', () => {
    // zz files "tenda" under Camping and Hobbies & Interests (a Tier-1 of its own), xx under Camping only.
    const xc = language('xx', '677:Camping\ttenda\n', 'cue\tnai\n');
    const zz = language('zz', '677:Camping|239:Hobbies & Interests\ttenda\n239:Hobbies & Interests\thobi\n', 'cue\tnever\n');
    expect(ids('nai tenda', [zz])).toEqual(['239', '677']); // zz alone cannot see the negation
    expect(ids('nai tenda', [xc, zz])).toEqual([]);
    expect(ids('nai tenda', [zz, xc])).toEqual([]);
    // Named by a mention of its own, the topic stays. (Read by both engines, zz sees "nai" through the union of
    // their rules and negates its whole line itself; a language only glimpsed reads with its own rules.)
    expect(analyzeWithEngines('nai tenda hobi', [zz], undefined, [xc]).signals.map((s) => s.topicId)).toEqual(['239']);
    expect(analyzeWithEngines('nai tenda', [zz], undefined, [xc]).signals).toEqual([]);
  });
});

describe('a message read as English with a few words of a supported language', () => {
  // Written for this test: English sentences with one or two Spanish words that carry the class.
  it.each([
    ['Soy veganna, any leather-free boots?', 'PHILOSOPHICAL_BELIEFS'],
    ['Como morena, which foundation shade should I get?', 'RACE'],
    ['any good spots in Austin? soy musulmana so it has to be halal', 'RELIGION'],
  ])('is also searched for classes by that language: %s', (text, cls) => {
    const analysis = analyzeText(text);
    expect(analysis.suppressed).toContain(cls);
    expect(analysis.signals.filter((s) => s.adsEligible)).toEqual([]);
  });

  it('keeps its English topics when that language finds nothing sensitive', () => {
    expect(analyzeText('best running shoes for a 10k? quiero something light').signals.filter((s) => s.adsEligible).length).toBeGreaterThan(0);
  });
});

describe('a negation in the glimpsed language holds', () => {
  it('drops the English topic the Spanish words reject', () => {
    expect(analyzeText('golf? no me importa for real, idk why i keep getting it').signals.map((s) => s.topicId)).not.toContain('512');
  });
});
