import { getTaxonomy } from '@signalpath/taxonomy';
import { analyzeText } from '../analyze';

/**
 * The Spanish lexicon (lexicon/es) on sentences written for this test, not taken from any
 * evaluation set: proxies and paraphrases are never ads-eligible, negation / sarcasm / abandoned
 * interests yield nothing, and benign look-alikes keep their topic.
 */
const tier1 = (id: string) => getTaxonomy().tier1NodeOf(id)?.name ?? id;
const ads = (text: string) => [...new Set(analyzeText(text).signals.filter((s) => s.adsEligible).map((s) => tier1(s.topicId)))].sort();

describe('Spanish: sensitive classes, proxies and paraphrase', () => {
  it.each([
    ['¿Hay alguna carnicería halal por Lavapiés?', 'RELIGION'],
    ['Busco calcetas para diabéticos para mi abuelo', 'HEALTH'],
    ['¿Qué crema sirve para rizos tipo 4 en invierno?', 'RACE'],
    ['Recomiéndame un hotel gay friendly en Puerto Vallarta', 'SEXUAL_ORIENTATION'],
    ['Este sábado ando tocando puertas para la campaña del candidato', 'POLITICS'],
    ['¿Cuánto nos dan del fondo de huelga si paramos una semana?', 'TRADE_UNION'],
    ['mis abuelos vinieron de Honduras y quiero aprender a hacer baleadas como ellos', 'ETHNIC_ORIGIN'],
    ['soy veganna desde hace un año, ¿qué botas sin piel me recomiendan?', 'PHILOSOPHICAL_BELIEFS'],
    ['tengo ansiedda en las noches, ¿qué serie ligera veo?', 'HEALTH'],
    ['hace un año dejé de ir a misa y no sé cómo decírselo a mis papás', 'RELIGION'],
    ['Mi hermana se va a casar con su novia en junio, ¿qué les regalo?', 'SEXUAL_ORIENTATION'],
    ['como hombre, mi novio y yo queremos adoptar', 'SEXUAL_ORIENTATION'],
  ])('%s → %s, nothing for ads', (text, cls) => {
    const analysis = analyzeText(text);
    expect(analysis.language?.supported).toBe(true);
    expect(analysis.suppressed).toContain(cls);
    expect(analysis.signals.filter((s) => s.adsEligible)).toEqual([]);
  });
});

describe('Spanish: negation, sarcasm, refusal, abandoned interests', () => {
  it.each([
    ['No me gusta nada el golf', 'Sports'],
    ['el tenis no es lo mío', 'Sports'],
    ['Ni de chiste me subo a un crucero', 'Travel'],
    ['Sí claro, como si yo fuera a ir a un festival de reguetón', 'Events'],
    ['Qué emoción, otro partido de béisbol toda la tarde...', 'Sports'],
    ['Antes muerta que volver a acampar', 'Travel'],
    ['Dejé de jugar videojuegos hace años', 'Video Gaming'],
    ['La moda me vale madres', 'Style & Fashion'],
  ])('%s: no %s', (text, forbidden) => {
    expect(ads(text)).not.toContain(forbidden);
  });
});

describe('Spanish: benign look-alikes keep their topic', () => {
  it.each([
    ['Me muero por probar la birria de ese puesto', 'Food & Drink'],
    ['El partido de anoche estuvo buenísimo, qué golazo', 'Sports'],
    ['¿Cuánto cuesta cambiar las pastillas de freno del coche?', 'Automotive'],
    ['Organizo una fiesta de cumpleaños para mi hijo, ¿ideas de piñatas?', 'Personal Celebrations & Life Events'],
    ['¿Cómo le hago para que mi celular no se trabe?', 'Technology & Computing'],
    ['recomiéndame un buen podcast de comedia', 'Entertainment'],
    // Gendered words are read exactly ("novio" and "novia" share a stem): a different-gender couple is no class.
    ['soy hombre y mi novia quiere un perfume, ¿cuál le compro?', 'Style & Fashion'],
    ['mi hermana y su novio vienen a cenar, ¿qué cocino?', 'Food & Drink'],
  ])('%s → %s', (text, expected) => {
    expect(analyzeText(text).suppressed).toEqual([]);
    expect(ads(text)).toContain(expected);
  });
});
