import { analyzeText } from './analyze';
import { getTaxonomy } from '@signalpath/taxonomy';

/**
 * English voice transcripts (issue 14 §5): lower case, no punctuation, fillers of one or several
 * words, repeated words. Clause splitting, negation, sarcasm and sensitive detection must hold.
 */
const taxonomy = getTaxonomy();
const tier1s = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => taxonomy.tier1NodeOf(s.topicId)?.name))].sort();

describe('English voice transcripts', () => {
  it('find topics through fillers and repeated words', () => {
    expect(tier1s('um so like whats a good tent for for camping you know with the kids')).toContain('Travel');
    expect(tier1s('uh can you find me cheap flights to to cebu i mean next month')).toContain('Travel');
  });

  it('are read as English although "um" and "a" are Portuguese function words too', () => {
    expect(analyzeText('um i have type two diabetes diabetes but anyway whats a good um mechanical keyboard').language?.languages).toEqual(['en']);
  });

  it('split clauses at spoken connectors, so an independent request survives a sensitive one', () => {
    const a = analyzeText('um i have type two diabetes diabetes but anyway whats a good um mechanical keyboard');
    expect(a.suppressed).toContain('HEALTH');
    expect(tier1s('um i have type two diabetes diabetes but anyway whats a good um mechanical keyboard')).toEqual(['Technology & Computing']);
  });

  it('hold negation, past preference, refusal and sarcasm without punctuation', () => {
    expect(tier1s('uh i i used to play golf golf every weekend but i quit quit')).toEqual([]);
    expect(tier1s('so um i would never ever go go on a cruise')).toEqual([]);
    expect(tier1s('oh great another another football game on tv yay')).toEqual([]);
    expect(tier1s('i dont really like like sushi you know')).toEqual([]);
  });

  it('detect sensitive classes in run-on speech with misspellings', () => {
    expect(analyzeText('um so me and my husband are both dads and uh we need a stroller').suppressed).toContain('SEXUAL_ORIENTATION');
    expect(analyzeText('uh im going to the the gurdwara sunday where do i park').suppressed).toContain('RELIGION');
    expect(analyzeText('so like my therpist says my anxeity is getting worse').suppressed).toContain('HEALTH');
    expect(tier1s('so like my therpist says my anxeity is getting worse')).toEqual([]);
  });
});
