import { common, consent, signal } from '@signalpath/proto';

import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason, RecordKind } = signal;

/**
 * ExportUserData returns everything stored under the user's id (issue 12 §5): every ledger entry,
 * accepted or skipped; outbox entries pending and delivered; the end-to-end-encrypted count; the
 * erasures. Checked against the database itself, collection by collection.
 */
describe('ExportUserData exports everything held under the user id', () => {
  let h: SignalHarness;
  const userId = 'export-everything';
  beforeAll(async () => {
    // WhatsApp is refused for this user, everything else allowed.
    h = await startSignalHarness({
      decide: (q) =>
        q.surface === common.Surface.SURFACE_WHATSAPP
          ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT }
          : { allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED },
    });
  });
  afterAll(async () => h.stop());

  it('lists accepted and skipped records, deliveries pending and done, the counter and the erasures', async () => {
    const accepted = await h.client.ingestInteraction({ interaction: interaction({ userId }) });
    const refused = await h.client.ingestInteraction({ interaction: interaction({ userId, surface: common.Surface.SURFACE_WHATSAPP }) });
    const sensitive = await h.client.ingestInteraction({ interaction: interaction({ userId, text: 'I was diagnosed with diabetes last month and my insulin doses keep changing' }) });
    const like = await h.client.recordActivity({ activityId: 'export-like', userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483'], eventTime: new Date(Date.now() - 60_000) });
    await h.client.ingestInteraction({ interaction: interaction({ userId, endToEndEncrypted: true, text: '' }) });
    await settled(h);
    // ProfileService goes away: the next accepted interaction stays pending.
    await h.profile?.stop();
    const pending = await h.client.ingestInteraction({ interaction: interaction({ userId, text: 'looking for a good sourdough starter and a dutch oven for baking bread' }) });
    await eventually(async () => (await h.service.mongo.db.collection(COLLECTIONS.outbox).countDocuments({ userId })) === 1);

    expect([accepted.status, refused.skipReason, sensitive.skipReason, like.status, pending.status]).toEqual([
      IngestStatus.INGEST_STATUS_ACCEPTED,
      SkipReason.SKIP_REASON_OPTED_OUT,
      SkipReason.SKIP_REASON_NO_TOPICS,
      IngestStatus.INGEST_STATUS_ACCEPTED,
      IngestStatus.INGEST_STATUS_ACCEPTED,
    ]);
    const exported = await h.userData.exportUserData({ userId });
    expect(exported.endToEndEncryptedSkippedCount).toBe('1');
    expect(exported.records.map((r) => [r.kind, r.status, r.skipReason]).sort()).toEqual(
      [
        [RecordKind.RECORD_KIND_INTERACTION, IngestStatus.INGEST_STATUS_ACCEPTED, SkipReason.SKIP_REASON_UNSPECIFIED],
        [RecordKind.RECORD_KIND_INTERACTION, IngestStatus.INGEST_STATUS_ACCEPTED, SkipReason.SKIP_REASON_UNSPECIFIED],
        [RecordKind.RECORD_KIND_INTERACTION, IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_OPTED_OUT],
        [RecordKind.RECORD_KIND_INTERACTION, IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_NO_TOPICS],
        [RecordKind.RECORD_KIND_ACTIVITY, IngestStatus.INGEST_STATUS_ACCEPTED, SkipReason.SKIP_REASON_UNSPECIFIED],
      ].sort(),
    );
    expect(exported.pendingDeliveries).toEqual([
      { recordKey: expect.any(String), sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, signalCount: pending.signals.length, createTime: expect.any(Date), deliverTime: undefined, attempts: expect.any(Number), claimed: expect.any(Boolean) },
    ]);
    expect(exported.deliveries.map((d) => d.sourceKind).sort()).toEqual([common.SourceKind.SOURCE_KIND_AI_CHAT, common.SourceKind.SOURCE_KIND_PAGE_LIKE]);

    // Against the database: every document under the user's id is in the export.
    const db = h.service.mongo.db;
    const keys = async (name: string) => (await db.collection(name).find({ userId }).toArray()).map((doc) => String(doc._id)).sort();
    expect(exported.records.map((r) => r.recordKey).sort()).toEqual(await keys(COLLECTIONS.records));
    expect(exported.pendingDeliveries.map((d) => d.recordKey).sort()).toEqual(await keys(COLLECTIONS.outbox));
    expect(exported.deliveries.map((d) => d.recordKey).sort()).toEqual(await keys(COLLECTIONS.delivered));
    expect(Number(exported.endToEndEncryptedSkippedCount)).toBe((await keys(COLLECTIONS.e2eSkips)).length);
    const claims = await db.collection(COLLECTIONS.claims).find({ userId }).toArray();
    for (const claim of claims) expect(exported.pendingDeliveries.map((d) => d.recordKey)).toContain(claim.entryId);
    const covered = new Set<string>([COLLECTIONS.records, COLLECTIONS.outbox, COLLECTIONS.delivered, COLLECTIONS.e2eSkips, COLLECTIONS.claims]);
    for (const { name } of await db.listCollections().toArray()) {
      if (covered.has(name)) continue;
      // Nothing else holds the user's id (erasure markers hold a hash of it; see the erasure tests).
      const holding = (await db.collection(name).find({}).toArray()).filter((doc) => JSON.stringify(doc).includes(userId));
      expect({ name, holding }).toEqual({ name, holding: [] });
    }
  });
});
