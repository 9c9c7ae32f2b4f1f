import { sign, type KeyObject } from 'node:crypto';

/** Tests only: a token of arbitrary segment bytes, signed with `key` over exactly those bytes. */
export function signedSegments(header: Buffer | string, payload: Buffer | string, key: KeyObject): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** Tests only: `value`, which the test set up to exist. */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} missing`);
  return value;
}
