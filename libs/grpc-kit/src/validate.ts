import { InvalidArgumentError } from './errors';

/**
 * Request validation helpers. Each throws InvalidArgumentError naming the field in proto
 * (snake_case) form, which `unary()` answers as INVALID_ARGUMENT. Messages never quote what the
 * caller sent: they name the field and, for a bad character, its code point (U+202E), so raw
 * control or bidi characters never reach an error message or a log line.
 */

export function requireString(value: string | undefined, field: string, options: { maxLength?: number } = {}): string {
  if (value === undefined || value.trim().length === 0) throw new InvalidArgumentError(field, 'must not be empty');
  const maxLength = options.maxLength ?? 256;
  if (Buffer.byteLength(value, 'utf8') > maxLength) throw new InvalidArgumentError(field, `must be at most ${maxLength} bytes`);
  return value;
}

// ---- Ids -----------------------------------------------------------------------------------------

/** The longest id, in bytes of UTF-8. */
export const MAX_ID_BYTES = 128;

/**
 * The one id grammar of Signalpath, for every user, interaction, activity, signal, item,
 * advertiser, account and job id of every request (docs/api.md, "Ids"):
 * - 1 to 128 bytes of UTF-8;
 * - only letters, marks, numbers, punctuation and symbols (Unicode general categories L, M, N, P,
 *   S) and the ASCII space U+0020 — so no control characters (C0, DEL, C1), no format characters
 *   (Cf: bidi controls U+202A–202E, U+2066–2069, U+200E/200F, U+061C, zero-width U+200B–200D,
 *   U+2060, U+FEFF, soft hyphen U+00AD), no line or paragraph separators (U+2028/2029), no other
 *   spaces (U+00A0, U+3000, …), no surrogates, private-use or unassigned code points;
 * - no default-ignorable code point (invisible even where its category is a letter or mark:
 *   U+3164 Hangul filler, U+034F, variation selectors) and no U+FFFD (what invalid UTF-8 decodes to);
 * - no space at either end, and not starting with a combining mark;
 * - in Unicode Normalization Form C, so one visible id is one byte string (refused, never
 *   normalized silently: an id is an opaque key).
 * Printable ASCII without surrounding spaces, the common case, is accepted by one regex test.
 */
const PLAIN_ASCII_ID = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const ID_CHARACTER = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const STARTS_WITH_MARK = /^\p{M}/u;

function isIdCodePoint(codePoint: number): boolean {
  const character = String.fromCodePoint(codePoint);
  return codePoint !== 0xfffd && ID_CHARACTER.test(character) && !INVISIBLE.test(character);
}

/**
 * Unicode property regexes cost about 1.5 µs per short id in V8, too much for Rank's 5,000
 * candidates, so the BMP is answered from a table, built 256 code points at a time on first use
 * (about 0.3 ms per block); supplementary code points (emoji, rare scripts) ask the regexes.
 */
const bmpBlocks: Array<Uint8Array | undefined> = new Array(256);
function isAllowedBmpUnit(unit: number): boolean {
  const index = unit >> 8;
  let block = bmpBlocks[index];
  if (!block) {
    block = new Uint8Array(256);
    for (let low = 0; low < 256; low++) block[low] = isIdCodePoint((index << 8) | low) ? 1 : 0;
    bmpBlocks[index] = block;
  }
  return block[unit & 0xff] === 1;
}

/** The first code point of `id` the grammar forbids (a lone surrogate counts as one), if any. */
function firstForbiddenCodePoint(id: string): number | undefined {
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) {
      if (!isAllowedBmpUnit(unit)) return unit;
      continue;
    }
    const codePoint = id.codePointAt(i) as number;
    if (codePoint <= 0xffff || !isIdCodePoint(codePoint)) return codePoint;
    i++; // the low half of the pair
  }
  return undefined;
}

/** `U+202E`: how a rejected character is named (never the character itself). */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What is wrong with `id` under the id grammar, or undefined when it is a valid id. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty';
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) return `must be at most ${MAX_ID_BYTES} bytes`;
  if (PLAIN_ASCII_ID.test(id)) return undefined;
  const forbidden = firstForbiddenCodePoint(id);
  if (forbidden !== undefined) {
    return `must not contain ${codePointName(forbidden)} (only letters, marks, numbers, punctuation, symbols and inner spaces are allowed)`;
  }
  if (id.startsWith(' ') || id.endsWith(' ')) return 'must not begin or end with a space';
  if (STARTS_WITH_MARK.test(id)) return 'must not begin with a combining mark';
  if (id.normalize('NFC') !== id) return 'must be in Unicode Normalization Form C (NFC)';
  return undefined;
}

export function isValidId(id: string): boolean {
  return idProblem(id) === undefined;
}

/** A required id (see the grammar above). */
export function requireId(value: string | undefined, field: string): string {
  const problem = idProblem(value ?? '');
  if (problem) throw new InvalidArgumentError(field, problem);
  return value as string;
}

/** An optional id: empty means unset (returned as undefined); anything else must be a valid id. */
export function optionalId(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  return requireId(value, field);
}

// ---- Enums ---------------------------------------------------------------------------------------

/**
 * A known, specified value of a ts-proto enum: rejects 0 (`*_UNSPECIFIED`), -1 (`UNRECOGNIZED`)
 * and numbers the enum does not define.
 */
