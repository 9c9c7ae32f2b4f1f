import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, startSignalHarness, TestClock, type SignalHarness } from './testing/harness';

const DAY = 86_400_000;

describe('retention', () => {
  let h: SignalHarness;
  const clock = new TestClock();
  beforeAll(async () => {
    h = await startSignalHarness({ clock, env: { SIGNAL_RETENTION: '90d', SIGNAL_RETENTION_SWEEP_INTERVAL: '50ms' } });
  });
  afterAll(async () => h.stop());

  it('purges signals older than the window on schedule, keeps newer ones, and purges delivered-entry logs with them', async () => {
    const old = await h.client.ingestInteraction({ interaction: interaction({ userId: 'retention-user', eventTime: new Date(clock.ms - 30 * DAY) }) });
    const recent = await h.client.ingestInteraction({ interaction: interaction({ userId: 'retention-user', eventTime: new Date(clock.ms - 1 * DAY) }) });
    expect(old.signals.length).toBeGreaterThan(0);
    expect(recent.signals.length).toBeGreaterThan(0);
    await eventually(async () => (await h.client.getOutboxStatus({})).deliveredCount === '2');
    const list = async () => (await h.client.listSignals({ userId: 'retention-user', pageSize: 0, pageToken: '' })).signals.map((s) => s.signalId).sort();
    expect(await list()).toEqual([...old.signals, ...recent.signals].map((s) => s.signalId).sort());

    // 61 days later the 30-day-old event is 91 days old: gone; the other (62 days) stays.
    clock.advance(61 * DAY);
    await eventually(async () => (await list()).length === recent.signals.length);
    expect(await list()).toEqual(recent.signals.map((s) => s.signalId).sort());

    // Past the window for everything: records, and the delivery log, are empty.
    clock.advance(30 * DAY);
    await eventually(async () => (await h.service.mongo.db.collection(COLLECTIONS.records).countDocuments({ userId: 'retention-user' })) === 0);
    await eventually(async () => (await h.client.getOutboxStatus({})).deliveredCount === '0');
  });

  it('does not deliver an outbox entry whose events expired before delivery', async () => {
    await h.instance.deliverer.close();
    await h.client.ingestInteraction({ interaction: interaction({ userId: 'expired-pending', eventTime: new Date(clock.ms - 89 * DAY) }) });
    await eventually(() => h.instance.outbox.pending === 0);
    expect((await h.client.getOutboxStatus({})).pendingCount).not.toBe('0');
    clock.advance(2 * DAY);
    await eventually(async () => (await h.client.getOutboxStatus({})).pendingCount === '0');
    const rounds = h.instance.deliverer.rounds;
    h.instance.deliverer.start();
    // A full round ran after the restart (not a fixed wait): had the entry been due, it was sent.
    await eventually(() => h.instance.deliverer.rounds >= rounds + 2);
    expect(h.profile?.received.some((s) => s.userId === 'expired-pending')).toBe(false);
  });

  it('rejects an event more than 5 minutes ahead of the (injected) clock', async () => {
    await expect(h.client.ingestInteraction({ interaction: interaction({ eventTime: new Date(clock.ms + 6 * 60_000) }) })).rejects.toMatchObject({ details: expect.stringMatching(/^interaction\.event_time:/) });
    const ok = await h.client.ingestInteraction({ interaction: interaction({ eventTime: new Date(clock.ms + 4 * 60_000) }) });
    expect(ok.status).toBeGreaterThan(0);
  });
});
