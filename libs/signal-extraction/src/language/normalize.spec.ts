import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { analyzeText } from '../analyze';
import { parseLabelledMessages } from '../evaluate';
import { EMOJI_CUES, markerClass, normalizeText } from './normalize';

describe('normalizeText', () => {
  it.each([
    ['zero-width and joiners', 'I am a mus\u200Blim, any halal\u200D food\u2060 tips\uFEFF?', 'I am a muslim, any halal food tips?'],
    ['soft hyphen and bidi controls', 'my chemo\u00ADtherapy \u202Estarts\u202C \u2066now\u2069', 'my chemotherapy starts now'],
    ['full-width letters', 'ｍｙ ｃｈｅｍｏ', 'my chemo'],
    ['Cyrillic and Greek look-alikes', 'I am а muslіm and gаy, my ρastor knows', 'I am a muslim and gay, my pastor knows'],
    ['leetspeak between letters', 'proud musl1m, g4y and j3w1sh, @theist? no: a$$', 'proud muslim, gay and jewish, @theist? no: a$$'],
    ['spelt-out letters', 'I am g a y and m.u.s.l.i.m, also d-i-a-b-e-t-i-c', 'I am gay and muslim, also diabetic'],
  ])('folds %s', (_, input, expected) => {
    expect(normalizeText(input)).toBe(expected);
    expect(normalizeText(expected)).toBe(expected);
  });

  it('leaves real words of other scripts, digits and ordinary text alone', () => {
    for (const text of ['Привет, как дела?', 'Γειά σου κόσμε', 'मुझे कैंसर है', 'running 5ks in my 2015 civic, ps5 or xbox?', 'e.g. the U.S. or the UK', 'Nguyễn đã đến']) {
      expect(normalizeText(text)).toBe(text.normalize('NFKC'));
    }
  });

  it('turns religious and identity emoji into class markers, with or without a variation selector', () => {
    const classesOf = (text: string) => normalizeText(text).split(' ').map(markerClass).filter(Boolean);
    expect(classesOf('trans guy here 🏳️‍⚧️ btw')).toEqual(['SEXUAL_ORIENTATION']);
    expect(classesOf('pride 🏳️‍🌈 and 🏳‍🌈')).toEqual(['SEXUAL_ORIENTATION', 'SEXUAL_ORIENTATION']);
    expect(classesOf('✝️ ☪️ 🕉️ ☸️ ✡️ 🛐 ☪')).toEqual(Array(7).fill('RELIGION'));
    expect(classesOf('🏳️ 🌈 🙏 👍')).toEqual([]);
    expect(EMOJI_CUES.every(([emoji, cls]) => classesOf(`x ${emoji} y`)[0] === cls)).toBe(true);
  });
});

describe('analyzeText after normalization', () => {
  it.each([
    ['I am a mus\u200Blim, where can I find a good steakhouse?', 'RELIGION'],
    ['ａｓ ａ ｍｕｓｌｉｍ I want a trip to Kyoto', 'RELIGION'],
    ['my dad is a proud musl1m and loves golf', 'RELIGION'],
    ['I am g a y and looking for a beach resort', 'SEXUAL_ORIENTATION'],
    ['trans guy here 🏳️‍⚧️ which phone has the best camera', 'SEXUAL_ORIENTATION'],
    ['✝️ every sunday, then brunch with friends', 'RELIGION'],
  ])('detects the class in %s', (text, cls) => {
    const analysis = analyzeText(text);
    expect(analysis.suppressed).toContain(cls);
  });
});

/**
 * Issue 13's property: inserting invisible characters or swapping confusables into a message
 * never turns a suppressed message into one with an ads-eligible signal. Stronger here: the
 * ads-eligible topics can only shrink, and (while the language is still read) no class is lost.
 */
describe('property: invisible characters and confusables never unlock ads', () => {
  const messages = parseLabelledMessages(readFileSync(path.join(__dirname, '..', '..', 'eval', 'messages.jsonl'), 'utf8'))
    .filter((m) => m.kind === 'sensitive' || m.kind === 'mixed')
    .map((m) => ({ text: m.text, before: analyzeText(m.text) }))
    .filter((m) => m.before.suppressed.length > 0);

  const INVISIBLE = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u200F', '\u202A', '\u202C', '\u202E', '\u2066', '\u2069', '\uFE0F'];
  const LOOKALIKE: Record<string, string[]> = {
    a: ['а', 'α'], c: ['с'], e: ['е'], i: ['і', 'ι'], j: ['ј'], o: ['о', 'ο'], p: ['р', 'ρ'], s: ['ѕ'], x: ['х', 'χ'], y: ['у'], h: ['һ'], k: ['κ'],
    A: ['А', 'Α'], B: ['В', 'Β'], C: ['С'], E: ['Е', 'Ε'], H: ['Н', 'Η'], I: ['І', 'Ι'], K: ['К', 'Κ'], M: ['М', 'Μ'], O: ['О', 'Ο'], P: ['Р', 'Ρ'], T: ['Т', 'Τ'], X: ['Х', 'Χ'],
  };
  const fullWidth = (ch: string) => (ch >= '!' && ch <= '~' ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch);

  type Edit = { kind: 'insert'; at: number; ch: number } | { kind: 'swap'; at: number; pick: number; wide: boolean };
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), pick: fc.nat(), wide: fc.boolean() }),
  );

  function apply(text: string, edits: Edit[]): string {
    const chars = [...text];
    for (const e of edits) {
      const at = e.at % (chars.length + 1);
      if (e.kind === 'insert') chars.splice(at, 0, INVISIBLE[e.ch % INVISIBLE.length]);
      else if (at < chars.length) {
        const options = LOOKALIKE[chars[at]];
        if (e.wide) chars[at] = fullWidth(chars[at]);
        else if (options) chars[at] = options[e.pick % options.length];
      }
    }
    return chars.join('');
  }

  it('holds on every suppressed message of the development set', () => {
    expect(messages.length).toBeGreaterThan(150);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: messages.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 12 }), (index, edits) => {
        const { text, before } = messages[index];
        const after = analyzeText(apply(text, edits));
        const adsBefore = new Set(before.signals.filter((s) => s.adsEligible).map((s) => s.topicId));
        for (const s of after.signals) if (s.adsEligible && !adsBefore.has(s.topicId)) return false;
        if (after.language?.supported) for (const c of before.suppressed) if (!after.suppressed.includes(c)) return false;
        return true;
      }),
      { seed: 20261203, numRuns: 600 },
    );
  });
});
