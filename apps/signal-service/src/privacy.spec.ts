import { common, consent, signal } from '@signalpath/proto';
import { isNeverForAds, sensitiveClassOfTopic } from '@signalpath/sensitive-topics';

import { DEV_HASH_SECRET } from './config';
import { KeyedHasher } from './domain/keyed-hash';
import { COLLECTIONS } from './store/signal-store';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason } = signal;

/** Every document of every collection in the service's database, as text. */
async function dumpDatabase(h: SignalHarness): Promise<string[]> {
  const db = h.service.mongo.db;
  const dump: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) dump.push(`${name} ${JSON.stringify(doc)}`);
  }
  return dump;
}

/** Words of a message specific enough that finding one anywhere means the text leaked. */
function distinctiveWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[a-z]{6,}/g) ?? [])];
}

function expectNoTrace(haystack: string[], texts: string[]): void {
  const lower = haystack.map((entry) => entry.toLowerCase());
  for (const text of texts) {
    for (const entry of lower) expect(entry.includes(text.toLowerCase())).toBe(false);
    for (const word of distinctiveWords(text)) {
      const found = lower.find((entry) => entry.includes(word));
      expect({ word, found }).toEqual({ word, found: undefined });
    }
  }
}

const MESSAGES = {
  benign: 'Planning a bouldering trip to Fontainebleau, need recommendations for climbing shoes and chalk',
  mixed: 'I have diabetes but want climbing shoes',
  sensitive: 'I was diagnosed with diabetes last month and my insulin doses keep changing',
  voice: 'um so yeah I was thinking about getting into golf lessons this spring maybe',
  encrypted: 'Hidden surprise: proposing to Marguerite on the Kilimanjaro summit, booking climbing gear',
  refused: 'Looking for marathon training plans and running shoes for Copenhagen',
};