export function requireEnum<E extends Record<string, string | number>>(value: number | undefined, enumObject: E, field: string): E[keyof E] {
  if (value === undefined || value === 0) throw new InvalidArgumentError(field, 'must be specified');
  if (!isKnownEnumValue(value, enumObject)) throw new InvalidArgumentError(field, `unknown value ${value}`);
  return value as E[keyof E];
}

/** Like requireEnum but 0 (unspecified) is allowed and returned as undefined. */
export function optionalEnum<E extends Record<string, string | number>>(value: number | undefined, enumObject: E, field: string): E[keyof E] | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!isKnownEnumValue(value, enumObject)) throw new InvalidArgumentError(field, `unknown value ${value}`);
  return value as E[keyof E];
}

function isKnownEnumValue(value: number, enumObject: Record<string, string | number>): boolean {
  // An own property only: the enum object's prototype is never consulted.
  return Number.isInteger(value) && value >= 0 && Object.hasOwn(enumObject, value) && typeof enumObject[value] === 'string' && enumObject[value] !== 'UNRECOGNIZED';
}

// ---- Times ---------------------------------------------------------------------------------------

/**
 * The range google.protobuf.Timestamp defines: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z
 * (as epoch milliseconds; a Date cannot hold the nanoseconds). @signalpath/proto decodes a wire
 * Timestamp outside this range, or with nanos outside 0..999,999,999, as an invalid Date, so every
 * such value is refused here whatever the conversion would have made of it.
 */
export const MIN_TIME_MS = -62_135_596_800_000;
export const MAX_TIME_MS = 253_402_300_799_999;

/** How far ahead of this server's clock a caller's event time may be (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The earliest event time any Signalpath policy can use: ConsentService refuses an effective date
 * before it, so nothing that happened earlier may ever be used, and a signal claiming an earlier
 * time is refused outright (ProfileService.ApplySignals).
 */
export const EARLIEST_EVENT_TIME = new Date('2020-01-01T00:00:00Z');

export interface TimeBounds {
  /** Refuse times strictly before this. */
  notBefore?: Date;
  /** The server's clock, for an event time: refuse times more than MAX_FUTURE_SKEW_MS after it. */
  now?: Date;
}

/** True for a Date holding a finite time within the Timestamp range. */
export function isValidTime(value: unknown): value is Date {
  if (!(value instanceof Date)) return false;
  const ms = value.getTime();
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}

/** A required time: set, a valid Timestamp, and within `bounds`. */
export function requireTime(value: Date | undefined, field: string, bounds: TimeBounds = {}): Date {
  if (value === undefined) throw new InvalidArgumentError(field, 'must be set');
  return checkTime(value, field, bounds);
}

/** An optional time: unset stays undefined; a set one must be valid and within `bounds`. */
export function optionalTime(value: Date | undefined, field: string, bounds: TimeBounds = {}): Date | undefined {
  return value === undefined ? undefined : checkTime(value, field, bounds);
}

function checkTime(value: Date, field: string, bounds: TimeBounds): Date {
  if (!isValidTime(value)) {
    throw new InvalidArgumentError(field, 'must be a valid timestamp (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, nanos 0 to 999,999,999)');
  }
  if (bounds.notBefore && value.getTime() < bounds.notBefore.getTime()) throw new InvalidArgumentError(field, `must not be before ${bounds.notBefore.toISOString()}`);
  if (bounds.now && value.getTime() > bounds.now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new InvalidArgumentError(field, `must not be more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`);
  }
  return value;
}

// ---- Lists and pages -----------------------------------------------------------------------------

export function maxItems<T>(items: readonly T[], field: string, max: number): readonly T[] {
  if (items.length > max) throw new InvalidArgumentError(field, `must have at most ${max} items (got ${items.length})`);
  return items;
}

export function nonEmpty<T>(items: readonly T[], field: string): readonly T[] {
  if (items.length === 0) throw new InvalidArgumentError(field, 'must not be empty');
  return items;
}

/** page_size: 0 → default; negative or over max → INVALID_ARGUMENT. */
export function pageSize(value: number | undefined, field: string, options: { defaultSize: number; max: number }): number {
  if (value === undefined || value === 0) return options.defaultSize;
  if (!Number.isInteger(value) || value < 0 || value > options.max) {
    throw new InvalidArgumentError(field, `must be between 0 and ${options.max}`);
  }
  return value;
}

/**
 * A count the API documents as "negative refused, 0 the default, above the maximum clamped"
 * (page_size of the List calls, limit): the services' one reading of it.
 */
export function clampedCount(value: number | undefined, field: string, options: { defaultSize: number; max: number }): number {
  if (value === undefined || value === 0) return options.defaultSize;
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(field, 'must not be negative');
  return Math.min(value, options.max);
}

/** Opaque page tokens: base64url JSON, rejected as INVALID_ARGUMENT when tampered with. */
export function encodePageToken(cursor: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodePageToken<T extends Record<string, string | number>>(token: string | undefined, field: string, keys: (keyof T)[]): T | undefined {
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
    // Own properties only: a cursor's keys are never looked up on Object.prototype.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || keys.some((key) => !Object.hasOwn(parsed, key))) throw new Error('shape');
    return parsed;
  } catch {
    throw new InvalidArgumentError(field, 'is not a valid page token');
  }
}
