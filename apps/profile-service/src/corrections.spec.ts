import { status } from '@grpc/grpc-js';
import { ERROR_DOMAIN, readStatus } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { createProfileClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { createProfileService, type ProfileServiceInstance } from './server';
import { APPLIED_OPS, CORRECTIONS, PROFILES, SIGNAL_CLAIMS } from './store/collections';
import { scoresOf, signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const { SURFACE_INSTAGRAM: INSTAGRAM, SURFACE_MESSENGER: MESSENGER } = common.Surface;
const { SOURCE_KIND_PAGE_LIKE: PAGE_LIKE } = common.SourceKind;
const ADS = common.Purpose.PURPOSE_ADS;
const CONTENT = common.Purpose.PURPOSE_CONTENT;
const Kind = profile.CorrectionKind;
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
// Fence 400 ms: a call that writes more than 200 ms after its marker check re-checks.
const ENV = { PROFILE_ERASURE_FENCE: '400ms' };

describe('corrections: RemoveInterest, not interested, history', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(ENV);
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.clock.now = T0;
  });

  const read = async (userId: string, purpose: common.Purpose, surface = INSTAGRAM) => h.client.getProfile({ userId, surface, purpose, limit: 0 });
  const scores = async (userId: string, purpose: common.Purpose, surface = INSTAGRAM) => scoresOf((await read(userId, purpose, surface)).interests);
  const explain = (userId: string, topicId: string, purpose: common.Purpose) => h.client.explainInterest({ userId, topicId, surface: INSTAGRAM, purpose });
  const mentions = async (userId: string) => {
    const found: string[] = [];
    for (const name of [PROFILES, SIGNAL_CLAIMS, APPLIED_OPS, CORRECTIONS]) {
      for (const doc of await h.service.mongo.db.collection(name).find({}).toArray()) if (JSON.stringify(doc).includes(userId)) found.push(`${name} ${JSON.stringify(doc)}`);
    }
    return found;
  };

  it('removes an interest for every purpose and surface, effective on the next read, and records it', async () => {
    const userId = 'remove-all';
    await h.client.applySignals({
      signals: [
        signal({ userId, topicId: TOPIC.CLIMBING, eventTime: at(-MINUTE) }),
        signal({ userId, topicId: TOPIC.CLIMBING, sourceKind: PAGE_LIKE, eventTime: at(-MINUTE) }),
        signal({ userId, surface: MESSENGER, topicId: TOPIC.CLIMBING, eventTime: at(-MINUTE) }),
        signal({ userId, topicId: TOPIC.TRAVEL, weight: 0.5, eventTime: at(-MINUTE) }),
      ],
    });
    expect(Object.keys(await scores(userId, CONTENT)).sort()).toEqual([TOPIC.CLIMBING, TOPIC.TRAVEL]);

    const { correction } = await h.client.removeInterest({ userId, topicId: TOPIC.CLIMBING, purpose: common.Purpose.PURPOSE_UNSPECIFIED });
    expect(correction).toMatchObject({ kind: Kind.CORRECTION_KIND_REMOVE_INTEREST, createTime: T0, purposes: [ADS, CONTENT], topic: { id: TOPIC.CLIMBING, name: 'Climbing' }, itemId: '' });

    for (const purpose of [ADS, CONTENT]) {
      expect(await scores(userId, purpose)).toEqual({ [TOPIC.TRAVEL]: expect.closeTo(0.5, 4) });
      expect(Object.keys(await scores(userId, purpose, MESSENGER))).toEqual([]);
      expect((await explain(userId, TOPIC.CLIMBING, purpose)).present).toBe(false);
    }
    // Taken out of the stored profile, not only hidden: the export no longer has it either.
    const exported = await h.userData.exportUserData({ userId });
    expect(exported.profiles.flatMap((p) => p.interests.map((i) => i.topic?.id))).toEqual([TOPIC.TRAVEL]);
    expect(exported.corrections).toEqual([correction]);
    expect((await h.client.listCorrections({ userId })).corrections).toEqual([correction]);
  });

  it('removes an interest for one purpose only', async () => {
    const userId = 'remove-ads';
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE) })] });
    await h.client.removeInterest({ userId, topicId: TOPIC.CLIMBING, purpose: ADS });
    expect(await scores(userId, ADS)).toEqual({});
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.CLIMBING]: expect.closeTo(1, 4) });
  });

  it('old evidence never brings a removed interest back; evidence about later events counts again', async () => {
    const userId = 'remove-later';
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-2 * MINUTE) })] });
    await h.client.removeInterest({ userId, topicId: TOPIC.CLIMBING, purpose: common.Purpose.PURPOSE_UNSPECIFIED });
    h.clock.now = at(10 * MINUTE);
    // A delayed delivery about an event before the removal, and one exactly at it: ignored.
    const old = await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE), recordTime: at(5 * MINUTE) }), signal({ userId, eventTime: T0, recordTime: at(5 * MINUTE) })] });
    expect(old.appliedCount).toBe(2); // delivered (claimed, never redelivered), but counts for nothing
    expect(await scores(userId, CONTENT)).toEqual({});
    expect((await h.userData.exportUserData({ userId })).profiles).toEqual([]);

    // New evidence after the removal: counts, and only it.
    await h.client.applySignals({ signals: [signal({ userId, weight: 0.25, eventTime: at(10 * MINUTE), recordTime: at(10 * MINUTE) })] });
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.CLIMBING]: 0.25 });
    expect(await scores(userId, ADS)).toEqual({ [TOPIC.CLIMBING]: 0.25 });
    // Still none of the old evidence, even when it arrives after the new.
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-3 * MINUTE), recordTime: at(10 * MINUTE) })] });
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.CLIMBING]: 0.25 });
  });

  it('an interrupted strip still leaves the removed interest out of reads, and the next write finishes it', async () => {
    const userId = 'remove-crash';
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE) })] });
    // As if the process died after recording the cut and before stripping the documents.
    const instance = h.service.instance as ProfileServiceInstance;
    await instance.corrections.modify(userId, () => ({
      removed: [
        { topic_id: TOPIC.CLIMBING, purpose: 'ads', time: T0 },
        { topic_id: TOPIC.CLIMBING, purpose: 'content', time: T0 },
      ],
      not_interested: [],
      entry: { id: 'crash-1', kind: 'remove_interest', time: T0, purposes: ['ads', 'content'], topic_id: TOPIC.CLIMBING, actor: 'test', user_asserted: false },
    }));
    expect(await scores(userId, CONTENT)).toEqual({});
    h.clock.now = at(MINUTE);
    await h.client.applySignals({ signals: [signal({ userId, weight: 0.5, eventTime: at(MINUTE), recordTime: at(MINUTE) })] });
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.CLIMBING]: 0.5 });
  });

  it('"not interested" lowers the item topics for its purpose and hides the item; undo restores both', async () => {
    const userId = 'not-interested';
    await h.client.applySignals({ signals: [signal({ userId, topicId: TOPIC.CLIMBING }), signal({ userId, topicId: TOPIC.TRAVEL, weight: 0.75 })] });
    const mark = await h.client.markItemNotInterested({ userId, itemId: 'post-1', topicIds: [TOPIC.CLIMBING], purpose: CONTENT, actingCaller: 'feed-backend', userAsserted: false });
    expect(mark.correction).toMatchObject({ kind: Kind.CORRECTION_KIND_NOT_INTERESTED, itemId: 'post-1', itemTopics: [{ id: TOPIC.CLIMBING, name: 'Climbing' }], purposes: [CONTENT], actor: 'feed-backend' });

    const content = await read(userId, CONTENT);
    expect(scoresOf(content.interests)).toEqual({ [TOPIC.TRAVEL]: 0.75, [TOPIC.CLIMBING]: 0.5 });
    expect(content.interests[0].topic?.id).toBe(TOPIC.TRAVEL);
    expect(content.hiddenItemIds).toEqual(['post-1']);
    // Ads are a different purpose: unchanged, but the item is hidden whatever the purpose.
    const ads = await read(userId, ADS);
    expect(scoresOf(ads.interests)).toEqual({ [TOPIC.CLIMBING]: 1, [TOPIC.TRAVEL]: 0.75 });
    expect(ads.hiddenItemIds).toEqual(['post-1']);
    // Hidden even when the read is not personalized.
    h.consent.update(userId, { nonPersonalizedFeed: true });
    expect(await read(userId, CONTENT)).toMatchObject({ personalized: false, hiddenItemIds: ['post-1'] });
    h.consent.update(userId, { nonPersonalizedFeed: false });

    const undo = await h.client.undoItemNotInterested({ userId, itemId: 'post-1', actingCaller: '', userAsserted: false });
    expect(undo.undone).toBe(true);
    expect(undo.correction).toMatchObject({ kind: Kind.CORRECTION_KIND_UNDO_NOT_INTERESTED, itemId: 'post-1', purposes: [CONTENT] });
    expect(await read(userId, CONTENT)).toMatchObject({ hiddenItemIds: [] });
    expect(await scores(userId, CONTENT)).toEqual({ [TOPIC.CLIMBING]: 1, [TOPIC.TRAVEL]: 0.75 });
    // Undoing again changes nothing and records nothing.
    expect(await h.client.undoItemNotInterested({ userId, itemId: 'post-1', actingCaller: '', userAsserted: false })).toEqual({ undone: false, correction: undefined });

    const history = (await h.client.listCorrections({ userId })).corrections;
    expect(history.map((c) => c.kind)).toEqual([Kind.CORRECTION_KIND_UNDO_NOT_INTERESTED, Kind.CORRECTION_KIND_NOT_INTERESTED]);
    expect((await h.userData.exportUserData({ userId })).corrections).toEqual(history);
  });

  it('a mark on an item with sensitive topics keeps no sensitive topic id, and still hides the item until undone', async () => {
    const userId = 'not-interested-sensitive';
    const MEDICAL_HEALTH = '286';
    const POLITICS = '386';
    const marked = await h.client.markItemNotInterested({ userId, itemId: 'ad-clinic', topicIds: [MEDICAL_HEALTH, TOPIC.TRAVEL], purpose: ADS, actingCaller: 'feed-backend', userAsserted: false });
    expect(marked.correction?.itemTopics.map((t) => t.id)).toEqual([TOPIC.TRAVEL]);
    // Only sensitive topics: accepted, hidden by the item id alone.
    const onlySensitive = await h.client.markItemNotInterested({ userId, itemId: 'ad-party', topicIds: [POLITICS], purpose: ADS, actingCaller: 'feed-backend', userAsserted: false });
    expect(onlySensitive.correction).toMatchObject({ kind: Kind.CORRECTION_KIND_NOT_INTERESTED, itemId: 'ad-party', itemTopics: [] });
    expect((await read(userId, ADS)).hiddenItemIds.sort()).toEqual(['ad-clinic', 'ad-party']);
    const undone = await h.client.undoItemNotInterested({ userId, itemId: 'ad-party', actingCaller: '', userAsserted: false });
    expect(undone).toMatchObject({ undone: true, correction: { itemId: 'ad-party', itemTopics: [] } });
    expect((await read(userId, ADS)).hiddenItemIds).toEqual(['ad-clinic']);
    // Nowhere in the stored corrections (marks and history), nor in the export.
    const stored = JSON.stringify(await h.service.mongo.db.collection(CORRECTIONS).findOne({ _id: userId as never }));
    expect(stored).toContain('ad-party');
    expect(stored).not.toContain(`"${MEDICAL_HEALTH}"`);
    expect(stored).not.toContain(`"${POLITICS}"`);
    expect(JSON.stringify(await h.userData.exportUserData({ userId }))).not.toMatch(new RegExp(`"(${MEDICAL_HEALTH}|${POLITICS})"`));

    // A mark stored before the rule (sensitive id inside) is never answered, and goes at the next write.
    const legacy = 'not-interested-legacy';
    await h.client.markItemNotInterested({ userId: legacy, itemId: 'ad-old', topicIds: [TOPIC.TRAVEL], purpose: ADS, actingCaller: '', userAsserted: false });
    const collection = h.service.mongo.db.collection(CORRECTIONS);
    await collection.updateOne({ _id: legacy as never }, { $set: { 'not_interested.0.topic_ids': [MEDICAL_HEALTH, TOPIC.TRAVEL], 'history.0.topic_ids': [MEDICAL_HEALTH, TOPIC.TRAVEL] } });
    expect((await h.client.listCorrections({ userId: legacy })).corrections[0].itemTopics.map((t) => t.id)).toEqual([TOPIC.TRAVEL]);
    await h.client.removeInterest({ userId: legacy, topicId: TOPIC.COOKING, purpose: ADS });
    expect(JSON.stringify(await collection.findOne({ _id: legacy as never }))).not.toContain(`"${MEDICAL_HEALTH}"`);
  });

  it('caps active "not interested" marks: past the limit a new mark is refused with RESOURCE_EXHAUSTED and ErrorInfo, re-marking and undo still work', async () => {
    const userId = 'not-interested-cap';
    const LIMIT = 500;
    const mark = (itemId: string) => h.client.markItemNotInterested({ userId, itemId, topicIds: [TOPIC.COOKING], purpose: CONTENT, actingCaller: '', userAsserted: false });
    await mark('item-0');
    // The other marks are written straight into the document (500 calls would only slow the test).
    const marks = Array.from({ length: LIMIT }, (_, i) => ({ item_id: `item-${i}`, topic_ids: [TOPIC.COOKING], purpose: 'content', time: T0 }));
    await h.service.mongo.db.collection(CORRECTIONS).updateOne({ _id: userId as never }, { $set: { not_interested: marks } });

    const refused = await mark('item-new').then(
      () => undefined,
      (error: unknown) => readStatus(error),
    );
    expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: { errorInfo: { reason: 'NOT_INTERESTED_LIMIT', domain: ERROR_DOMAIN, metadata: { limit: String(LIMIT) } } } });
    expect(refused?.details.retryDelayMs).toBeUndefined();
    expect((await read(userId, CONTENT)).hiddenItemIds).toHaveLength(LIMIT);
    // Marking an item already marked replaces its mark: allowed at the limit.
    await mark('item-7');
    await h.client.undoItemNotInterested({ userId, itemId: 'item-3', actingCaller: '', userAsserted: false });
    await mark('item-new');
    const hidden = (await read(userId, CONTENT)).hiddenItemIds;
    expect(hidden).toHaveLength(LIMIT);
    expect(hidden).toContain('item-new');
    expect(hidden).not.toContain('item-3');
  });

  it('erasure of everything removes corrections; an AI-chat erasure keeps them', async () => {
    const userId = 'erase-corrections';
    await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE) })] });
    await h.client.removeInterest({ userId, topicId: TOPIC.TRAVEL, purpose: ADS });
    await h.client.markItemNotInterested({ userId, itemId: 'reel-9', topicIds: [TOPIC.CLIMBING], purpose: CONTENT, actingCaller: '', userAsserted: false });
    h.clock.now = at(MINUTE);
    await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-ec-ai', cutoffTime: at(MINUTE) });
    expect((await h.client.listCorrections({ userId })).corrections).toHaveLength(2);

    await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job-ec-all', cutoffTime: at(MINUTE) });
    expect(await mentions(userId)).toEqual([]);
    expect((await h.client.listCorrections({ userId })).corrections).toEqual([]);
    expect((await read(userId, CONTENT)).hiddenItemIds).toEqual([]);
    // A correction about the time before the cut-off is refused, not stored.
    await expect(h.client.removeInterest({ userId, topicId: TOPIC.CLIMBING, purpose: ADS })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(await mentions(userId)).toEqual([]);
  });

  it('a correction in flight in one process does not bring back what another process erased', async () => {
    // Two ProfileService processes on one database: A records a removal, B erases everything. A
    // checked the markers (none yet) and is held just before its corrections write, as a slow
    // store or a GC pause would hold it; B's erasure runs and confirms meanwhile.
    const a = await startTestService(createProfileService({ now: () => T0 }), { env: { ...ENV, CONSENT_ADDR: '127.0.0.1:9' }, dbName: h.service.mongo.db.databaseName, keepDatabase: true });
    const clientA = createProfileClient(a.address, { timeoutMs: 10_000 });
    try {
      const userId = 'correction-in-flight';
      await h.client.applySignals({ signals: [signal({ userId, eventTime: at(-MINUTE) }), signal({ userId, topicId: TOPIC.TRAVEL, eventTime: at(-MINUTE) })] });
      await h.client.markItemNotInterested({ userId, itemId: 'ad-1', topicIds: [TOPIC.TRAVEL], purpose: ADS, actingCaller: '', userAsserted: false });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const holding = new Promise<void>((resolve) => (entered = resolve));
      const locked = (a.instance as ProfileServiceInstance).corrections.withLock(userId, () => {
        entered();
        return held;
      });
      await holding;
      const removal = clientA.removeInterest({ userId, topicId: TOPIC.CLIMBING, purpose: common.Purpose.PURPOSE_UNSPECIFIED });
      // A's marker check happens before it queues on the lock; give it time to get there.
      await new Promise((resolve) => setTimeout(resolve, 200));

      await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job-in-flight', cutoffTime: T0 });
      expect(await mentions(userId)).toEqual([]);
      release();
      await locked;
      // A's write was late: it re-checked the markers, found the erasure and erased again.
      await expect(removal).rejects.toMatchObject({ code: status.UNAVAILABLE });
      expect(await mentions(userId)).toEqual([]);
    } finally {
      clientA.close();
      await a.stop();
    }
  });

  it('refuses bad input naming the field', async () => {
    const invalid = async (call: Promise<unknown>, field: string) => {
      const error = (await call.then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: number; details?: string } | undefined;
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain(field);
    };
    await invalid(h.client.removeInterest({ userId: '', topicId: TOPIC.CLIMBING, purpose: ADS }), 'user_id');
    await invalid(h.client.removeInterest({ userId: 'bad-input-user', topicId: 'not-a-topic', purpose: ADS }), 'topic_id');
    await invalid(h.client.removeInterest({ userId: 'bad-input-user', topicId: TOPIC.CLIMBING, purpose: 42 as common.Purpose }), 'purpose');
    await invalid(h.client.listCorrections({ userId: ' x' }), 'user_id');
    const mark = { userId: 'bad-input-user', itemId: 'i', topicIds: [TOPIC.CLIMBING], purpose: CONTENT, actingCaller: '', userAsserted: false };
    await invalid(h.client.markItemNotInterested({ ...mark, itemId: '' }), 'item_id');
    await invalid(h.client.markItemNotInterested({ ...mark, topicIds: [TOPIC.CLIMBING, '99999999'] }), 'topic_ids[1]');
    await invalid(h.client.markItemNotInterested({ ...mark, purpose: common.Purpose.PURPOSE_UNSPECIFIED }), 'purpose');
    await invalid(h.client.undoItemNotInterested({ userId: 'bad-input-user', itemId: '', actingCaller: '', userAsserted: false }), 'item_id');
    expect(await mentions('bad-input-user')).toEqual([]);
  });
});
