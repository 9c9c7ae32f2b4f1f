import { status } from '@grpc/grpc-js';
import { common, profile } from '@signalpath/proto';
import { createProfileClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { createProfileService } from './server';
import { scoresOf, signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const { SURFACE_INSTAGRAM: INSTAGRAM } = common.Surface;
const ADS = common.Purpose.PURPOSE_ADS;
const CONTENT = common.Purpose.PURPOSE_CONTENT;
const Kind = profile.CorrectionKind;
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

describe('RemoveSignal: one deleted signal leaves the profile, once, and never comes back', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.clock.now = T0;
  });

  const scores = async (userId: string, purpose: common.Purpose) => scoresOf((await h.client.getProfile({ userId, surface: INSTAGRAM, purpose, limit: 0 })).interests);
  const remove = (s: profile.ProfileSignal) => h.client.removeSignal({ signal: s, actingCaller: 'settings-ui', userAsserted: true });

  it('subtracts exactly its contribution for every purpose it reached, effective on the next read, recorded once; a retry changes nothing', async () => {
    const userId = 'rs-basic';
    const deleted = signal({ userId, topicId: TOPIC.CLIMBING, weight: 0.6, eventTime: at(-2 * MINUTE) });
    const kept = signal({ userId, topicId: TOPIC.CLIMBING, weight: 0.3, eventTime: at(-MINUTE), adsEligible: false });
    const other = signal({ userId, topicId: TOPIC.TRAVEL, weight: 0.5, eventTime: at(-MINUTE) });
    await h.client.applySignals({ signals: [deleted, kept, other] });
    expect(await scores(userId, ADS)).toEqual({ [TOPIC.CLIMBING]: expect.closeTo(0.6, 4), [TOPIC.TRAVEL]: expect.closeTo(0.5, 4) });

    const first = await remove(deleted);
    expect(first.wasApplied).toBe(true);
    expect(first.correction).toMatchObject({
      kind: Kind.CORRECTION_KIND_DELETE_SIGNAL,
      signalId: deleted.signalId,
      topic: { id: TOPIC.CLIMBING, name: 'Climbing' },
      purposes: [ADS, CONTENT],
      actor: 'settings-ui',
      userAsserted: true,
    });
    // Ads: only the deleted signal counted for Climbing, so the topic is gone; content keeps the other one.
    expect(await scores(userId, ADS)).toEqual({ [TOPIC.TRAVEL]: expect.closeTo(0.5, 4) });
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.TRAVEL]: expect.closeTo(0.5, 4), [TOPIC.CLIMBING]: expect.closeTo(0.3, 4) });

    // A retry (SignalService retries until OK) neither subtracts again nor records again.
    const again = await remove(deleted);
    expect(again).toEqual(first);
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.TRAVEL]: expect.closeTo(0.5, 4), [TOPIC.CLIMBING]: expect.closeTo(0.3, 4) });
    expect((await h.client.listCorrections({ userId })).corrections).toEqual([first.correction]);
    // A redelivery of the deleted signal does not add it back.
    await h.client.applySignals({ signals: [deleted] });
    expect(await scores(userId, ADS)).toEqual({ [TOPIC.TRAVEL]: expect.closeTo(0.5, 4) });
  });

  it('a signal deleted before it was delivered is refused when the delivery arrives', async () => {
    const userId = 'rs-before-delivery';
    const pending = signal({ userId, topicId: TOPIC.SURFING });
    expect((await remove(pending)).wasApplied).toBe(false);
    await h.client.applySignals({ signals: [pending, signal({ userId, topicId: TOPIC.TRAVEL })] });
    expect(Object.keys(await scores(userId, CONTENT))).toEqual([TOPIC.TRAVEL]);
  });

  it('a delivery in flight in another replica while the signal is deleted does not add it afterwards', async () => {
    // Two ProfileService processes on one database. A's ApplySignals has claimed the signal and
    // waits for the document (held here, as a slow store or a GC pause would hold it); B deletes
    // the signal meanwhile; then A's write goes ahead.
    const a = await startTestService(createProfileService({ now: () => h.clock.now }), {
      env: { CONSENT_ADDR: '127.0.0.1:9', PROFILE_ERASURE_FENCE: '300ms' },
      dbName: h.service.mongo.db.databaseName,
      keepDatabase: true,
    });
    const clientA = createProfileClient(a.address, { timeoutMs: 20_000 });
    try {
      const userId = 'rs-in-flight';
      const raced = signal({ userId, topicId: TOPIC.SOCCER });
      await h.client.applySignals({ signals: [signal({ userId, topicId: TOPIC.TRAVEL })] });
      const service = a.instance as unknown as { profiles: { withLock<T>(u: string, s: number, w: () => Promise<T>): Promise<T> } };
      let release!: () => void;
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const lock = service.profiles.withLock(userId, INSTAGRAM, async () => {
        held();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await holding;
      const delivery = clientA.applySignals({ signals: [raced] });
      // The delivery has claimed the signal once the ledger holds it (then it waits for the lock).
      const claims = h.service.mongo.db.collection('applied_signals');
      for (let i = 0; i < 500 && !(await claims.findOne({ _id: raced.signalId as never })); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await claims.findOne({ _id: raced.signalId as never })).not.toBeNull();

      expect((await remove(raced)).wasApplied).toBe(false);
      release();
      await lock;
      await delivery;
      expect(Object.keys(await scores(userId, CONTENT))).toEqual([TOPIC.TRAVEL]);
      // Deleting again (a retry) still finds nothing to subtract: the delivery never added it.
      expect((await remove(raced)).wasApplied).toBe(false);
      expect(Object.keys(await scores(userId, CONTENT))).toEqual([TOPIC.TRAVEL]);
    } finally {
      clientA.close();
      await a.stop();
    }
  });

  it('after an erasure covering the signal, removes nothing from later evidence', async () => {
    const userId = 'rs-erased';
    const old = signal({ userId, topicId: TOPIC.COOKING, eventTime: at(-MINUTE), recordTime: at(-MINUTE) });
    await h.client.applySignals({ signals: [old] });
    await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'rs-job', cutoffTime: T0 });
    h.clock.now = at(MINUTE);
    const later = signal({ userId, topicId: TOPIC.COOKING, weight: 0.5, eventTime: at(MINUTE), recordTime: at(MINUTE) });
    await h.client.applySignals({ signals: [later] });
    await remove(old);
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.COOKING]: expect.closeTo(0.5, 4) });
  });

  it('refuses bad input naming the field', async () => {
    await expect(h.client.removeSignal({ signal: undefined, actingCaller: '', userAsserted: false })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('signal') });
    await expect(remove(signal({ topicId: 'nope' }))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('signal.topic_id') });
    await expect(remove(signal({ userId: '' }))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('signal.user_id') });
  });
});
