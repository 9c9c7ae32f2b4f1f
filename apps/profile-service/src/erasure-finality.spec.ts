import { common, type profile } from '@signalpath/proto';
import { createProfileClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { createProfileService, type ProfileServiceInstance } from './server';
import { APPLIED_OPS, PROFILES, SIGNAL_CLAIMS } from './store/collections';
import { signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const { SURFACE_MESSENGER: MESSENGER } = common.Surface;
const { SOURCE_KIND_PAGE_LIKE: PAGE_LIKE } = common.SourceKind;
const { ERASURE_SCOPE_AI_CHAT, ERASURE_SCOPE_ALL } = common.ErasureScope;
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
// Fence 400 ms: a call that writes more than 200 ms after its marker check re-checks.
const ENV = { PROFILE_ERASURE_FENCE: '400ms', CONSENT_ADDR: '127.0.0.1:9' };

/**
 * DESIGN.md invariant 7 on ProfileService: once DeleteUserData confirms (user, scope), nothing
 * recorded, or about an event, before the cut-off is applied for the user again — not a late
 * redelivery, not a batch already in flight when the erasure ran (docs/erasure.md).
 */
describe('ProfileService erasure is final', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(ENV);
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Every document of the profile database that mentions the user (markers hold only a hash). */
  const mentions = async (userId: string) => {
    const found: string[] = [];
    for (const name of [PROFILES, SIGNAL_CLAIMS, APPLIED_OPS]) {
      for (const doc of await h.service.mongo.db.collection(name).find({}).toArray()) if (JSON.stringify(doc).includes(userId)) found.push(`${name} ${JSON.stringify(doc)}`);
    }
    return found;
  };
  const erase = (userId: string, scope: common.ErasureScope, cutoffTime: Date) => h.client.deleteUserData({ userId, scope, erasureJobId: `job-${userId}-${scope}`, cutoffTime });

  it('refuses signals about events, or recorded, before an ALL cut-off, and applies later ones', async () => {
    const userId = 'final-all';
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE), recordTime: at(-MINUTE) })] });
    await erase(userId, ERASURE_SCOPE_ALL, T0);
    expect(await mentions(userId)).toEqual([]);

    const late: profile.ProfileSignal[] = [
      signal({ userId, eventTime: at(-MINUTE), recordTime: at(MINUTE) }), // an old event ingested after the erasure
      signal({ userId, eventTime: at(MINUTE), recordTime: at(-1) }), // recorded before the cut-off (future event time)
      signal({ userId, sourceKind: PAGE_LIKE, surface: MESSENGER, eventTime: at(-MINUTE), recordTime: at(-MINUTE) }),
      signal({ userId, eventTime: at(MINUTE), recordTime: undefined }), // no record time: fail closed
    ];
    expect(await h.client.applySignals({ signals: late })).toEqual({ appliedCount: 0, duplicateCount: 4 });
    expect(await mentions(userId)).toEqual([]);

    const fresh = signal({ userId, topicId: TOPIC.TRAVEL, eventTime: at(MINUTE), recordTime: at(MINUTE) });
    expect(await h.client.applySignals({ signals: [fresh] })).toEqual({ appliedCount: 1, duplicateCount: 0 });
    const exported = await h.client.exportUserData({ userId });
    expect(exported.profiles.flatMap((p) => p.interests.map((i) => i.topic?.id))).toEqual([TOPIC.TRAVEL]);
  });

  it('an AI_CHAT cut-off refuses AI-chat signals only', async () => {
    const userId = 'final-ai';
    await erase(userId, ERASURE_SCOPE_AI_CHAT, T0);
    const outcome = await h.client.applySignals({
      signals: [signal({ userId, eventTime: at(-MINUTE) }), signal({ userId, sourceKind: PAGE_LIKE, topicId: TOPIC.COOKING, eventTime: at(-MINUTE), recordTime: at(-MINUTE) })],
    });
    expect(outcome).toEqual({ appliedCount: 1, duplicateCount: 1 });
    const exported = await h.client.exportUserData({ userId });
    expect(exported.appliedSignals.map((s) => s.sourceKind)).toEqual([PAGE_LIKE]);
    // Without a record time a signal is refused only for a user with an erasure in its scope.
    expect((await h.client.applySignals({ signals: [signal({ userId: 'never-erased', recordTime: undefined })] })).appliedCount).toBe(1);
  });

  it('a batch in flight in one process does not bring back what another process erased', async () => {
    // Two ProfileService processes on one database: A applies, B erases. A has claimed the signal
    // (before the erasure existed) and is held just before its profile write, as a slow store
    // or a GC pause would hold it; B's erasure runs and confirms meanwhile.
    const a = await startTestService(createProfileService({ now: () => T0 }), { env: { ...ENV, PROFILE_APPLY_LEASE: '30s' }, dbName: h.service.mongo.db.databaseName, keepDatabase: true });
    const clientA = createProfileClient(a.address, { timeoutMs: 10_000 });
    try {
      const userId = 'final-in-flight';
      const inFlight = signal({ userId, eventTime: at(-MINUTE), recordTime: at(-MINUTE) });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const locked = (a.instance as ProfileServiceInstance).profiles.withLock(userId, inFlight.surface, () => held);
      const delivery = clientA.applySignals({ signals: [inFlight] });
      const claims = h.service.mongo.db.collection(SIGNAL_CLAIMS);
      for (let i = 0; i < 1000 && !(await claims.findOne({ _id: inFlight.signalId as never })); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await claims.findOne({ _id: inFlight.signalId as never })).toMatchObject({ user_id: userId });

      await erase(userId, ERASURE_SCOPE_ALL, T0); // B: marker, erase, 400 ms fence, erase, confirm
      expect(await mentions(userId)).toEqual([]);
      release();
      await locked;
      await delivery;
      // A wrote after B had confirmed; its write was late, so it re-checked the markers and erased
      // again: nothing of the user is left, and nothing comes back with a redelivery.
      expect(await mentions(userId)).toEqual([]);
      expect((await clientA.applySignals({ signals: [inFlight] })).appliedCount).toBe(0);
      expect(await mentions(userId)).toEqual([]);
    } finally {
      clientA.close();
      await a.stop();
    }
  });
});