describe('privacy invariants', () => {
  let h: SignalHarness;
  const logLines: string[] = [];
  const hasher = new KeyedHasher(DEV_HASH_SECRET);
  const results = new Map<keyof typeof MESSAGES, signal.IngestInteractionResponse>();
  const requests = new Map<keyof typeof MESSAGES, signal.Interaction>();

  beforeAll(async () => {
    h = await startSignalHarness({
      logLines,
      decide: (q) =>
        q.userId === 'refusing-user'
          ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT }
          : { allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED },
    });
    for (const key of Object.keys(MESSAGES) as Array<keyof typeof MESSAGES>) {
      const request = interaction({
        userId: key === 'refused' ? 'refusing-user' : key === 'encrypted' ? 'e2e-user' : `privacy-${key}`,
        text: MESSAGES[key],
        endToEndEncrypted: key === 'encrypted',
        modality: key === 'voice' ? common.Modality.MODALITY_VOICE : common.Modality.MODALITY_TEXT,
      });
      requests.set(key, request);
      results.set(key, await h.client.ingestInteraction({ interaction: request }));
    }
    // Retries and a batch go through the same paths again.
    await h.client.ingestInteraction({ interaction: requests.get('mixed') });
    await h.client.ingestInteractions({ interactions: [...requests.values()].map((r) => ({ ...r, interactionId: `${r.interactionId}-batch` })) });
    await h.client.previewSignals({ interaction: requests.get('sensitive') });
    await settled(h);
  });
  afterAll(async () => h.stop());

  it('1: no message text, nor any distinctive word of it, is in any document of any collection', async () => {
    const dump = await dumpDatabase(h);
    expect(dump.length).toBeGreaterThan(0);
    expectNoTrace(dump, Object.values(MESSAGES));
  });

  it('1: the text is not logged and not sent on to ProfileService', async () => {
    expect(logLines.length).toBeGreaterThan(0);
    expectNoTrace(logLines, Object.values(MESSAGES));
    expect(h.profile?.received.length).toBeGreaterThan(0);
    expectNoTrace(
      (h.profile?.received ?? []).map((s) => JSON.stringify(s)),
      Object.values(MESSAGES),
    );
  });

  it('2: an end-to-end-encrypted interaction stores nothing but a counter', async () => {
    expect(results.get('encrypted')).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED, signals: [], suppressed: [] });
    const dump = await dumpDatabase(h);
    const mentions = dump.filter((entry) => entry.includes('e2e-user'));
    const request = requests.get('encrypted') as signal.Interaction;
    const ids = [request.interactionId, `${request.interactionId}-batch`];
    // Single call and batch: counted twice, one counter document each holding a keyed hash of the
    // interaction id and the user, and nowhere else.
    expect(mentions.sort()).toEqual(ids.map((id) => `${COLLECTIONS.e2eSkips} {"_id":"${hasher.e2eKey(hasher.recordKey('interaction', id))}","userId":"e2e-user"}`).sort());
    for (const id of ids) {
      expect(dump.some((entry) => entry.includes(hasher.recordKey('interaction', id)))).toBe(false);
      expect(dump.some((entry) => entry.includes(id))).toBe(false);
    }
    expect(h.consent.queries.some((q) => q.userId === 'e2e-user')).toBe(false);
    expect(h.profile?.received.some((s) => s.userId === 'e2e-user')).toBe(false);
    const exported = await h.userData.exportUserData({ userId: 'e2e-user' });
    expect(exported).toEqual({ signals: [], endToEndEncryptedSkippedCount: '2', records: [], pendingDeliveries: [], deliveries: [], erasures: [] });
  });

  it('2: an end-to-end-encrypted interaction previews as nothing', async () => {
    const preview = await h.client.previewSignals({ interaction: { ...(requests.get('encrypted') as signal.Interaction) } });
    // Not even its language is read.
    expect(preview).toEqual({ signals: [], suppressed: [], language: '', languageConfidence: 0, languageSupported: false, languages: [] });
  });

  it('3: in a mixed message the benign topic survives and nothing health-related does', async () => {
    const mixed = results.get('mixed') as signal.IngestInteractionResponse;
    expect(mixed.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
    expect(mixed.signals.some((s) => s.topic?.tier1 === 'Sports' || s.topic?.tier1 === 'Style & Fashion')).toBe(true);
    expect(mixed.signals.filter((s) => sensitiveClassOfTopic(s.topic?.id ?? '') !== undefined)).toEqual([]);
    expect(mixed.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
  });

  it('3: a purely sensitive message is SKIPPED NO_TOPICS and stores no signal and no trace of its class', async () => {
    const sensitive = results.get('sensitive') as signal.IngestInteractionResponse;
    expect(sensitive).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_NO_TOPICS, signals: [] });
    expect(sensitive.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
    const stored = await h.service.mongo.db.collection(COLLECTIONS.records).find({ userId: 'privacy-sensitive' }).toArray();
    // Only the idempotency entries (call and batch): hashes and the outcome, no signals, no class.
    expect(stored.map((r) => [r.status, r.skipReason, r.signals])).toEqual([
      [IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_NO_TOPICS, []],
      [IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_NO_TOPICS, []],
    ]);
    const dump = (await dumpDatabase(h)).filter((entry) => entry.includes('privacy-sensitive')).join('\n').replaceAll('privacy-sensitive', 'USER');
    expect(dump).not.toMatch(/health|sensitive|suppress|class/i);
    expect(h.profile?.received.some((s) => s.userId === 'privacy-sensitive')).toBe(false);
    expect((await h.client.listSignals({ userId: 'privacy-sensitive', pageSize: 0, pageToken: '' })).signals).toEqual([]);
  });

  it('3: no stored or delivered signal is ads-eligible for a topic the policy keeps from ads', async () => {
    const records = await h.service.mongo.db.collection(COLLECTIONS.records).find({}).toArray();
    const stored = records.flatMap((r) => r.signals as Array<{ topicId: string; adsEligible: boolean }>);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.filter((s) => s.adsEligible && isNeverForAds(s.topicId))).toEqual([]);
    expect(stored.filter((s) => sensitiveClassOfTopic(s.topicId) !== undefined)).toEqual([]);
    expect((h.profile?.received ?? []).filter((s) => sensitiveClassOfTopic(s.topicId) !== undefined)).toEqual([]);
  });

  it('4: a refusal at record time stores no signal and the reason is reported', async () => {
    expect(results.get('refused')).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_OPTED_OUT, signals: [], suppressed: [] });
    expect(h.profile?.received.some((s) => s.userId === 'refusing-user')).toBe(false);
  });
});

describe('sensitive content with SIGNAL_ALLOW_SENSITIVE_CONTENT', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness({ env: { SIGNAL_ALLOW_SENSITIVE_CONTENT: 'true' } });
  });
  afterAll(async () => h.stop());

  it('keeps sensitive topics for content only, never for ads', async () => {
    const response = await h.client.ingestInteraction({ interaction: interaction({ userId: 'allow-sensitive', text: MESSAGES.mixed }) });
    expect(response.signals.some((s) => s.adsEligible)).toBe(true);
    for (const s of response.signals) {
      if (sensitiveClassOfTopic(s.topic?.id ?? '') !== undefined) expect({ topic: s.topic?.id, ads: s.adsEligible, content: s.contentEligible }).toEqual({ topic: s.topic?.id, ads: false, content: true });
    }
    const activity = await h.client.recordActivity({
      activityId: 'allow-sensitive-activity',
      userId: 'allow-sensitive',
      surface: common.Surface.SURFACE_FACEBOOK,
      sourceKind: common.SourceKind.SOURCE_KIND_GROUP_JOIN,
      topicIds: ['286'],
      eventTime: new Date(),
    });
    expect(activity.signals.map((s) => [s.topic?.id, s.adsEligible, s.contentEligible])).toEqual([['286', false, true]]);
    expect(activity.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
  });
});
