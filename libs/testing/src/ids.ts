import fc from 'fast-check';

/**
 * Ids for property tests of the id grammar (grpc-kit validate.ts, docs/api.md "Ids"), written out
 * from the grammar's text rather than derived from its code. (grpc-kit's own spec keeps a copy:
 * this lib depends on grpc-kit, not the other way round.)
 */

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** One or more code points of every kind the grammar forbids, by kind. */
export const FORBIDDEN_ID_CODE_POINTS: Readonly<Record<string, readonly number[]>> = {
  'C0 controls': range(0x00, 0x1f),
  DEL: [0x7f],
  'C1 controls': range(0x80, 0x9f),
  'bidi controls': [...range(0x202a, 0x202e), ...range(0x2066, 0x2069), 0x200e, 0x200f, 0x061c],
  'zero-width and format characters': [...range(0x200b, 0x200d), 0x2060, 0xfeff, 0x00ad, 0x180e, 0xfff9, 0xe0001],
  'line and paragraph separators': [0x2028, 0x2029],
  'spaces other than U+0020': [0x00a0, 0x1680, 0x2000, 0x2007, 0x200a, 0x202f, 0x205f, 0x3000],
  'private use, noncharacters, unassigned': [0xe000, 0xf8ff, 0xfdd0, 0xfffe, 0xffff, 0x0378],
  'invisible letters and marks': [0x3164, 0x115f, 0xffa0, 0x034f, 0xfe0f],
  'replacement character': [0xfffd],
};

/** `U+202E`, as the services name a refused character. */
export const codePointLabel = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

const ALLOWED: Array<[number, number]> = [
  [0x21, 0x7e],
  [0xc0, 0xff],
  [0x391, 0x3a1],
  [0x410, 0x44f],
  [0x3041, 0x3096],
  [0x4e00, 0x4fff],
  [0x1f600, 0x1f64f],
];
const allowedCodePoint = fc.oneof(...ALLOWED.map(([min, max]) => fc.integer({ min, max })));

/** Valid ids: letters, digits, punctuation, symbols and emoji with inner spaces, NFC, ≤ 128 bytes. */
export const validIdArbitrary = (prefix = ''): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(allowedCodePoint, { minLength: 1, maxLength: 12 }), fc.array(fc.oneof(allowedCodePoint, fc.constant(0x20)), { maxLength: 8 }), allowedCodePoint)
    .map(([head, middle, last]) => prefix + String.fromCodePoint(...head, ...middle, last))
    .filter((id) => id.normalize('NFC') === id && Buffer.byteLength(id) <= 128);

/** An otherwise valid id with one forbidden code point somewhere, and that code point. */
export const idWithForbiddenCodePoint = (prefix = 'u'): fc.Arbitrary<{ id: string; codePoint: number }> =>
  fc
    .tuple(fc.array(allowedCodePoint, { maxLength: 6 }), fc.constantFrom(...Object.values(FORBIDDEN_ID_CODE_POINTS).flat()), fc.array(allowedCodePoint, { maxLength: 6 }))
    .map(([before, codePoint, after]) => ({ id: prefix + String.fromCodePoint(...before, codePoint, ...after), codePoint }));
