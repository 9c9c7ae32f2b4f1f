import { PhraseMatcher } from './matcher';
import { tokenize } from './text';

describe('PhraseMatcher exact ("=") words', () => {
  const match = (phrase: string, text: string) => {
    const m = new PhraseMatcher<string>((w) => w);
    m.add(phrase, 'hit');
    const t = tokenize(text, { stem: (w) => w });
    return m.matchAll(t.stems, t.surface, 0, t.length).length > 0;
  };

  it('compares the way messages are tokenized: accents folded, lower case, apostrophes dropped', () => {
    // Message tokens are folded ("jóias" → "joias"), so an exact word written with accents or capitals must fold too.
    expect(match('=jóias', 'quero jóias de prata')).toBe(true);
    expect(match('=jóias', 'quero joias de prata')).toBe(true);
    expect(match('=Maiô', 'um maiô novo')).toBe(true);
    expect(match("=d'água", "caixa d'água")).toBe(true);
  });

  it('still matches only the exact form', () => {
    expect(match('=joia', 'minhas joias')).toBe(false);
    expect(match('=anime', 'animal')).toBe(false);
  });
});

describe('PhraseMatcher skipped tokens (fillers)', () => {
  const spans = (phrase: string, text: string, fillers: string[]) => {
    const m = new PhraseMatcher<string>((w) => w);
    m.add(phrase, 'hit');
    const t = tokenize(text, { stem: (w) => w });
    const skip = t.surface.map((w) => fillers.includes(w));
    return m.matchAll(t.stems, t.surface, 0, t.length, skip).map((x) => [x.start, x.end]);
  };

  it('steps over a filler inside a phrase', () => {
    expect(spans('climbing shoes', 'climbing um shoes', ['um'])).toEqual([[0, 3]]);
  });

  it('reads a filler as a word of the phrase when it is one (Hindi "acha" is a filler and "acha nahi" a negation)', () => {
    expect(spans('acha nahi', 'cooking mujhe acha nahi lagta', ['acha'])).toEqual([[2, 4]]);
    expect(spans('golf acha nahi', 'golf um acha nahi', ['acha', 'um'])).toEqual([[0, 4]]);
  });

  it('does not start a phrase on a filler it does not contain', () => {
    expect(spans('nahi lagta', 'um nahi lagta', ['um'])).toEqual([[1, 3]]);
  });
});
