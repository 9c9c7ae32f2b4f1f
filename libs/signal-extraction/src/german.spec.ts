import { analyzeText } from './analyze';
import { getTaxonomy } from '@signalpath/taxonomy';

/**
 * German (issue 14): compounds, umlauts typed as ue/oe/ae, post-posed negation ("mag ich nicht"),
 * kein/keine, rejection after a question, sarcasm, and voice transcripts (lower case, no
 * punctuation, fillers "äh", "ähm", "halt", "also").
 */
const taxonomy = getTaxonomy();
const tier1s = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => taxonomy.tier1NodeOf(s.topicId)?.name))].sort();
const suppressed = (text: string) => analyzeText(text).suppressed;

describe('German', () => {
  it('is analyzed, not refused', () => {
    expect(analyzeText('welche laufschuhe sind gut für asphalt?').language?.supported).toBe(true);
    expect(tier1s('welche laufschuhe sind gut für asphalt?')).toContain('Sports');
  });

  it('reads a sensitive word inside a compound', () => {
    expect(suppressed('mein diabetesmedikament ist alle, welche apotheke hat offen?')).toContain('HEALTH');
    expect(suppressed('bin seit jahren gewerkschaftsmitglied')).toContain('TRADE_UNION');
    expect(suppressed('der moscheebesuch am freitag dauert länger')).toContain('RELIGION');
    expect(tier1s('am kirchplatz hat ein neues italienisches restaurant aufgemacht')).toContain('Food & Drink');
  });

  it('reads umlauts typed as ue/oe/ae and misspelt sensitive words', () => {
    expect(suppressed('wir sind juedisch und suchen ein restaurant')).toContain('RELIGION');
    expect(suppressed('bin nonbinaer und suche kleidung')).toContain('SEXUAL_ORIENTATION');
    expect(suppressed('hab ne depresion seit monaten')).toContain('HEALTH');
  });

  it('holds post-posed negation, kein, weder noch, refusal, rejection and sarcasm', () => {
    expect(tier1s('fußball interessiert mich überhaupt nicht')).toEqual([]);
    expect(tier1s('golf finde ich stinklangweilig')).toEqual([]);
    expect(tier1s('weder golf noch tennis reizen mich')).toEqual([]);
    expect(tier1s('eher sterbe ich als campen zu gehen')).toEqual([]);
    expect(tier1s('kreuzfahrt? bloß nicht, viel zu voll')).toEqual([]);
    expect(tier1s('oh toll, noch eine kochshow im fernsehen')).toEqual([]);
    expect(tier1s('ich weiß nicht, welches handy ich kaufen soll')).toContain('Technology & Computing');
  });

  it('does not read "wählen" (to choose), "ich glaube" (I think) or "schwül" (humid) as sensitive', () => {
    expect(suppressed('welches soll ich wählen, das rote oder das blaue kleid?')).toEqual([]);
    expect(suppressed('ich glaube das hotel ist zu teuer')).toEqual([]);
    expect(suppressed('heute ist es so schwül, welcher ventilator ist leise?')).toEqual([]);
    expect(suppressed('ich wähl diesmal die grünen')).toContain('POLITICS');
  });

  it('holds on voice transcripts: fillers, repeated words, spoken connectors', () => {
    expect(tier1s('ähm also wie mach ich so ne richtig gute lasagne halt mit bechamel')).toContain('Food & Drink');
    expect(analyzeText('ähm also wie mach ich so ne richtig gute lasagne halt mit bechamel').language?.languages).toEqual(['de']);
    expect(tier1s('nee also joggen ist echt nix für mich')).toEqual([]);
    expect(suppressed('also ich bete halt fünf mal am tag und brauch ne app')).toContain('RELIGION');
    expect(tier1s('ich bin diabetiker aber egal ähm welches handy hat die beste kamera')).toEqual(['Technology & Computing']);
  });
});
