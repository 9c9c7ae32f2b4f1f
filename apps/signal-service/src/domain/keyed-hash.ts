import { createHash, createHmac } from 'node:crypto';

/** What a ledger key identifies: an assistant interaction or a traditional activity. */
export type RecordKind = 'interaction' | 'activity';

/**
 * Keyed hashes (HMAC-SHA-256) for everything SignalService stores about a caller's ids and
 * content. The ledger holds only these: an interaction id or a message cannot be recovered or
 * confirmed by guessing without the secret. Each use has its own label so equal inputs of
 * different kinds never collide.
 */
export class KeyedHasher {
  constructor(private readonly secret: string) {}

  private hmac(label: string, parts: readonly string[]): Buffer {
    const mac = createHmac('sha256', this.secret).update(label);
    // Length-prefixed parts: ["ab", "c"] and ["a", "bc"] hash differently.
    for (const part of parts) mac.update(`\u0000${Buffer.byteLength(part, 'utf8')}:`).update(part);
    return mac.digest();
  }

  /** The idempotency key of an interaction or activity id; also stored on its signals. */
  recordKey(kind: RecordKind, callerId: string): string {
    return this.hmac(`ledger/${kind}`, [callerId]).toString('base64url');
  }

  /**
   * A fingerprint of everything that defines the content, so a reused id with other content is
   * told apart. Stored for activities only (their content is ids the caller gave); for an
   * interaction it is compared within one call and never stored (docs/erasure.md).
   */
  fingerprint(kind: RecordKind, fields: readonly string[]): string {
    return this.hmac(`fingerprint/${kind}`, fields).toString('base64url');
  }

  /** The id of an end-to-end-encrypted interaction's counter document: its record key, keyed again. */
  e2eKey(recordKey: string): string {
    return this.hmac('e2e', [recordKey]).toString('base64url');
  }

  /** Deterministic signal id: the same record and topic always give the same id (ProfileService dedupes on it). */
  signalId(recordKey: string, topicId: string): string {
    return this.hmac('signal', [recordKey, topicId]).subarray(0, 18).toString('base64url');
  }
}

/** SHA-256 of a text, so the fingerprint input never holds the text itself for longer than a call. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
