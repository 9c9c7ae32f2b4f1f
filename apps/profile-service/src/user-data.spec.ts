import { status } from '@grpc/grpc-js';
import { common } from '@signalpath/proto';

import { APPLIED_OPS, SIGNAL_CLAIMS } from './store/collections';
import type { AppliedOpDocument, SignalClaimDocument } from './store/ledger-store';
import { DAY_MS, scoresOf, signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const { SURFACE_INSTAGRAM: INSTAGRAM, SURFACE_MESSENGER: MESSENGER } = common.Surface;
const { SOURCE_KIND_AI_CHAT: AI_CHAT, SOURCE_KIND_PAGE_LIKE: PAGE_LIKE } = common.SourceKind;
const { ERASURE_SCOPE_AI_CHAT, ERASURE_SCOPE_ALL } = common.ErasureScope;

describe('UserDataService Delete and Export', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const claims = () => h.service.mongo.db.collection<SignalClaimDocument>(SIGNAL_CLAIMS);
  const ops = () => h.service.mongo.db.collection<AppliedOpDocument>(APPLIED_OPS);
  const exported = async (userId: string) =>
    Object.fromEntries((await h.userData.exportUserData({ userId })).profiles.map((p) => [p.surface, scoresOf(p.interests)]));

  it('exports every stored interest per source surface, decayed to now, before read-time rules', async () => {
    await h.client.applySignals({
      signals: [
        signal({ userId: 'export', surface: MESSENGER, topicId: TOPIC.TRAVEL, weight: 0.5, adsEligible: false, contentEligible: false }),
        signal({ userId: 'export', surface: INSTAGRAM, topicId: TOPIC.CLIMBING, weight: 0.25 }),
        signal({ userId: 'export', surface: INSTAGRAM, topicId: TOPIC.CLIMBING, weight: 0.125, sourceKind: PAGE_LIKE }),
      ],
    });
    h.consent.update('export', { blockedTopicIds: [TOPIC.CLIMBING], linkedSurfaces: [] });
    h.clock.now = new Date(T0.getTime() + 30 * DAY_MS);
    try {
      expect(await exported('export')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: expect.closeTo(0.1875, 9) }, [MESSENGER]: { [TOPIC.TRAVEL]: expect.closeTo(0.25, 9) } });
      const instagram = (await h.userData.exportUserData({ userId: 'export' })).profiles.find((p) => p.surface === INSTAGRAM);
      expect(instagram?.interests[0].sources.map((s) => s.sourceKind).sort()).toEqual([AI_CHAT, PAGE_LIKE]);
    } finally {
      h.clock.now = T0;
    }
    expect(await h.userData.exportUserData({ userId: 'nobody' })).toEqual({ profiles: [], appliedSignals: [], appliedOperations: [], erasures: [], corrections: [] });
  });

  it('AI_CHAT scope removes only AI-chat contributions and their ledger entries', async () => {
    const aiChat = [signal({ userId: 'erase-ai', weight: 0.25 }), signal({ userId: 'erase-ai', surface: MESSENGER, topicId: TOPIC.TRAVEL })];
    const pageLike = signal({ userId: 'erase-ai', weight: 0.375, sourceKind: PAGE_LIKE, modality: common.Modality.MODALITY_UNSPECIFIED });
    await h.client.applySignals({ signals: [...aiChat, pageLike] });

    const first = await h.userData.deleteUserData({ userId: 'erase-ai', scope: ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-1', cutoffTime: undefined });
    // Two surface documents changed (Messenger's emptied and removed) + two ledger claims.
    expect(first.deletedCount).toBe('4');
    expect(await exported('erase-ai')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 0.375 } });
    expect(await claims().countDocuments({ user_id: 'erase-ai' })).toBe(1);
    // Nothing is left of an erased claim, not even its signal id: the erasure marker refuses it.
    expect(await claims().findOne({ _id: aiChat[0].signalId })).toBeNull();

    expect((await h.userData.deleteUserData({ userId: 'erase-ai', scope: ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-1', cutoffTime: undefined })).deletedCount).toBe('0');
    // A late redelivery of an erased signal does not bring it back.
    expect(await h.client.applySignals({ signals: aiChat })).toEqual({ appliedCount: 0, duplicateCount: 2 });
    expect(await exported('erase-ai')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 0.375 } });
  });

  it('ALL scope removes every profile document and ledger entry of the user, and only theirs', async () => {
    await h.client.applySignals({
      signals: [
        signal({ userId: 'erase-all' }),
        signal({ userId: 'erase-all', surface: MESSENGER, sourceKind: PAGE_LIKE }),
        signal({ userId: 'bystander' }),
      ],
    });
    // Two surface documents, two claims, one applied-operation record per document.
    expect((await h.userData.deleteUserData({ userId: 'erase-all', scope: ERASURE_SCOPE_ALL, erasureJobId: 'job-2', cutoffTime: undefined })).deletedCount).toBe('6');
    expect(await h.userData.exportUserData({ userId: 'erase-all' })).toMatchObject({ profiles: [], appliedSignals: [], appliedOperations: [], erasures: [{ erasureJobId: 'job-2', scope: ERASURE_SCOPE_ALL }] });
    expect(await claims().countDocuments({ user_id: 'erase-all' })).toBe(0);
    expect(await ops().countDocuments({ user_id: 'erase-all' })).toBe(0);
    expect((await h.userData.deleteUserData({ userId: 'erase-all', scope: ERASURE_SCOPE_ALL, erasureJobId: 'job-2', cutoffTime: undefined })).deletedCount).toBe('0');
    expect(await exported('bystander')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 1 } });
    // New activity after the erasure's cut-off (the business clock, T0) is applied normally.
    const later = new Date(T0.getTime() + 1);
    expect((await h.client.applySignals({ signals: [signal({ userId: 'erase-all', eventTime: later, recordTime: later })] })).appliedCount).toBe(1);
  });

  it('exports the ledger entries and erasures held under the user id, not just the profile', async () => {
    const [ai, like] = [signal({ userId: 'ledger-export', weight: 0.5 }), signal({ userId: 'ledger-export', surface: MESSENGER, sourceKind: PAGE_LIKE })];
    await h.client.applySignals({ signals: [ai, like] });
    const before = await h.userData.exportUserData({ userId: 'ledger-export' });
    expect(before.appliedSignals.sort((a, b) => a.surface - b.surface)).toEqual([
      { signalId: ai.signalId, surface: INSTAGRAM, sourceKind: AI_CHAT, claimTime: expect.any(Date), applied: true },
      { signalId: like.signalId, surface: MESSENGER, sourceKind: PAGE_LIKE, claimTime: expect.any(Date), applied: true },
    ]);
    // Exactly the user's applied-operation records (one per profile document written).
    const stored = (await ops().find({ user_id: 'ledger-export' }).toArray()).map((op) => op._id).sort();
    expect(before.appliedOperations.map((op) => op.operationId).sort()).toEqual(stored);
    expect(stored).toHaveLength(2);
    await h.userData.deleteUserData({ userId: 'ledger-export', scope: ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-x', cutoffTime: new Date(T0.getTime() + 1) });
    const after = await h.userData.exportUserData({ userId: 'ledger-export' });
    expect(after.appliedSignals.map((s) => s.signalId)).toEqual([like.signalId]);
    expect(after.erasures).toEqual([{ erasureJobId: 'job-x', scope: ERASURE_SCOPE_AI_CHAT, cutoffTime: new Date(T0.getTime() + 1), createTime: expect.any(Date) }]);
  });

  it('rejects bad input with INVALID_ARGUMENT naming the field', async () => {
    await expect(h.userData.deleteUserData({ userId: '', scope: ERASURE_SCOPE_ALL, erasureJobId: '', cutoffTime: undefined })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('user_id'),
    });
    await expect(h.userData.deleteUserData({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_UNSPECIFIED, erasureJobId: '', cutoffTime: undefined })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('scope'),
    });
    await expect(h.userData.exportUserData({ userId: '' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('user_id') });
  });
});
