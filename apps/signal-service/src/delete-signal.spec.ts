import { status } from '@grpc/grpc-js';
import { UnavailableError } from '@signalpath/grpc-kit';
import { common } from '@signalpath/proto';

import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, settled, startSignalHarness, TestClock, type SignalHarness } from './testing/harness';

const DAY = 86_400_000;

describe('DeleteSignal (real database, fake ProfileService)', () => {
  let h: SignalHarness;
  const clock = new TestClock();
  beforeAll(async () => {
    h = await startSignalHarness({ clock, env: { SIGNAL_RETENTION: '60d', SIGNAL_RETENTION_SWEEP_INTERVAL: '1h' } });
  });
  afterAll(async () => h.stop());

  const profile = () => {
    if (!h.profile) throw new Error('the fake ProfileService is not running');
    return h.profile;
  };
  const list = async (userId: string) => (await h.client.listSignals({ userId, pageSize: 0, pageToken: '' })).signals;
  const deletions = () => h.service.mongo.db.collection(COLLECTIONS.deletions);

  it('finishes a deletion whose ProfileService call failed when retried, and answers the same every time', async () => {
    const userId = 'ds-retry';
    const original = interaction({ userId }, clock);
    const ingested = await h.client.ingestInteraction({ interaction: original });
    await settled(h);
    const [victim, ...others] = ingested.signals;
    expect(others.length).toBeGreaterThan(0);

    profile().refuseRemove = () => new UnavailableError('down for the test');
    await expect(h.client.deleteSignal({ userId, signalId: victim.signalId })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    // Recorded, not yet done: still listed (ProfileService has not confirmed).
    expect(await deletions().findOne({ _id: victim.signalId as never })).toMatchObject({ userId, done: false });
    expect((await list(userId)).map((s) => s.signalId)).toContain(victim.signalId);
    profile().refuseRemove = undefined;

    const first = await h.client.deleteSignal({ userId, signalId: victim.signalId });
    expect(first).toMatchObject({ deleted: true, signal: { signalId: victim.signalId, topic: victim.topic, weight: victim.weight, surface: common.Surface.SURFACE_MESSENGER } });
    expect(profile().removed.at(-1)).toMatchObject({ signal: { signalId: victim.signalId, userId, topicId: victim.topic?.id, weight: victim.weight, adsEligible: victim.adsEligible, contentEligible: victim.contentEligible } });
    expect((await list(userId)).map((s) => s.signalId).sort()).toEqual(others.map((s) => s.signalId).sort());
    expect(await h.client.deleteSignal({ userId, signalId: victim.signalId })).toEqual(first);
    // Deleting every signal of a record leaves the record (the ingest's idempotency key) listing nothing.
    for (const other of others) await h.client.deleteSignal({ userId, signalId: other.signalId });
    expect(await list(userId)).toEqual([]);
    // A retry of the ingest brings nothing back.
    const again = await h.client.ingestInteraction({ interaction: original });
    expect(again.signals).toEqual([]);
    expect(await list(userId)).toEqual([]);
  });

  it('takes the signal out of an entry still waiting in the outbox', async () => {
    const userId = 'ds-outbox';
    profile().gate = new Promise(() => undefined); // deliveries hang: entries stay pending
    try {
      const ingested = await h.client.recordActivity({ activityId: 'ds-like', userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['216', '653'], eventTime: new Date(clock.ms - 60_000) });
      const cooking = ingested.signals.find((s) => s.topic?.id === '216');
      const outbox = h.service.mongo.db.collection(COLLECTIONS.outbox);
      await eventually(async () => (await outbox.countDocuments({ userId })) > 0);
      await h.client.deleteSignal({ userId, signalId: cooking?.signalId ?? '' });
      const entries = await outbox.find({ userId }).toArray();
      expect(entries).toHaveLength(1);
      expect(JSON.stringify(entries[0])).not.toContain(cooking?.signalId ?? 'none');
    } finally {
      profile().gate = undefined;
    }
  });

  it('erasure removes deletion records; retention purges them with their signal', async () => {
    const erased = 'ds-erased';
    const ingested = await h.client.ingestInteraction({ interaction: interaction({ userId: erased }, clock) });
    await settled(h);
    await h.client.deleteSignal({ userId: erased, signalId: ingested.signals[0].signalId });
    expect(await deletions().countDocuments({ userId: erased })).toBe(1);
    await h.userData.deleteUserData({ userId: erased, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'ds-job', cutoffTime: new Date(clock.ms) });
    expect(await deletions().countDocuments({ userId: erased })).toBe(0);
    await expect(h.client.deleteSignal({ userId: erased, signalId: ingested.signals[0].signalId })).rejects.toMatchObject({ code: status.NOT_FOUND });

    const old = 'ds-old';
    const oldIngest = await h.client.ingestInteraction({ interaction: interaction({ userId: old }, clock) });
    await settled(h);
    await h.client.deleteSignal({ userId: old, signalId: oldIngest.signals[0].signalId });
    clock.advance(61 * DAY);
    expect((await h.instance.sweeper.sweep()).deletions).toBeGreaterThanOrEqual(1);
    expect(await deletions().countDocuments({ userId: old })).toBe(0);
  });
});
