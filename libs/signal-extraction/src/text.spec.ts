import { Boundary, tokenize } from './text';

describe('tokenize', () => {
  it('separates words at punctuation, symbols and emoji outside ASCII, as at ASCII punctuation', () => {
    // An emoji is a token of its own (negation.tsv "sarcasm 🙄" rows read it), never part of a word.
    expect(tokenize('pizza🍕 tonight… “great” — don’t × 2').surface).toEqual(['pizza', '🍕', 'tonight', 'great', 'dont', '2']);
  });

  it('ends a sentence at an ellipsis character and at the Devanagari danda, and breaks at curly quotes and dashes', () => {
    const t = tokenize('मुझे क्रिकेट पसंद है। फ़ोन चाहिए… ok “yes” — no');
    expect(t.surface).toEqual(['मुझे', 'क्रिकेट', 'पसंद', 'है', 'फ़ोन', 'चाहिए', 'ok', 'yes', 'no']);
    expect(t.before).toEqual([Boundary.Sentence, 0, 0, 0, Boundary.Sentence, 0, Boundary.Sentence, Boundary.Comma, Boundary.Comma]);
  });

  it('keeps letters with accents, Devanagari vowel signs and the class markers inside words', () => {
    expect(tokenize('café naïve हूँ \ue100').surface).toEqual(['cafe', 'naive', 'हूँ', '\ue100']);
  });
});
