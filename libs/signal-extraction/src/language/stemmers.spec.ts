import { performance } from 'node:perf_hooks';
import { languageFolders } from './data';
import { STEMMER_NAMES, stemmerFor } from './stemmers';

describe('per-language stemmers', () => {
  it.each([
    ['porter2', ['climbing', 'climbs', 'climb']],
    ['spanish', ['zapatillas', 'zapatilla']],
    ['portuguese', ['corridas', 'corrida']],
    ['french', ['chaussures', 'chaussure']],
    ['german', ['schuhe', 'schuh']],
    ['german2', ['schuhe', 'schuh']],
    ['indonesian', ['makanan', 'makan']],
    ['hindi', ['लड़कों', 'लड़का']],
  ])('%s conflates inflected forms', (name, words) => {
    const stem = stemmerFor(name);
    expect(new Set(words.map((w) => stem(w))).size).toBe(1);
  });

  it.each([
    ['hindi', ['फ़ोन', 'फोन']],
    ['hindi', ['ज़्यादा', 'ज्यादा']],
    ['hindi', ['डॉक्टर', 'डोक्टर']],
    ['hindi', ['हूँ', 'हूं']],
    ['hinglish', ['bahut', 'bahuuut', 'bahuut']],
    ['hinglish', ['achha', 'acha', 'accha', 'acchha', 'achhaa']],
    ['hinglish', ['zyada', 'jyada', 'jyaada']],
    ['hinglish', ['pooja', 'puja', 'poojaa']],
    ['hinglish', ['chunav', 'chunaw', 'chunaav']],
    ['hinglish', ['phone', 'fone']],
    ['hinglish', ['naukri', 'nokri']],
    ['hinglish', ['pehla', 'pahla']],
    ['hinglish', ['qurbani', 'kurbani']],
    ['hinglish', ['nastik', 'nastic', 'naastik']],
    ['hinglish', ['cricket', 'kriket', 'crickett']],
  ])('%s folds spelling variants into one: %j', (name, words) => {
    const stem = stemmerFor(name);
    expect(new Set(words.map((w) => stem(w))).size).toBe(1);
  });

  it('german2 reads ue/oe/ae as the umlaut-less vowel, not in diphthongs', () => {
    const stem = stemmerFor('german2');
    expect(stem('juedisch')).toBe(stem('judisch')); // "jüdisch" after accent folding
    expect(stem('fluege')).toBe(stem('fluge'));
    expect(stem('schoene')).toBe(stem('schone'));
    expect(stem('waehlen')).toBe(stem('wahlen'));
    expect(stem('feuer')).not.toBe(stem('fur'));
    expect(stemmerFor('german')('juedisch')).not.toBe(stemmerFor('german')('judisch'));
  });

  it('keeps short words, words with digits, and every word under "none"', () => {
    expect(stemmerFor('spanish')('ps5s')).toBe('ps5s');
    expect(stemmerFor('german')('zu')).toBe('zu');
    expect(stemmerFor('none')('kaunsi')).toBe('kaunsi');
    // The romanized fold keeps distinct words apart and leaves non-ASCII words alone.
    const hinglish = stemmerFor('hinglish');
    expect(new Set(['mandir', 'mandi', 'masjid', 'namaz', 'namak', 'roza', 'roz'].map((w) => hinglish(w))).size).toBe(7);
    expect(hinglish('café')).toBe('café');
    // Hindi stems of fewer than three signs keep the word whole: गाना (song) is not गया (went), पति (husband) not पता (knows).
    const hindi = stemmerFor('hindi');
    expect(new Set(['गाना', 'गया', 'गई', 'खाना', 'खाया', 'पति', 'पता', 'कला', 'कल'].map((w) => hindi(w))).size).toBe(9);
    expect(hindi('किताबें')).toBe(hindi('किताब'));
    // Latin words inside a Devanagari message get the romanized fold.
    expect(stemmerFor('hindi')('iphone')).toBe(hinglish('iphone'));
    expect(() => stemmerFor('klingon')).toThrow(/unknown stemmer/);
  });

  it('reads Indonesian reduplication written with a 2 as the base word ("temen2" = "temen-temen")', () => {
    const id = stemmerFor('indonesian');
    expect(id('temen2')).toBe(id('temen'));
    expect(id('laki2')).toBe(id('laki'));
    expect(id('teman2nya')).toBe(id('temannya'));
    expect(id('2a2')).toBe('2a2');
    // Other languages keep words with digits as they are.
    expect(stemmerFor('spanish')('temen2')).toBe('temen2');
  });

  it('names a known stemmer in every language folder', () => {
    for (const folder of languageFolders()) expect(STEMMER_NAMES).toContain(folder.stemmer);
  });

  it('costs microseconds per new word (memoized after)', () => {
    for (const name of STEMMER_NAMES) {
      const stem = stemmerFor(name);
      const words = Array.from({ length: 2000 }, (_, i) => `palabra${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) | 0) % 26)}s`.replace(/\d/g, ''));
      const start = performance.now();
      for (const w of words) stem(w);
      // Generous for a loaded machine: the point is no pathological stemmer.
      expect({ name, microsPerWord: ((performance.now() - start) * 1000) / words.length < 500 }).toEqual({ name, microsPerWord: true });
    }
  });
});
