import { getTaxonomy } from '@signalpath/taxonomy';
import { SENSITIVE_PROXIES } from '@signalpath/sensitive-topics';
import { analyzeText } from './analyze';
import { languageFolders } from './language/data';

/**
 * French (issue 14): analyzed, not refused; the eight classes with inflection, elision, missing
 * accents and misspellings; look-alikes whose stem is a common word stay benign; negation
 * ("ne … pas", colloquial "pas", "ni … ni"), past preference, refusal and sarcasm; voice transcripts.
 */
const taxonomy = getTaxonomy();
const tier1s = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => taxonomy.tier1NodeOf(s.topicId)?.name))].sort();
const classes = (text: string) => analyzeText(text).suppressed;

describe('French', () => {
  it('is analyzed, with every proxy of the reviewed list named in its data', () => {
    expect(analyzeText('je cherche des chaussures de randonnée pour cet été').language).toMatchObject({ code: 'fr', supported: true });
    const used = new Set((languageFolders().find((f) => f.code === 'fr')?.files.sensitive ?? []).map((r) => r.cells[0]));
    expect(SENSITIVE_PROXIES.map((p) => `proxy:${p.id}`).filter((id) => !used.has(id))).toEqual([]);
  });

  it('finds topics through elision, inflection and missing accents', () => {
    expect(tier1s("je veux me mettre à l'escalade, une salle sympa à lyon ?")).toContain('Sports');
    expect(tier1s("une recette de crêpes pour ce soir ?")).toEqual(['Food & Drink']);
    expect(tier1s('quel aspirateur robot pour un appart avec un chat ?')).toContain('Home & Garden');
    expect(tier1s('c est quoi le meilleur forfait mobile pas cher ?')).toEqual(['Technology & Computing']);
  });

  it.each([
    ["je suis diabetique, je peux manger des pâtes ?", 'HEALTH'],
    ['ma psy m a mise sous antidépresseurs', 'HEALTH'],
    ['je suis en depresion depuis des mois', 'HEALTH'],
    ["une boucherie halal près de chez moi ?", 'RELIGION'],
    ["c'est à quelle heure la rupture du jeûne ce soir ?", 'RELIGION'],
    ['je suis lesbiene et ma famille le sait pas', 'SEXUAL_ORIENTATION'],
    ["changement de prénom à l'état civil, ça prend combien de temps ?", 'SEXUAL_ORIENTATION'],
    ['je vais voter mélenchon au premier tour', 'POLITICS'],
    ['on fait du porte-à-porte ce samedi pour notre candidate', 'POLITICS'],
    ['des produits pour cheveux crépus 4c ?', 'RACE'],
    ['en tant que femme noire je galère avec le fond de teint', 'RACE'],
    ["ma famille est d'origine portugaise", 'ETHNIC_ORIGIN'],
    ['mes parents sont venus du mali dans les années 80', 'ETHNIC_ORIGIN'],
    ['je suis athée mais ma belle-famille veut un baptême', 'PHILOSOPHICAL_BELIEFS'],
    ['je suis vegane par conviction', 'PHILOSOPHICAL_BELIEFS'],
    ['je suis sindiqué à la cgt', 'TRADE_UNION'],
    ['la caisse de grève tient encore', 'TRADE_UNION'],
  ])('detects %s as %s and emits nothing for ads', (text, cls) => {
    expect(classes(text)).toContain(cls);
    expect(tier1s(text)).toEqual([]);
  });

  it.each([
    ["je meurs d'envie de goûter ce nouveau ramen", 'Food & Drink'],
    ["le marché de la place de l'église c'est top pour les fromages", 'Food & Drink'],
    ["mon chien tire comme un malade en laisse, un harnais ?", 'Pets'],
    ['les religieuses au café de la boulangerie, une recette ?', 'Food & Drink'],
    ["le syndicat d'initiative de colmar ouvre quand ?", 'Travel'],
    ['une assurance auto pour un jeune conducteur ?', 'Personal Finance'],
    ['je crois que je vais acheter une ps5, c est pratique pour jouer à deux', 'Video Gaming'],
    ['la grève de la sncf, je dois aller à bordeaux, un bus ?', 'Travel'],
  ])('keeps the look-alike benign: %s', (text, tier1) => {
    expect(classes(text)).toEqual([]);
    expect(tier1s(text)).toContain(tier1);
  });

  it.each([
    "j'aime pas du tout le golf",
    "je n'aime pas le golf",
    'ni le tennis ni la natation ne m intéressent',
    'plutôt mourir que faire une croisière',
    'oh génial, encore un match de foot à la télé ce soir',
    "avant je faisais beaucoup de pêche mais j'ai arrêté",
    'le camping ? non merci, très peu pour moi',
    'la mode je m en fiche complètement',
    "j'en ai rien à faire des jeux vidéo",
    'ah oui la télé réalité, le summum de la culture, bien sûr',
  ])('yields no interest from a negated, sarcastic, refused or given-up mention: %s', (text) => {
    expect(tier1s(text)).toEqual([]);
  });

  it('keeps the positive side of a contrast', () => {
    expect(tier1s("je ne suis pas fan de jazz, par contre j'adore le rap")).toEqual(['Entertainment']);
    expect(tier1s('un resto sympa pas trop cher pour ce soir ?')).toEqual(['Food & Drink']);
  });

  it('holds on voice transcripts: fillers, repeated words, no punctuation', () => {
    expect(tier1s('euh genre un vol pas cher pour marrakech en avril avril')).toEqual(['Travel']);
    expect(classes('je suis asthmatique asthmatique euh quel sport je peux faire')).toEqual(['HEALTH']);
    expect(tier1s('euh je fais plus de vélo depuis mon déménagement')).toEqual([]);
    expect(tier1s('je suis juive bon sinon tu connais un bon plombier')).toEqual(['Home & Garden']);
  });
});
