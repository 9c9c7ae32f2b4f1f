import { startPrivateDatabase, testPort, type PrivateDatabase } from '@signalpath/testing';
import type { OutboxDoc, RecordDoc } from './store/documents';
import { outboxEntryFor } from './store/outbox-entry';
import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, startSignalHarness, TestClock, type SignalHarness } from './testing/harness';

const DAY = 86_400_000;

/**
 * Every background task of SignalService resumes by itself after a database outage (issue 12
 * §6): the outbox writer (flush and heartbeat), the deliverer, the recovery of a dead writer's
 * entries and the retention sweep. The database is a FerretDB of this file's own, stopped and
 * started again under the running service.
 */
describe('SignalService background tasks after a database outage', () => {
  let database: PrivateDatabase;
  let h: SignalHarness;
  const clock = new TestClock();
  const db = () => h.service.mongo.db;

  beforeAll(async () => {
    database = await startPrivateDatabase(testPort(27120));
    h = await startSignalHarness({
      clock,
      profileDown: true,
      mongoUri: database.uri,
      env: {
        SIGNAL_OUTBOX_HEARTBEAT: '200ms',
        SIGNAL_OUTBOX_WRITER_STALE: '1s',
        SIGNAL_OUTBOX_RECOVERY_INTERVAL: '200ms',
        SIGNAL_RETENTION: '90d',
        SIGNAL_RETENTION_SWEEP_INTERVAL: '200ms',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await database?.close();
  }, 60_000);

  async function outage(whileDown: () => Promise<void>): Promise<number> {
    await database.stop();
    try {
      await whileDown();
    } finally {
      await database.start();
    }
    return Date.now();
  }

  /** Retries a direct database step until the restarted database answers it. */
  const once = <T>(step: () => Promise<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const attempt = () =>
        step().then(resolve, (error: unknown) => (Date.now() > deadline ? reject(error) : setTimeout(attempt, 200)));
      attempt();
    });

  it('the outbox writer stores what it held and beats again, and the deliverer delivers it, after the outage', async () => {
    const accepted = await Promise.all(['writer-a', 'writer-b'].map((userId) => h.client.ingestInteraction({ interaction: interaction({ userId }, clock) })));
    await eventually(() => h.instance.outbox.pending === 0);
    // An entry still to be written when the database goes away (as if ingested just before).
    const record = await db().collection<RecordDoc>(COLLECTIONS.records).findOne({ userId: 'writer-b' });
    if (!record) throw new Error('the ingested record is missing');
    await db().collection<OutboxDoc>(COLLECTIONS.outbox).deleteOne({ _id: record._id });

    const restartedAt = await outage(async () => {
      h.instance.outbox.add([outboxEntryFor(record, clock.now())]);
      // Its flush fails while the database is away.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(h.instance.outbox.pending).toBeGreaterThan(0);
      await h.startProfile();
    });

    await eventually(() => h.instance.outbox.pending === 0, 30_000, 100);
    // The heartbeat resumed (the writer's heartbeat stamps the business clock, real time here).
    const writers = db().collection<{ _id: string; beatAt: Date }>(COLLECTIONS.writers);
    await eventually(async () => ((await writers.findOne({ _id: h.instance.outbox.writerId }).catch(() => null))?.beatAt.getTime() ?? 0) > restartedAt, 30_000, 100);
    const expected = accepted.flatMap((r) => r.signals.map((s) => s.signalId)).sort();
    await eventually(() => expected.every((id) => h.profile?.received.some((s) => s.signalId === id)), 30_000, 100);
    await eventually(async () => (await db().collection(COLLECTIONS.outbox).countDocuments({})) === 0, 30_000, 100);
  }, 120_000);

  it('outbox recovery re-queues a dead writer\'s entries found after the outage', async () => {
    await h.startProfile();
    const accepted = await h.client.ingestInteraction({ interaction: interaction({ userId: 'orphan' }, clock) });
    const signalIds = accepted.signals.map((s) => s.signalId);
    await eventually(() => signalIds.every((id) => h.profile?.received.some((s) => s.signalId === id)), 30_000, 100);
    h.profile?.received.splice(0);

    await outage(async () => undefined);
    // A writer that died with this record's entry unwritten: stale heartbeat, record in its name.
    const record = await once(() => db().collection<RecordDoc>(COLLECTIONS.records).findOne({ userId: 'orphan' }));
    if (!record) throw new Error('the ingested record is missing');
    await once(() => db().collection<RecordDoc>(COLLECTIONS.records).updateOne({ _id: record._id }, { $set: { writer: 'dead-writer' } }));
    await once(() => db().collection<{ _id: string; beatAt: Date; flushedThrough: Date }>(COLLECTIONS.writers).insertOne({ _id: 'dead-writer', beatAt: new Date(clock.ms - 60_000), flushedThrough: new Date(record.recordedAt.getTime() - 1) }));

    await eventually(() => signalIds.every((id) => h.profile?.received.some((s) => s.signalId === id)), 30_000, 100);
    await eventually(async () => (await db().collection<{ _id: string }>(COLLECTIONS.writers).countDocuments({ _id: 'dead-writer' })) === 0, 30_000, 100);
  }, 120_000);

  it('the retention sweep purges expired records again after the outage', async () => {
    await h.client.ingestInteraction({ interaction: interaction({ userId: 'expiring', eventTime: new Date(clock.ms - 89 * DAY) }) });
    await eventually(async () => (await db().collection(COLLECTIONS.records).countDocuments({ userId: 'expiring' })) === 1, 30_000, 100);
    await outage(async () => {
      // The record expires while the database is away; the sweeps in that time fail.
      clock.advance(2 * DAY);
      await new Promise((resolve) => setTimeout(resolve, 600));
    });
    await eventually(async () => (await db().collection(COLLECTIONS.records).countDocuments({ userId: 'expiring' }).catch(() => 1)) === 0, 30_000, 100);
  }, 120_000);
});
