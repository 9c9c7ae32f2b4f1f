import { identifyLanguage, verdictLabel } from './identify';

/**
 * Code-switched with English: the other language is chosen on words English does not share. A
 * word both English and another language list ("do", "a", "me": Portuguese "do", Spanish "a")
 * appears in every English sentence, so counting it read Spanglish as Portuguese + English.
 */
describe('the partner language of an English code-switched message', () => {
  it.each([
    'mi jefa wants to go to puerto rico para su cumple, cheap flights desde orlando?',
    'want to get into photography, que camara usada compro con $400?',
    'este how do i make arroz con pollo like my abuela does it what do i need need',
  ])('is Spanish for Spanglish: %s', (text) => {
    expect(verdictLabel(identifyLanguage(text))).toBe('es-en');
  });

  it('is still Portuguese for Portuguese mixed with English', () => {
    expect(identifyLanguage('vou fazer um bolo de cenoura, what do you think? não sei se dá certo com essa receita').languages).toEqual(['pt', 'en']);
  });
});
