import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { consent, isValidTimestamp } from '@signalpath/proto';
import { InvalidArgumentError } from './errors';
import {
  EARLIEST_EVENT_TIME,
  MAX_TIME_MS,
  MIN_TIME_MS,
  codePointName,
  decodePageToken,
  encodePageToken,
  idProblem,
  optionalEnum,
  optionalId,
  optionalTime,
  requireEnum,
  requireId,
  requireTime,
} from './validate';

const SEED = 20_260_213;
/** The documented id length limit, in bytes of UTF-8 (written out, not imported: the test is the spec). */
const MAX_ID_BYTES = 128;
/** A failing property is reported within this bound (shrinking included), never left running. */
const BOUNDED = { interruptAfterTimeLimit: 15_000, markInterruptAsFailure: true } as const;

/** The message a rejected call carries, or undefined when `work` did not throw INVALID_ARGUMENT. */
function rejection(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.message;
    throw error;
  }
}

// ---- The id grammar, checked against lists written out independently of the implementation ------

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Every kind of code point the grammar forbids, by name (docs/api.md "Ids"). */
const FORBIDDEN: Record<string, number[]> = {
  'C0 controls': range(0x00, 0x1f),
  DEL: [0x7f],
  'C1 controls': range(0x80, 0x9f),
  'bidi controls': [...range(0x202a, 0x202e), ...range(0x2066, 0x2069), 0x200e, 0x200f, 0x061c],
  'zero-width and format characters': [...range(0x200b, 0x200d), 0x2060, 0xfeff, 0x00ad, 0x180e, ...range(0x2061, 0x2064), 0xfff9, 0xfffa, 0xfffb, 0x110bd, 0xe0001, 0xe0041],
  'line and paragraph separators': [0x2028, 0x2029],
  'spaces other than U+0020': [0x00a0, 0x1680, ...range(0x2000, 0x200a), 0x202f, 0x205f, 0x3000],
  'lone surrogates': [0xd800, 0xdbff, 0xdc00, 0xdfff],
  'private use': [0xe000, 0xf8ff, 0xf0000, 0x10fffd],
  'noncharacters and unassigned': [0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x0378, 0x1fffe],
  'invisible letters and marks': [0x3164, 0x115f, 0x1160, 0xffa0, 0x034f, ...range(0xfe00, 0xfe0f), 0xe0100],
  'replacement character (invalid UTF-8)': [0xfffd],
};
const forbiddenCodePoint = fc.constantFrom(...Object.values(FORBIDDEN).flat());

/** Code points an id may hold: scripts, digits, punctuation, symbols, emoji (all NFC on their own). */
const ALLOWED_RANGES: Array<[number, number]> = [
  [0x21, 0x7e], // printable ASCII (the space is added inside ids below)
  [0xc0, 0xff], // Latin-1 letters, × and ÷
  [0x391, 0x3a1], // Greek capitals (U+03A2 is unassigned)
  [0x410, 0x44f], // Cyrillic
  [0x660, 0x669], // Arabic-Indic digits
  [0x3041, 0x3096], // Hiragana
  [0x4e00, 0x4fff], // CJK ideographs
  [0x1f600, 0x1f64f], // emoji
];
const allowedCodePoint = fc.oneof(...ALLOWED_RANGES.map(([min, max]) => fc.integer({ min, max })));
const validId = fc
  .tuple(fc.array(allowedCodePoint, { minLength: 1, maxLength: 24 }), fc.array(fc.oneof(allowedCodePoint, fc.constant(0x20)), { maxLength: 16 }), fc.array(allowedCodePoint, { maxLength: 4 }))
  .map(([head, middle, tail]) => String.fromCodePoint(...head, ...middle, ...(tail.length > 0 ? tail : head.slice(0, 1))))
  .filter((id) => id.normalize('NFC') === id && Buffer.byteLength(id) <= MAX_ID_BYTES);
const shortValidPart = fc.array(allowedCodePoint, { maxLength: 8 }).map((cps) => String.fromCodePoint(...cps));

