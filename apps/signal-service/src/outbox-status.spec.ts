import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, startSignalHarness } from './testing/harness';

/**
 * GetOutboxStatus must not under-report pending work after a SignalService is killed (issue 12
 * §5): the entries a killed instance still held in memory are pending until OutboxRecovery in
 * another instance re-queues them (about 40 s with the defaults), and must be reported as such.
 */
describe('GetOutboxStatus after an instance is killed', () => {
  it('counts what the dead instance had not queued yet as pending, before and after recovery', async () => {
    // Nothing is delivered in this test: ProfileService is down for both instances.
    const env = { SIGNAL_OUTBOX_HEARTBEAT: '200ms', SIGNAL_OUTBOX_WRITER_STALE: '1500ms', SIGNAL_OUTBOX_RECOVERY_INTERVAL: '300ms' };
    const dying = await startSignalHarness({ profileDown: true, env });
    let survivor: Awaited<ReturnType<typeof startSignalHarness>> | undefined;
    const store = dying.instance.store;
    const enqueue = store.enqueue.bind(store);
    const release: Array<() => void> = [];
    try {
      // The dying instance's outbox writes never land: its entries stay in its memory.
      store.enqueue = () => new Promise<void>((resolve) => release.push(resolve));
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => dying.client.ingestInteraction({ interaction: interaction({ userId: `status-${i % 3}` }) })));
      const accepted = responses.reduce((n, r) => n + r.signals.length, 0);
      expect(accepted).toBeGreaterThan(0);
      expect(await dying.service.mongo.db.collection(COLLECTIONS.outbox).countDocuments({})).toBe(0);

      // kill -9: no more heartbeats, no flush, no retiring of the writer.
      store.beat = async () => undefined;
      await dying.instance.deliverer.close();
      await dying.instance.recovery.close();
      // Another instance, started after the kill (its recovery must not race the test's setup).
      const other = await startSignalHarness({ profileDown: true, env, dbName: dying.service.mongo.db.databaseName, keepDatabase: true });
      survivor = other;

      // From the kill until the survivor has recovered the entries, every answer counts them all.
      const samples: number[] = [];
      const started = Date.now();
      await eventually(async () => {
        const status = await other.client.getOutboxStatus({});
        samples.push(Number(status.pendingCount));
        const recovered = (await other.service.mongo.db.collection(COLLECTIONS.outbox).countDocuments({})) === responses.length;
        return recovered && Date.now() - started > 500;
      }, 20_000);
      const after = await other.client.getOutboxStatus({});
      samples.push(Number(after.pendingCount));
      expect(samples.length).toBeGreaterThan(3);
      expect(samples.filter((n) => n !== accepted)).toEqual([]);
      expect(Number(after.oldestPendingAge?.seconds ?? 0) * 1000 + (after.oldestPendingAge?.nanos ?? 0) / 1e6).toBeGreaterThan(0);
    } finally {
      store.enqueue = enqueue;
      for (const resolve of release) resolve();
      await survivor?.stop();
      await dying.stop();
    }
  });
});

describe("an OutboxWriter's heartbeat", () => {
  it('survives its first upserts racing (FerretDB v1 lets two concurrent upserts of a new document collide)', async () => {
    const h = await startSignalHarness({ profileDown: true });
    try {
      const store = h.instance.store;
      for (let writer = 0; writer < 10; writer++) {
        const at = new Date();
        await Promise.all(Array.from({ length: 10 }, () => store.beat(`racing-writer-${writer}`, at, at)));
      }
      expect(await h.service.mongo.db.collection(COLLECTIONS.writers).countDocuments({ _id: { $regex: '^racing-writer-' } as never })).toBe(10);
    } finally {
      await h.stop();
    }
  });
});
