import { startPrivateDatabase, testPort, type PrivateDatabase } from '@signalpath/testing';
import { SIGNAL_CLAIMS } from './store/collections';
import type { SignalClaimDocument } from './store/ledger-store';
import { DAY_MS, signal, startHarness, T0, type Harness } from './testing/harness';

/**
 * ProfileService's background task, the ledger retention sweep, resumes by itself after a
 * database outage (issue 12 §6). The database is a FerretDB of this file's own.
 */
describe('ProfileService ledger retention after a database outage', () => {
  let database: PrivateDatabase;
  let h: Harness;
  beforeAll(async () => {
    database = await startPrivateDatabase(testPort(27121));
    h = await startHarness({ PROFILE_LEDGER_RETENTION: '7d', PROFILE_LEDGER_SWEEP_INTERVAL: '100ms' }, { mongoUri: database.uri });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await database?.close();
  }, 60_000);

  it('removes entries that expired while the database was away once it is back', async () => {
    const old = signal({ userId: 'retention-outage' });
    await h.client.applySignals({ signals: [old] });
    const ledger = h.service.mongo.db.collection<SignalClaimDocument>(SIGNAL_CLAIMS);
    expect(await ledger.findOne({ _id: old.signalId })).not.toBeNull();

    await database.stop();
    try {
      // The entry expires during the outage; the sweeps in that time fail.
      h.clock.now = new Date(T0.getTime() + 8 * DAY_MS);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await database.start();
    }
    const deadline = Date.now() + 30_000;
    while ((await ledger.findOne({ _id: old.signalId }).catch(() => 'unreachable')) !== null) {
      if (Date.now() > deadline) throw new Error('the expired ledger entry was not removed within 30 s of the database coming back');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
});
