import { status, type ServiceError } from '@grpc/grpc-js';
import { common, consent, signal } from '@signalpath/proto';
import { retryDelayOf, unpackDetails } from '@signalpath/grpc-kit';
import { FakeConsentService } from '@signalpath/testing';

import { COLLECTIONS } from './store/signal-store';
import { eventually } from './testing/fakes';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason } = signal;

async function rpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** Documents stored, once the deliverer has drained the outbox (its entries come and go). */
async function countAll(h: SignalHarness): Promise<number> {
  await settled(h);
  let total = 0;
  for (const name of Object.values(COLLECTIONS)) total += await h.service.mongo.db.collection(name).countDocuments({});
  return total;
}

describe('IngestInteraction', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  it('accepts an interaction, stores its signals and returns them', async () => {
    const request = interaction({ userId: 'accept-user' });
    const response = await h.client.ingestInteraction({ interaction: request });
    expect(response.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
    expect(response.skipReason).toBe(SkipReason.SKIP_REASON_UNSPECIFIED);
    const climbing = response.signals.find((s) => s.topic?.name === 'Climbing');
    expect(climbing).toMatchObject({ adsEligible: true, contentEligible: true, surface: common.Surface.SURFACE_MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, modality: common.Modality.MODALITY_TEXT });
    expect(climbing?.signalId).not.toBe('');
    expect(climbing?.topic?.tier1).toBe('Sports');
    expect(climbing?.eventTime?.getTime()).toBe(request.eventTime?.getTime());
    const listed = await h.client.listSignals({ userId: 'accept-user', pageSize: 0, pageToken: '' });
    expect(listed.signals.map((s) => s.signalId).sort()).toEqual(response.signals.map((s) => s.signalId).sort());
    // One BatchCheckEligibility call answered both purposes.
    const asked = h.consent.queries.filter((q) => q.userId === 'accept-user');
    expect(asked.map((q) => q.purpose).sort()).toEqual([common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT]);
    expect(asked.every((q) => q.eventTime?.getTime() === request.eventTime?.getTime() && q.surface === request.surface)).toBe(true);
  });

  it('answers a retry with the same content as DUPLICATE with the first result, storing nothing more', async () => {
    const request = interaction({ userId: 'dup-user' });
    const first = await h.client.ingestInteraction({ interaction: request });
    const before = await countAll(h);
    const retry = await h.client.ingestInteraction({ interaction: { ...request } });
    expect(retry.status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
    expect(retry.signals).toEqual(first.signals);
    expect(await countAll(h)).toBe(before);
  });

  it('rejects the same id with different content as ALREADY_EXISTS', async () => {
    const request = interaction({ userId: 'reuse-user' });
    await h.client.ingestInteraction({ interaction: request });
    for (const changed of [{ text: 'I want to learn golf' }, { userId: 'someone-else' }, { surface: common.Surface.SURFACE_WHATSAPP }, { modality: common.Modality.MODALITY_VOICE }, { eventTime: new Date(Date.now() - 120_000) }, { endToEndEncrypted: true }]) {
      const error = await rpcError(h.client.ingestInteraction({ interaction: { ...request, ...changed } }));
      expect(error.code).toBe(status.ALREADY_EXISTS);
      expect(error.details).toContain('interaction_id');
    }
  });

  it('maps each consent refusal to its skip reason, using the ads reason when neither purpose is allowed', async () => {
    const E = consent.EligibilityReason;
    const cases: Array<[consent.EligibilityReason, signal.SkipReason]> = [
      [E.ELIGIBILITY_REASON_OPTED_OUT, SkipReason.SKIP_REASON_OPTED_OUT],
      [E.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE, SkipReason.SKIP_REASON_BEFORE_EFFECTIVE_DATE],
      [E.ELIGIBILITY_REASON_REGION_EXCLUDED, SkipReason.SKIP_REASON_REGION_EXCLUDED],
      [E.ELIGIBILITY_REASON_MINOR, SkipReason.SKIP_REASON_MINOR],
      [E.ELIGIBILITY_REASON_AGE_UNKNOWN, SkipReason.SKIP_REASON_AGE_UNKNOWN],
      [E.ELIGIBILITY_REASON_REGION_UNKNOWN, SkipReason.SKIP_REASON_REGION_UNKNOWN],
    ];
    for (const [reason, expected] of cases) {
      const userId = `refused-${reason}`;
      h.consent.decide = (q) =>
        q.userId !== userId
          ? { allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED }
          : q.purpose === common.Purpose.PURPOSE_ADS
            ? { allowed: false, reason }
            : { allowed: false, reason: E.ELIGIBILITY_REASON_OPTED_OUT };
      const response = await h.client.ingestInteraction({ interaction: interaction({ userId }) });
      expect({ reason, status: response.status, skipReason: response.skipReason, signals: response.signals }).toEqual({ reason, status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: expected, signals: [] });
      const stored = await h.service.mongo.db.collection(COLLECTIONS.records).findOne({ userId });
      expect(stored?.signals).toEqual([]);
    }
    h.consent.decide = () => ({ allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED });
  });

  it('stores signals for one purpose only when the other is refused', async () => {
    const E = consent.EligibilityReason;
    h.consent.decide = (q) => (q.purpose === common.Purpose.PURPOSE_ADS ? { allowed: false, reason: E.ELIGIBILITY_REASON_MINOR } : { allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED });
    const response = await h.client.ingestInteraction({ interaction: interaction({ userId: 'minor-user' }) });
    h.consent.decide = () => ({ allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED });
    expect(response.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
    expect(response.signals.length).toBeGreaterThan(0);
    expect(response.signals.every((s) => !s.adsEligible && s.contentEligible)).toBe(true);
  });

  it('answers SKIPPED NO_TOPICS when nothing is learned', async () => {
    const response = await h.client.ingestInteraction({ interaction: interaction({ userId: 'no-topic-user', text: 'ok thanks' }) });
    expect(response).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_NO_TOPICS, signals: [] });
  });

  it('answers SKIPPED UNSUPPORTED_LANGUAGE for a text the extractor cannot read, and stores no signal (invariant 8)', async () => {
    const cases: Array<[userId: string, text: string]> = [
      // Italian naming topics the English lexicon knows (golf, iPhone): it used to become signals.
      ['lang-it', 'Voglio comprare un iPhone nuovo e delle mazze da golf, cosa mi consigli?'],
      // Catalan, close to Spanish (which is analyzed): recognized and refused, not read as Spanish.
      ['lang-ca', 'Vull unes sabates de golf i un iPhone nou, quines em recomaneu?'],
      // One brand name: no language can be told.
      ['lang-und', 'iPhone'],
    ];
    for (const [userId, text] of cases) {
      const response = await h.client.ingestInteraction({ interaction: interaction({ userId, text }) });
      expect({ userId, ...response }).toMatchObject({ userId, status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_UNSUPPORTED_LANGUAGE, signals: [], suppressed: [] });
      expect((await h.client.listSignals({ userId, pageSize: 0, pageToken: '' })).signals).toEqual([]);
      // Counted: the ledger keeps the skip and its reason (never the text or the language).
      const records = await h.service.mongo.db.collection(COLLECTIONS.records).find({ userId }).toArray();
      expect(records.map((r) => [r.status, r.skipReason, r.signals])).toEqual([[IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_UNSUPPORTED_LANGUAGE, []]]);
      expect(JSON.stringify(records)).not.toMatch(/"(it|ca|und)"/);
    }
  });

  describe('bad input names the field and stores nothing', () => {
    const cases: Array<[string, Partial<signal.Interaction> | undefined]> = [
      ['interaction', undefined],
      ['interaction.interaction_id', { interactionId: '' }],
      ['interaction.user_id', { userId: '' }],
      ['interaction.surface', { surface: common.Surface.SURFACE_UNSPECIFIED }],
      ['interaction.surface', { surface: 99 as common.Surface }],
      ['interaction.modality', { modality: common.Modality.MODALITY_UNSPECIFIED }],
      ['interaction.event_time', { eventTime: undefined }],
      // Read when the case runs (spread by interaction()), not when the suite is collected: on a loaded
      // machine minutes pass in between, and a time fixed then would no longer be in the future.
      [
        'interaction.event_time',
        {
          get eventTime() {
            return new Date(Date.now() + 6 * 60_000);
          },
        },
      ],
      ['interaction.text', { text: 'é'.repeat(16 * 1024 + 1) }],
    ];
    it.each(cases)('%s', async (field, overrides) => {
      const before = await countAll(h);
      const asked = h.consent.queries.length;
      const request = overrides === undefined ? undefined : interaction(overrides);
      const error = await rpcError(h.client.ingestInteraction({ interaction: request }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details.startsWith(`${field}:`)).toBe(true);
      expect(await countAll(h)).toBe(before);
      expect(h.consent.queries.length).toBe(asked);
    });

    it('accepts text of exactly 32 KiB and an event time 4 minutes ahead', async () => {
      // A sentence (a lone word is of undetermined language, hence refused) padded with one 32 KiB-long token.
      const text = `I love climbing ${'a'.repeat(32 * 1024 - 16)}`;
      expect(Buffer.byteLength(text)).toBe(32 * 1024);
      const started = Date.now();
      const response = await h.client.ingestInteraction({ interaction: interaction({ text, eventTime: new Date(h.clock.ms + 4 * 60_000) }) });
      expect(response.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
      expect(response.signals.map((s) => s.topic?.name)).toContain('Climbing');
      // One 32 KiB token must not hold the service for long.
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });
});

describe('IngestInteraction when ConsentService is unreachable', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  it('fails with UNAVAILABLE, stores nothing, and a retry with the same id succeeds once it is back', async () => {
    const recorded = interaction({ userId: 'recorded-before' });
    await h.client.ingestInteraction({ interaction: recorded });
    const before = await countAll(h);
    await h.consent.stop();
    const request = interaction({ userId: 'consent-down-user' });
    const error = await rpcError(h.client.ingestInteraction({ interaction: request }));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(await countAll(h)).toBe(before);
    // An interaction recorded earlier is still answered from the ledger.
    expect((await h.client.ingestInteraction({ interaction: recorded })).status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
    const batch = await h.client.ingestInteractions({ interactions: [interaction({ userId: 'consent-down-user' }), recorded] });
    expect(batch.results.map((r) => r.errorCode)).toEqual([status.UNAVAILABLE, 0]);
    // Retry advised, in the item's google.rpc.Status as in the single call's trailer.
    expect(batch.results[0].error?.code).toBe(status.UNAVAILABLE);
    expect(unpackDetails(batch.results[0].error?.details ?? []).retryDelayMs).toBeGreaterThan(0);
    expect(retryDelayOf(error)).toBeGreaterThan(0);
    expect(batch.results[1].status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
    expect(await countAll(h)).toBe(before);

    const back = new FakeConsentService();
    await back.start(Number(h.consent.address.split(':')[1]));
    try {
      // The caller retries until the service answers (its channel to ConsentService reconnects).
      let retry: signal.IngestInteractionResponse | undefined;
      await eventually(
        async () => {
          retry = await h.client.ingestInteraction({ interaction: request }).catch((error: ServiceError) => {
            if (error.code !== status.UNAVAILABLE) throw error;
            return undefined;
          });
          return retry !== undefined;
        },
        15_000,
        200,
      );
      expect(retry?.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
      expect((await h.client.ingestInteraction({ interaction: request })).status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
    } finally {
      await back.stop();
    }
  });
});

describe('IngestInteractions', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  it('returns one result per item, in order, with per-item errors, in one consent call', async () => {
    const good = interaction({ userId: 'batch-user' });
    const reused = interaction({ userId: 'batch-user' });
    await h.client.ingestInteraction({ interaction: reused });
    const callsBefore = h.consent.batchCalls;
    const items = [
      good,
      interaction({ userId: '' }),
      { ...good },
      { ...good, text: 'golf please' },
      interaction({ userId: 'batch-user', endToEndEncrypted: true, text: '' }),
      reused,
      { ...reused, text: 'something else entirely' },
      interaction({ userId: 'batch-user', text: 'thanks' }),
    ];
    const { results } = await h.client.ingestInteractions({ interactions: items });
    expect(results.map((r) => r.interactionId)).toEqual(items.map((i) => i.interactionId));
    expect(results.map((r) => [r.errorCode, r.status, r.skipReason])).toEqual([
      [0, IngestStatus.INGEST_STATUS_ACCEPTED, SkipReason.SKIP_REASON_UNSPECIFIED],
      [status.INVALID_ARGUMENT, IngestStatus.INGEST_STATUS_UNSPECIFIED, SkipReason.SKIP_REASON_UNSPECIFIED],
      [0, IngestStatus.INGEST_STATUS_DUPLICATE, SkipReason.SKIP_REASON_UNSPECIFIED],
      [status.ALREADY_EXISTS, IngestStatus.INGEST_STATUS_UNSPECIFIED, SkipReason.SKIP_REASON_UNSPECIFIED],
      [0, IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED],
      [0, IngestStatus.INGEST_STATUS_DUPLICATE, SkipReason.SKIP_REASON_UNSPECIFIED],
      [status.ALREADY_EXISTS, IngestStatus.INGEST_STATUS_UNSPECIFIED, SkipReason.SKIP_REASON_UNSPECIFIED],
      [0, IngestStatus.INGEST_STATUS_SKIPPED, SkipReason.SKIP_REASON_NO_TOPICS],
    ]);
    expect(results[1].errorMessage).toBe('interactions[1].user_id: must not be empty');
    // The google.rpc.Status beside the deprecated code and message: same code, the field in a BadRequest.
    expect(results.map((r) => r.error?.code ?? 0)).toEqual(results.map((r) => r.errorCode));
    expect(unpackDetails(results[1].error?.details ?? [])).toEqual({ fieldViolations: [{ field: 'interactions[1].user_id', description: 'must not be empty' }], unknownTypes: [] });
    expect(results[1].error?.message).toBe('interactions[1].user_id: must not be empty');
    expect(results[0].error).toBeUndefined();
    expect(results[2].signals).toEqual(results[0].signals);
    expect(h.consent.batchCalls - callsBefore).toBe(1);
    const stored = await h.service.mongo.db.collection(COLLECTIONS.records).countDocuments({ userId: 'batch-user' });
    expect(stored).toBe(3); // reused (earlier), good, and the NO_TOPICS one
  });

  it('counts concurrent first end-to-end-encrypted interactions of a new user without failing any', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => h.client.ingestInteraction({ interaction: interaction({ userId: 'e2e-race', endToEndEncrypted: true }) })));
    expect(responses.every((r) => r.status === IngestStatus.INGEST_STATUS_SKIPPED && r.skipReason === SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED)).toBe(true);
    const { endToEndEncryptedSkippedCount } = await h.client.exportUserData({ userId: 'e2e-race' });
    // Exactly 10 on every store: one unique insert per interaction, no $inc (see erasure.spec.ts).
    expect(endToEndEncryptedSkippedCount).toBe('10');
  });

  it('rejects an empty batch and one over 500 items', async () => {
    expect((await rpcError(h.client.ingestInteractions({ interactions: [] }))).details).toMatch(/^interactions:/);
    const tooMany = Array.from({ length: 501 }, () => interaction({ text: 'hi' }));
    const error = await rpcError(h.client.ingestInteractions({ interactions: tooMany }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^interactions:/);
  });

  it('ingests 500 interactions in one call with at most 2 consent calls', async () => {
    const callsBefore = h.consent.batchCalls;
    const items = Array.from({ length: 500 }, (_, i) => interaction({ userId: `bulk-${i % 40}` }));
    const { results } = await h.client.ingestInteractions({ interactions: items });
    expect(results.every((r) => r.errorCode === 0 && r.status === IngestStatus.INGEST_STATUS_ACCEPTED)).toBe(true);
    expect(h.consent.batchCalls - callsBefore).toBeLessThanOrEqual(2);
  });
});
