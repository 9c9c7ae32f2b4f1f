import { LexiconEngine } from './engine';
import { buildFolder } from './language/data';
import { buildLanguageLexicon } from './lexicon/language-lexicon';

/**
 * Compound parts ("*word" phrases): languages that glue nouns (German "Diabetesmedikament",
 * "Gewerkschaftsmitglied", "Moscheebesuch") reveal a class inside one long word. Proven on a
 * made-up language "xx" so that the mechanism is data alone.
 */
const LANGUAGE = 'key\tvalue\ncode\txx\nname\tX\nscript\tLatn\nstatus\tpending\nstemmer\tnone\n';
const TOPICS = 'topics\tphrase\n483:Sports\t*fussball\n210:Pizza\tpizza\n';
const SENSITIVE = 'target\tphrase\n317:Diabetes\t*diabetes\nRELIGION\t*moschee\nTRADE_UNION\t*gewerkschaft\nRELIGION\t*kirch, !kirchstrasse\n';

function engine(sensitive = SENSITIVE): LexiconEngine {
  const folder = buildFolder('xx', { language: LANGUAGE, topics: TOPICS, sensitive });
  return new LexiconEngine(buildLanguageLexicon(folder));
}
const xx = engine();
const classes = (text: string) => [...new Set(xx.analyze(text).clauses.flatMap((c) => c.classes))].sort();
const topics = (text: string) => xx.analyze(text).clauses.flatMap((c) => [...c.mentions.keys()]).sort();

describe('compound parts ("*word")', () => {
  it('reads a sensitive part inside a longer word, wherever it stands in it', () => {
    expect(classes('mein diabetesmedikament ist alle')).toEqual(['HEALTH']);
    expect(classes('typ2diabetes seit jahren')).toEqual(['HEALTH']);
    expect(classes('gewerkschaftsmitglied seit 2010')).toEqual(['TRADE_UNION']);
    expect(classes('der moscheebesuch am freitag')).toEqual(['RELIGION']);
    expect(classes('die dorfkirche')).toEqual(['RELIGION']);
    expect(topics('mein diabetesmedikament')).toEqual(['317']);
  });

  it('still matches the part as a word of its own', () => {
    expect(classes('ich habe diabetes')).toEqual(['HEALTH']);
  });

  it('does not split a word listed in the data, nor a word only a letter or two longer than the part', () => {
    expect(classes('am markt in der kirchstrasse')).toEqual([]);
    expect(classes('moschees')).toEqual([]); // too short a remainder to be a compound
  });

  it('prefers a sensitive part over a topic part in one word', () => {
    expect(classes('fussballgewerkschaft')).toEqual(['TRADE_UNION']);
    expect(topics('fussballschuhe kaufen')).toEqual(['483']);
    expect(topics('pizzaofen')).toEqual([]); // "pizza" is no compound part
  });

  it('refuses a compound part of several words or too short', () => {
    expect(() => engine('target\tphrase\nRELIGION\t*heilige messe\n')).toThrow(/compound part/);
    expect(() => engine('target\tphrase\nRELIGION\t*gott\nHEALTH\t*adhs\nPOLITICS\t*afd\n')).toThrow(/compound part/);
  });
});
