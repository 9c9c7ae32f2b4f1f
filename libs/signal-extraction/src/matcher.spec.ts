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