describe('the id grammar (fast-check, fixed seed)', () => {
  it('accepts every id made of letters, digits, punctuation, symbols and inner spaces, and returns it unchanged', () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(requireId(id, 'user_id')).toBe(id);
        expect(optionalId(id, 'erasure_job_id')).toBe(id);
        // Through the wire and back: the server sees exactly the bytes the caller sent.
        const decoded = consent.GetSettingsRequest.decode(consent.GetSettingsRequest.encode({ userId: id }).finish());
        expect(requireId(decoded.userId, 'user_id')).toBe(id);
      }),
      { seed: SEED, numRuns: 5_000, ...BOUNDED },
    );
  });

  it('refuses any id holding a forbidden code point anywhere, naming the field and the code point (never the character)', () => {
    fc.assert(
      fc.property(shortValidPart, forbiddenCodePoint, shortValidPart, (before, codePoint, after) => {
        const character = String.fromCodePoint(codePoint);
        const id = `${before}${character}${after}`;
        const message = rejection(() => requireId(id, 'interaction.user_id'));
        expect(message).toBeDefined();
        expect(message?.startsWith('interaction.user_id: ')).toBe(true);
        expect(message).toContain(codePointName(codePoint));
        expect(message).not.toContain(character);
        // An optional id is held to the same grammar once it is set.
        expect(rejection(() => optionalId(id, 'erasure_job_id'))).toMatch(/^erasure_job_id: /);
      }),
      { seed: SEED, numRuns: 5_000, ...BOUNDED },
    );
  });

  it('covers every listed class (each forbidden code point on its own)', () => {
    for (const [name, codePoints] of Object.entries(FORBIDDEN)) {
      for (const codePoint of codePoints) {
        const message = idProblem(`a${String.fromCodePoint(codePoint)}b`);
        expect(`${name} ${codePointName(codePoint)}: ${message}`).toContain(`must not contain ${codePointName(codePoint)}`);
      }
    }
  });

  it('refuses surrounding spaces, a leading combining mark, non-NFC text, empty and over-long ids', () => {
    expect(idProblem('alice ')).toBe('must not begin or end with a space');
    expect(idProblem(' alice')).toBe('must not begin or end with a space');
    expect(idProblem(' ')).toBe('must not begin or end with a space');
    expect(idProblem('ali ce')).toBeUndefined();
    expect(idProblem('\u0301alice')).toBe('must not begin with a combining mark');
    expect(idProblem('jose\u0301')).toBe('must be in Unicode Normalization Form C (NFC)');
    expect(idProblem('josé')).toBeUndefined();
    expect(idProblem('')).toBe('must not be empty');
    expect(idProblem('x'.repeat(MAX_ID_BYTES))).toBeUndefined();
    expect(idProblem('x'.repeat(MAX_ID_BYTES + 1))).toBe(`must be at most ${MAX_ID_BYTES} bytes`);
    expect(idProblem('é'.repeat(MAX_ID_BYTES / 2 + 1))).toBe(`must be at most ${MAX_ID_BYTES} bytes`);
    expect(rejection(() => requireId(undefined, 'item_id'))).toBe('item_id: must not be empty');
    expect(optionalId('', 'erasure_job_id')).toBeUndefined();
  });
});

// ---- Plain-object lookups ------------------------------------------------------------------------

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

describe('lookups keyed by caller input never reach Object.prototype', () => {
  it('page tokens must carry the cursor keys as their own properties', () => {
    for (const key of PROTOTYPE_KEYS) {
      expect(rejection(() => decodePageToken(Buffer.from('{}').toString('base64url'), 'page_token', [key]))).toBe('page_token: is not a valid page token');
    }
    expect(rejection(() => decodePageToken(Buffer.from('[1]').toString('base64url'), 'page_token', ['length' as never]))).toBe('page_token: is not a valid page token');
    expect(decodePageToken(encodePageToken({ u: 'a', v: 2 }), 'page_token', ['u', 'v'])).toEqual({ u: 'a', v: 2 });
  });

  it('enum values are own, integral members of the enum', () => {
    for (const value of [0.5, 1.5, Number.NaN, Infinity]) {
      expect(rejection(() => optionalEnum(value, consent.Choice, 'ai_chat_ads'))).toBeDefined();
    }
    expect(rejection(() => requireEnum(-1, consent.Choice, 'ai_chat_ads'))).toBe('ai_chat_ads: unknown value -1');
    expect(requireEnum(consent.Choice.CHOICE_OPT_OUT, consent.Choice, 'ai_chat_ads')).toBe(consent.Choice.CHOICE_OPT_OUT);
  });
});

// ---- Timestamps ----------------------------------------------------------------------------------

