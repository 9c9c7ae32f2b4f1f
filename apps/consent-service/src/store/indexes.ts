import type { IndexPlan } from '@signalpath/mongo';
import { COLLECTIONS } from './documents';

/**
 * Indexes of the `consent` database. `settings` is keyed by `_id` = user id (unique, and the
 * fastest lookup on both MongoDB and FerretDB), so it needs no secondary index.
 */
export const consentIndexes: IndexPlan = {
  [COLLECTIONS.history]: [
    { key: { user_id: 1, version: -1 }, name: 'user_version_unique', unique: true },
    { key: { applied: 1, change_time: 1 }, name: 'applied_change_time' },
    { key: { change_time: 1 }, name: 'change_time' },
  ],
  [COLLECTIONS.links]: [
    { key: { surface: 1, account_id: 1 }, name: 'surface_account_unique', unique: true },
    { key: { user_id: 1 }, name: 'user_id' },
  ],
  [COLLECTIONS.jobs]: [
    { key: { active_key: 1 }, name: 'active_key_unique', unique: true },
    { key: { state: 1, next_attempt_time: 1 }, name: 'state_next_attempt' },
    { key: { user_id: 1, create_time: -1 }, name: 'user_create_time' },
  ],
};
