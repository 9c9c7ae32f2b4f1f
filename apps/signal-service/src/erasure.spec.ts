import { common, consent, signal } from '@signalpath/proto';

import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason } = signal;
const { ERASURE_SCOPE_AI_CHAT: AI_CHAT, ERASURE_SCOPE_ALL: ALL } = common.ErasureScope;
const MINUTE = 60_000;

/** Every document of the service's database that mentions `userId` ("collection json"). */
async function mentions(h: SignalHarness, userId: string): Promise<string[]> {
  const db = h.service.mongo.db;
  const found: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) if (JSON.stringify(doc).includes(userId)) found.push(`${name} ${JSON.stringify(doc)}`);
  }
  return found;
}

let jobs = 0;
const erase = (h: SignalHarness, userId: string, scope: common.ErasureScope, cutoffTime: Date) =>
  h.client.deleteUserData({ userId, scope, erasureJobId: `job-${++jobs}`, cutoffTime }, { timeoutMs: 10_000 });

describe('SignalService erasure is final (DESIGN.md invariant 7)', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness({ env: { SIGNAL_ERASURE_FENCE: '400ms' } });
  });
  afterAll(async () => h.stop());

  it('after an ALL erasure, nothing about an event before the cut-off is recorded or counted again', async () => {
    const userId = 'erased-all';
    const cutoff = new Date(Date.now() - MINUTE);
    await h.client.ingestInteraction({ interaction: interaction({ userId, eventTime: new Date(cutoff.getTime() - MINUTE) }) });
    await settled(h);
    await erase(h, userId, ALL, cutoff);
    expect(await mentions(h, userId)).toEqual([]);

    const old = interaction({ userId, eventTime: new Date(cutoff.getTime() - 1) });
    expect(await h.client.ingestInteraction({ interaction: old })).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_ERASED, signals: [] });
    await h.client.ingestInteraction({ interaction: interaction({ userId, endToEndEncrypted: true, text: '', eventTime: new Date(cutoff.getTime() - 1) }) });
    await h.client.recordActivity({ activityId: 'old-like', userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483'], eventTime: new Date(cutoff.getTime() - 1) });
    await settled(h);
    expect(await mentions(h, userId)).toEqual([]);

    // What happens after the cut-off is recorded as usual.
    expect((await h.client.ingestInteraction({ interaction: interaction({ userId }) })).status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
  });

  it('an AI_CHAT erasure refuses old interactions and leaves activities alone', async () => {
    const userId = 'erased-ai';
    const cutoff = new Date();
    await erase(h, userId, AI_CHAT, cutoff);
    const old = new Date(cutoff.getTime() - MINUTE);
    expect((await h.client.ingestInteraction({ interaction: interaction({ userId, eventTime: old }) })).skipReason).toBe(SkipReason.SKIP_REASON_ERASED);
    const like = await h.client.recordActivity({ activityId: 'ai-erased-like', userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483'], eventTime: old });
    expect(like.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
  });

  it('a purpose-scoped AI-chat erasure takes only its own purpose from old interactions (invariant 9)', async () => {
    const cutoff = new Date();
    const old = new Date(cutoff.getTime() - MINUTE);
    await erase(h, 'erased-ai-content', common.ErasureScope.ERASURE_SCOPE_AI_CHAT_CONTENT, cutoff);
    const adsOnly = await h.client.ingestInteraction({ interaction: interaction({ userId: 'erased-ai-content', eventTime: old }) });
    expect(adsOnly.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
    expect(adsOnly.signals.length).toBeGreaterThan(0);
    expect(adsOnly.signals.every((s) => s.adsEligible && !s.contentEligible)).toBe(true);

    await erase(h, 'erased-ai-both', common.ErasureScope.ERASURE_SCOPE_AI_CHAT_CONTENT, cutoff);
    await erase(h, 'erased-ai-both', common.ErasureScope.ERASURE_SCOPE_AI_CHAT_ADS, cutoff);
    expect(await h.client.ingestInteraction({ interaction: interaction({ userId: 'erased-ai-both', eventTime: old }) })).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_ERASED });
    // After the cut-off both purposes count again.
    const fresh = await h.client.ingestInteraction({ interaction: interaction({ userId: 'erased-ai-content', eventTime: new Date(cutoff.getTime() + 1) }) });
    expect(fresh.signals.length).toBeGreaterThan(0);
    expect(fresh.signals.every((s) => s.adsEligible && s.contentEligible)).toBe(true);
  });

  it('a delivery in flight in one instance leaves nothing behind once another instance confirmed the erasure', async () => {
    // Two SignalService instances on one database: A delivers (ProfileService answers slowly), B erases.
    const a = await startSignalHarness({ env: { SIGNAL_ERASURE_FENCE: '400ms' } });
    const b = await startSignalHarness({ env: { SIGNAL_ERASURE_FENCE: '400ms' }, dbName: a.service.mongo.db.databaseName, keepDatabase: true, profileDown: true });
    try {
      const profile = a.profile;
      if (!profile) throw new Error('the fake ProfileService should be up');
      let answer!: () => void;
      profile.gate = new Promise<void>((resolve) => (answer = resolve));
      const userId = 'erased-in-flight';
      await a.client.ingestInteraction({ interaction: interaction({ userId }) });
      await eventually(() => profile.calls > 0); // A claimed the entry and is sending it
      expect(await mentions(a, userId)).not.toEqual([]);

      await erase(b, userId, ALL, new Date()); // B: marker, erase, fence, erase, confirm
      expect(await mentions(a, userId)).toEqual([]);
      answer(); // ProfileService answers OK: A logs the delivery — after the erasure confirmed
      await eventually(async () => (await a.service.mongo.db.collection(COLLECTIONS.claims).countDocuments({})) === 0 && a.instance.outbox.pending === 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A's log write was late, so it re-checked the markers and took it back.
      expect(await mentions(a, userId)).toEqual([]);
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  it('exports the erasures carried out', async () => {
    const cutoff = new Date('2026-01-01T00:00:00Z');
    await erase(h, 'exported-erasure', AI_CHAT, cutoff);
    expect((await h.client.exportUserData({ userId: 'exported-erasure' })).erasures).toEqual([
      { erasureJobId: `job-${jobs}`, scope: AI_CHAT, cutoffTime: cutoff, createTime: expect.any(Date) },
    ]);
  });
});

describe('the end-to-end-encrypted counter', () => {
  it('is exact under concurrent increments from two instances and counts a replayed id once', async () => {
    const a = await startSignalHarness({ decide: () => ({ allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED }) });
    const b = await startSignalHarness({ dbName: a.service.mongo.db.databaseName, keepDatabase: true });
    try {
      const userId = 'e2e-exact';
      const chats = Array.from({ length: 60 }, () => interaction({ userId, endToEndEncrypted: true, text: '' }));
      await Promise.all(chats.map((chat, i) => (i % 2 ? a : b).client.ingestInteraction({ interaction: chat })));
      // Every one replayed: concurrently on the other instance, and once more in a batch.
      await Promise.all(chats.map((chat, i) => (i % 2 ? b : a).client.ingestInteraction({ interaction: chat })));
      await a.client.ingestInteractions({ interactions: chats.slice(0, 30) });
      expect((await a.client.exportUserData({ userId })).endToEndEncryptedSkippedCount).toBe('60');
      // One document per interaction: a keyed hash of its id and the user, nothing else.
      const docs = await a.service.mongo.db.collection(COLLECTIONS.e2eSkips).find({ userId }).toArray();
      expect(docs).toHaveLength(60);
      for (const doc of docs) expect(Object.keys(doc).sort()).toEqual(['_id', 'userId']);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
