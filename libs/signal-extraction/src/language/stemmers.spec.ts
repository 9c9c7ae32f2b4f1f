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
    expect(() => stemmerFor('klingon')).toThrow(/unknown stemmer/);
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
