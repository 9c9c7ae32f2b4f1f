import { APPLIED_OPS, SIGNAL_CLAIMS } from './store/collections';
import type { AppliedOpDocument, SignalClaimDocument } from './store/ledger-store';
import { DAY_MS, signal, startHarness, T0, type Harness } from './testing/harness';

describe('ledger retention', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ PROFILE_LEDGER_RETENTION: '7d', PROFILE_LEDGER_SWEEP_INTERVAL: '50ms' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('removes ledger entries older than the retention, swept by the service itself', async () => {
    const old = signal({ userId: 'retention' });
    await h.client.applySignals({ signals: [old] });
    h.clock.now = new Date(T0.getTime() + 3 * DAY_MS);
    const recent = signal({ userId: 'retention' });
    await h.client.applySignals({ signals: [recent] });
    const ledger = h.service.mongo.db.collection<SignalClaimDocument>(SIGNAL_CLAIMS);
    const ops = h.service.mongo.db.collection<AppliedOpDocument>(APPLIED_OPS);
    const oldOp = (await ledger.findOne({ _id: old.signalId }))?.op;

    h.clock.now = new Date(T0.getTime() + 8 * DAY_MS);
    // Ends on progress; the bound only keeps a broken sweep from running the test into its timeout.
    const deadline = Date.now() + 25_000;
    while ((await ledger.findOne({ _id: old.signalId })) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ledger.findOne({ _id: old.signalId })).toBeNull();
    expect(await ops.findOne({ _id: oldOp })).toBeNull();
    const recentOp = (await ledger.findOne({ _id: recent.signalId }))?.op;
    expect(await ops.findOne({ _id: recentOp })).not.toBeNull();
  });
});

