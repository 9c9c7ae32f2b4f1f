import { ERASURE_MARKER_INDEXES } from '@signalpath/erasure';
import type { IndexPlan } from '@signalpath/mongo';

/** This service's collections (database `profile`). */
export const PROFILES = 'profiles';
/** The applied-signal ledger: one claim per signal id. */
export const SIGNAL_CLAIMS = 'applied_signals';
/** One record per profile write that applied a group of claimed signals. */
export const APPLIED_OPS = 'applied_ops';
/** The right to write the next version of a profile or corrections document, across processes (versioned-writes.ts). */
export const WRITE_TOKENS = 'write_tokens';
/** One document per user (`_id` = user id): removed interests, "not interested" items, history. */
export const CORRECTIONS = 'corrections';

/**
 * Hot paths (ApplySignals, GetProfile, ExplainInterest, Export) only insert documents and read
 * them by _id, the two operations FerretDB v1 serves in O(1): it pushes no other filter down to
 * SQLite, and its updates and deletes scan the whole collection even when filtered by _id
 * (measured: ~33 ms per updateOne at 20k documents). These secondary indexes serve the cold
 * paths on MongoDB: erasure by user and the retention sweep.
 */
export const profileIndexes: IndexPlan = {
  [PROFILES]: [{ key: { user_id: 1 }, name: 'user' }],
  [WRITE_TOKENS]: [{ key: { doc: 1, version: 1 }, name: 'doc_version' }],
  [SIGNAL_CLAIMS]: [
    { key: { user_id: 1, source_kind: 1 }, name: 'user_source_kind' },
    { key: { create_time: 1 }, name: 'create_time' },
  ],
  [APPLIED_OPS]: [
    { key: { user_id: 1 }, name: 'user' },
    { key: { create_time: 1 }, name: 'create_time' },
  ],
  ...ERASURE_MARKER_INDEXES,
};