/** A CheckEligibilityRequest whose event_time (field 4) is the raw Timestamp, decoded as a server would. */
function decodedEventTime(seconds: string, nanos: number): Date | undefined {
  const timestamp = new BinaryWriter();
  if (seconds !== '0') timestamp.uint32(8).int64(seconds);
  if (nanos !== 0) timestamp.uint32(16).int32(nanos);
  const bytes = new BinaryWriter().uint32(10).string('user').uint32(34).bytes(timestamp.finish()).finish();
  return consent.CheckEligibilityRequest.decode(bytes).eventTime;
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

describe('timestamps', () => {
  it('a wire Timestamp outside the protobuf range or with bad nanos decodes to an invalid Date, refused naming the field', () => {
    const bad: Array<[string, number]> = [
      [INT64_MAX, 0],
      [INT64_MIN, 0],
      ['253402300800', 0], // 10000-01-01
      ['-62135596801', 0], // 0000-12-31
      ['-62135596800', -1],
      ['1767225600', -1], // nanos must not be negative, even in range
      ['1767225600', 1_000_000_000], // would silently add one second
      ['1767225600', 2_147_483_647],
      ['1767225600', -2_147_483_648],
      ['253402300799', 1_000_000_000], // would silently step past the end
      ['100000000000000', 0], // a Date could hold this one (year 3170843), a Timestamp cannot
    ];
    for (const [seconds, nanos] of bad) {
      const eventTime = decodedEventTime(seconds, nanos);
      expect(`${seconds}/${nanos}: ${eventTime?.getTime()}`).toBe(`${seconds}/${nanos}: NaN`);
      expect(rejection(() => requireTime(eventTime, 'event_time'))).toMatch(/^event_time: must be a valid timestamp/);
      expect(rejection(() => optionalTime(eventTime, 'queries[2].event_time'))).toMatch(/^queries\[2\]\.event_time: must be a valid timestamp/);
      expect(isValidTimestamp({ seconds, nanos })).toBe(false);
    }
  });

  it('keeps every valid Timestamp, the range ends included', () => {
    expect(decodedEventTime('-62135596800', 0)?.getTime()).toBe(MIN_TIME_MS);
    expect(decodedEventTime('253402300799', 999_999_999)?.getTime()).toBe(MAX_TIME_MS);
    expect(decodedEventTime('1767225600', 999_999_999)?.toISOString()).toBe('2026-01-01T00:00:00.999Z');
    expect(decodedEventTime('0', 0)?.getTime()).toBe(0);
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt('-62135596800'), max: BigInt('253402300799') }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanos) => {
        const eventTime = decodedEventTime(seconds.toString(), nanos);
        expect(requireTime(eventTime, 'event_time').getTime()).toBe(Number(seconds) * 1000 + Math.floor(nanos / 1e6));
      }),
      { seed: SEED, numRuns: 2_000, ...BOUNDED },
    );
  });

  it('every Date in the Timestamp range survives encode and decode exactly, before 1970 included (ts-proto sent negative nanos there)', () => {
    const roundTrip = (date: Date) => consent.CheckEligibilityRequest.decode(consent.CheckEligibilityRequest.encode(consent.CheckEligibilityRequest.fromPartial({ userId: 'u', surface: 1, purpose: 1, eventTime: date, endToEndEncrypted: false })).finish()).eventTime;
    for (const ms of [-1, -500, -1500, -999, MIN_TIME_MS, MIN_TIME_MS + 999, MAX_TIME_MS, 0, 1]) expect(roundTrip(new Date(ms))?.getTime()).toBe(ms);
    fc.assert(
      fc.property(fc.integer({ min: MIN_TIME_MS, max: MAX_TIME_MS }), (ms) => {
        expect(roundTrip(new Date(ms))?.getTime()).toBe(ms);
      }),
      { seed: SEED, numRuns: 5_000, ...BOUNDED },
    );
  });

  it('refuses invalid Dates, and applies the policy floor and the future skew when asked', () => {
    const now = new Date('2026-02-01T00:00:00Z');
    expect(rejection(() => requireTime(undefined, 'event_time'))).toBe('event_time: must be set');
    expect(optionalTime(undefined, 'event_time')).toBeUndefined();
    for (const date of [new Date(Number.NaN), new Date(8.64e15), new Date(MIN_TIME_MS - 1), new Date(MAX_TIME_MS + 1)]) {
      expect(rejection(() => requireTime(date, 'event_time'))).toMatch(/must be a valid timestamp/);
    }
    expect(rejection(() => requireTime(new Date(now.getTime() + 5 * 60_000 + 1), 'event_time', { now }))).toBe('event_time: must not be more than 5 minutes in the future');
    expect(requireTime(new Date(now.getTime() + 5 * 60_000), 'event_time', { now }).getTime()).toBe(now.getTime() + 5 * 60_000);
    expect(rejection(() => requireTime(new Date(EARLIEST_EVENT_TIME.getTime() - 1), 'event_time', { notBefore: EARLIEST_EVENT_TIME }))).toBe(
      'event_time: must not be before 2020-01-01T00:00:00.000Z',
    );
    expect(requireTime(EARLIEST_EVENT_TIME, 'event_time', { notBefore: EARLIEST_EVENT_TIME })).toBe(EARLIEST_EVENT_TIME);
  });
});
