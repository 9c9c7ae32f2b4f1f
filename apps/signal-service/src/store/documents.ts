import type { common, signal } from '@signalpath/proto';
import type { RecordKind } from '../domain/keyed-hash';

/**
 * The signal database. Nothing here ever holds conversation text or anything computed from it
 * other than the signals themselves (DESIGN.md invariant 10; every field is listed with the
 * reason it cannot reveal the text in docs/erasure.md): ids are keyed hashes, and a record of a
 * skipped interaction keeps neither topics nor the sensitive classes found in it.
 */

/** One stored signal, inside the record of the interaction or activity that produced it. */
export interface StoredSignal {
  /** Deterministic: keyed hash of the record key and the topic id. */
  signalId: string;
  topicId: string;
  weight: number;
  adsEligible: boolean;
  contentEligible: boolean;
}

/** Where a record's signals came from; set on accepted records only. */
export interface SignalOrigin {
  surface: common.Surface;
  sourceKind: common.SourceKind;
  modality: common.Modality;
  eventTime: Date;
}

/**
 * `records`: the ingestion ledger and the signals in one document per interaction or activity, so
 * "this id was processed, with this result" and "these signals exist" are one atomic insert. The
 * unique `_id` is the idempotency key.
 */
export interface RecordDoc extends Partial<SignalOrigin> {
  /** Keyed hash of the kind and the caller's id; also every signal's "interaction hash". */
  _id: string;
  kind: RecordKind;
  userId: string;
  /**
   * Activities only: keyed hash of the caller-given content (user, surface, kind, time, topic
   * ids), so a reused id with other content is ALREADY_EXISTS. Interactions keep nothing derived
   * from their text: a guess could confirm it. (Records written before this rule may still carry
   * one until the service's start-up pass removes it.)
   */
  fingerprint?: string;
  status: signal.IngestStatus.INGEST_STATUS_ACCEPTED | signal.IngestStatus.INGEST_STATUS_SKIPPED;
  skipReason: signal.SkipReason;
  /** Whether extraction ran (consent allowed it), so a DUPLICATE can recompute the suppressed classes. */
  analyzed: boolean;
  recordedAt: Date;
  /** Empty when skipped. */
  signals: StoredSignal[];
  /** The OutboxWriter that queues this record's outbox entry (accepted records only). */
  writer?: string;
}

/**
 * `outbox`: an accepted record's signals waiting for ProfileService. It holds only the backlog
 * (entries are removed on delivery), so claiming stays cheap even where every query scans.
 */
export interface OutboxDoc extends SignalOrigin {
  /** The record key. */
  _id: string;
  userId: string;
  signals: StoredSignal[];
  /** When its record was stored (erasure cut-offs compare it; sent on as record_time). */
  recordedAt?: Date;
  createdAt: Date;
  /** Not claimable before this time: a lease held by a deliverer, or a retry backoff. */
  availableAt: Date;
  attempts: number;
  leaseToken?: string;
  /** W3C trace context of the ingest request (ids only), continued by the delivery. */
  traceparent?: string;
}

/**
 * `outbox_claims`: who is delivering an outbox entry. A claim is an insert of the entry's next
 * claim number, unique on `_id`: the one atomic step every supported store guarantees (FerretDB v1
 * does not make conditional updates atomic), so of two instances racing for an entry one wins.
 */
export interface ClaimDoc {
  /** `<entry id>#<claim number>`. */
  _id: string;
  entryId: string;
  /** The entry's user and source kind, so an erasure removes the user's claims too. */
  userId?: string;
  sourceKind?: common.SourceKind;
  seq: number;
  token: string;
  leaseUntil: Date;
}

/** `outbox_delivered`: which entries were delivered and when; purged with the retention window. */
export interface DeliveredDoc {
  _id: string;
  userId: string;
  sourceKind: common.SourceKind;
  signalCount: number;
  deliveredAt: Date;
}

/** `outbox_writers`: one heartbeat per live OutboxWriter (see OutboxWriter). */
export interface WriterDoc {
  _id: string;
  beatAt: Date;
  /** Every record this writer inserted before this time has its outbox entry stored. */
  flushedThrough: Date;
}

/**
 * `e2e_skips`: one document per end-to-end-encrypted interaction skipped, and nothing about the
 * message: `_id` is a keyed hash of the interaction id (so a replay counts once, and two
 * concurrent increments cannot lose one: unique inserts are atomic where `$inc` is not on
 * FerretDB v1), `userId` whose counter it is. The counter is the number of a user's documents.
 */
export interface E2eSkipDoc {
  _id: string;
  userId: string;
}

/** The per-user counter document written before one document per interaction was kept. */
export interface LegacyE2eSkipCounterDoc {
  _id: string;
  count: number;
}

/**
 * `signal_deletions`: a signal the user deleted (DeleteSignal), kept so a retry finishes the same
 * deletion and answers the same. Recorded before ProfileService is asked, so a deletion whose
 * call failed is finished by the retry even though the record no longer lists the signal. Erased
 * with the user's data.
 */
export interface SignalDeletionDoc extends SignalOrigin {
  /** The signal id. */
  _id: string;
  userId: string;
  /** The record that held it. */
  recordKey: string;
  signal: StoredSignal;
  recordedAt: Date;
  /** When the deletion was first asked for. */
  deleteTime: Date;
  /** ProfileService confirmed and the signal left the record and the outbox. */
  done: boolean;
}
