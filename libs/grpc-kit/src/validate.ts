import { InvalidArgumentError } from './errors';

/**
 * Request validation helpers. Each throws InvalidArgumentError naming the field in proto
 * (snake_case) form, which `unary()` answers as INVALID_ARGUMENT.
 */

export function requireString(value: string | undefined, field: string, options: { maxLength?: number } = {}): string {
  if (value === undefined || value.trim().length === 0) throw new InvalidArgumentError(field, 'must not be empty');
  const maxLength = options.maxLength ?? 256;
  if (Buffer.byteLength(value, 'utf8') > maxLength) throw new InvalidArgumentError(field, `must be at most ${maxLength} bytes`);
  return value;
}

/** An id: non-empty, at most 128 bytes, no control characters. */
export function requireId(value: string | undefined, field: string): string {
  const id = requireString(value, field, { maxLength: 128 });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) throw new InvalidArgumentError(field, 'must not contain control characters');
  return id;
}

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
  return value >= 0 && typeof enumObject[value] === 'string' && enumObject[value] !== 'UNRECOGNIZED';
}

export function requireTime(value: Date | undefined, field: string): Date {
  if (value === undefined || Number.isNaN(value.getTime())) throw new InvalidArgumentError(field, 'must be set');
  return value;
}

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

/** Opaque page tokens: base64url JSON, rejected as INVALID_ARGUMENT when tampered with. */
export function encodePageToken(cursor: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodePageToken<T extends Record<string, string | number>>(token: string | undefined, field: string, keys: (keyof T)[]): T | undefined {
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
    if (typeof parsed !== 'object' || parsed === null || keys.some((key) => !(key in parsed))) throw new Error('shape');
    return parsed;
  } catch {
    throw new InvalidArgumentError(field, 'is not a valid page token');
  }
}
