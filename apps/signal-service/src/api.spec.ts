import { status, type ServiceError } from '@grpc/grpc-js';
import { common, consent, signal } from '@signalpath/proto';

import { COLLECTIONS } from './store/signal-store';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

const { IngestStatus, SkipReason } = signal;
const CLIMBING = '500';
const GOLF = '512';
const MEDICAL_HEALTH = '286';
const RESTRICTED = 'j9PaO9';

async function rpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

function activity(overrides: Partial<signal.RecordActivityRequest> = {}): signal.RecordActivityRequest {
  return {
    activityId: `act-${Math.random().toString(36).slice(2)}`,
    userId: 'activity-user',
    surface: common.Surface.SURFACE_INSTAGRAM,
    sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE,
    topicIds: [CLIMBING],
    eventTime: new Date(Date.now() - 1_000),
    ...overrides,
  };
}

describe('SignalService API', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  describe('RecordActivity', () => {
    it('records traditional signals with their source kind and no modality', async () => {
      const response = await h.client.recordActivity(activity({ sourceKind: common.SourceKind.SOURCE_KIND_GROUP_JOIN, topicIds: [CLIMBING, GOLF, CLIMBING] }));
      expect(response.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
      expect(response.signals.map((s) => [s.topic?.id, s.sourceKind, s.modality, s.adsEligible, s.contentEligible]).sort()).toEqual([
        [CLIMBING, common.SourceKind.SOURCE_KIND_GROUP_JOIN, common.Modality.MODALITY_UNSPECIFIED, true, true],
        [GOLF, common.SourceKind.SOURCE_KIND_GROUP_JOIN, common.Modality.MODALITY_UNSPECIFIED, true, true],
      ]);
      expect(response.signals.every((s) => s.weight > 0 && s.weight <= 1)).toBe(true);
    });

    it('suppresses sensitive topic ids and drops restricted ones', async () => {
      const mixed = await h.client.recordActivity(activity({ topicIds: [MEDICAL_HEALTH, CLIMBING, RESTRICTED] }));
      expect(mixed.signals.map((s) => s.topic?.id)).toEqual([CLIMBING]);
      expect(mixed.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
      const sensitiveOnly = await h.client.recordActivity(activity({ userId: 'activity-sensitive', topicIds: [MEDICAL_HEALTH] }));
      expect(sensitiveOnly).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_NO_TOPICS, signals: [] });
      expect(sensitiveOnly.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
      const records = await h.service.mongo.db.collection(COLLECTIONS.records).find({ userId: 'activity-sensitive' }).toArray();
      expect(records.map((r) => r.signals)).toEqual([[]]);
    });

    it('is idempotent on activity_id: same topics in any order are DUPLICATE, other content ALREADY_EXISTS', async () => {
      const request = activity({ topicIds: [CLIMBING, GOLF] });
      const first = await h.client.recordActivity(request);
      const retry = await h.client.recordActivity({ ...request, topicIds: [GOLF, CLIMBING] });
      expect(retry.status).toBe(IngestStatus.INGEST_STATUS_DUPLICATE);
      expect(retry.signals).toEqual(first.signals);
      const error = await rpcError(h.client.recordActivity({ ...request, topicIds: [GOLF] }));
      expect(error.code).toBe(status.ALREADY_EXISTS);
      // An interaction may reuse the same caller id: the kinds have separate key spaces.
      const sameId = await h.client.ingestInteraction({ interaction: interaction({ interactionId: request.activityId }) });
      expect(sameId.status).toBe(IngestStatus.INGEST_STATUS_ACCEPTED);
    });

    it('checks eligibility like interactions', async () => {
      h.consent.decide = (q) => (q.userId === 'activity-opted-out' ? { allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_OPTED_OUT } : { allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED });
      const response = await h.client.recordActivity(activity({ userId: 'activity-opted-out' }));
      h.consent.decide = () => ({ allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED });
      expect(response).toMatchObject({ status: IngestStatus.INGEST_STATUS_SKIPPED, skipReason: SkipReason.SKIP_REASON_OPTED_OUT, signals: [] });
    });

    const bad: Array<[string, Partial<signal.RecordActivityRequest>]> = [
      ['activity_id', { activityId: '' }],
      ['user_id', { userId: ' ' }],
      ['surface', { surface: common.Surface.SURFACE_UNSPECIFIED }],
      ['source_kind', { sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED }],
      ['source_kind', { sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT }],
      ['topic_ids', { topicIds: [] }],
      ['topic_ids', { topicIds: Array.from({ length: 101 }, () => CLIMBING) }],
      ['topic_ids[1]', { topicIds: [CLIMBING, 'not-a-topic'] }],
      ['event_time', { eventTime: undefined }],
      ['event_time', { eventTime: new Date(Date.now() + 10 * 60_000) }],
    ];
    it.each(bad)('rejects bad %s naming the field', async (field, overrides) => {
      const error = await rpcError(h.client.recordActivity(activity({ userId: 'activity-bad', ...overrides })));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details.startsWith(`${field}:`)).toBe(true);
      expect(await h.service.mongo.db.collection(COLLECTIONS.records).countDocuments({ userId: 'activity-bad' })).toBe(0);
    });
  });

  describe('PreviewSignals', () => {
    it('shows what a message would teach, stores nothing and asks no one', async () => {
      const db = h.service.mongo.db;
      const counts = async () => Promise.all(Object.values(COLLECTIONS).map((name) => db.collection(name).countDocuments({})));
      await settled(h);
      const before = await counts();
      const queries = h.consent.queries.length;
      const preview = await h.client.previewSignals({ interaction: { interactionId: '', userId: '', surface: common.Surface.SURFACE_WHATSAPP, modality: common.Modality.MODALITY_VOICE, endToEndEncrypted: false, text: 'I have diabetes but want climbing shoes', eventTime: undefined } });
      expect(preview.signals.length).toBeGreaterThan(0);
      expect(preview.signals.every((s) => s.signalId === '' && s.surface === common.Surface.SURFACE_WHATSAPP && s.modality === common.Modality.MODALITY_VOICE && s.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT)).toBe(true);
      expect(preview.suppressed).toEqual([{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }]);
      expect(preview).toMatchObject({ language: 'en', languageSupported: true, languages: ['en'] });
      expect(preview.languageConfidence).toBeGreaterThan(0.5);
      expect(await counts()).toEqual(before);
      expect(h.consent.queries.length).toBe(queries);
    });

    it('shows the language identified, and previews a text in an unsupported language as nothing', async () => {
      const preview = (text: string) => h.client.previewSignals({ interaction: interaction({ text }) });
      expect(await preview('Tinc diabetis però vull unes sabates de golf, quines em recomaneu?')).toMatchObject({ language: 'ca', languageSupported: false, languages: ['ca'], signals: [], suppressed: [] });
      // Spanish is analyzed: the health clause is suppressed, the golf request after "pero" stands on its own.
      expect(await preview('Tengo diabetes pero quiero unas zapatillas de golf, ¿cuáles me recomiendan?')).toMatchObject({ language: 'es', languageSupported: true, languages: ['es'], suppressed: [{ sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH }] });
      // Code-switched Hindi–English is analyzed (both languages supported).
      const hinglish = await preview('mujhe golf shoes chahiye, kaunse best hain for beginners?');
      expect(hinglish).toMatchObject({ language: 'hi-Latn', languageSupported: true, languages: ['hi-Latn', 'en'] });
      expect(hinglish.signals.length).toBeGreaterThan(0);
      expect(await preview('Привет, как дела?')).toMatchObject({ language: 'und-Cyrl', languageSupported: false, signals: [] });
      expect(await preview('I love golf')).toMatchObject({ language: 'en', languageSupported: true });
    });

    it('rejects a missing interaction and text over 32 KiB', async () => {
      expect((await rpcError(h.client.previewSignals({ interaction: undefined }))).details).toMatch(/^interaction:/);
      const error = await rpcError(h.client.previewSignals({ interaction: interaction({ text: 'x'.repeat(32 * 1024 + 1) }) }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^interaction\.text:/);
    });
  });

  describe('ListSignals', () => {
    const userId = 'list-user';
    let all: signal.Signal[] = [];
    beforeAll(async () => {
      const base = Date.now() - 3_600_000;
      for (let i = 0; i < 6; i++) {
        await h.client.recordActivity(activity({ userId, topicIds: [CLIMBING, GOLF, '483'], eventTime: new Date(base + (i % 3) * 1000) }));
      }
      all = (await h.userData.exportUserData({ userId })).signals;
      expect(all.length).toBe(18);
    });

    it('pages through every signal, newest event first, for any page size', async () => {
      for (const pageSize of [1, 2, 4, 5, 18, 50]) {
        const seen: signal.Signal[] = [];
        let pageToken = '';
        for (let page = 0; page < 40; page++) {
          const response = await h.client.listSignals({ userId, pageSize, pageToken });
          expect(response.signals.length).toBeLessThanOrEqual(pageSize);
          seen.push(...response.signals);
          pageToken = response.nextPageToken;
          if (!pageToken) break;
        }
        expect({ pageSize, ids: seen.map((s) => s.signalId) }).toEqual({ pageSize, ids: all.map((s) => s.signalId) });
      }
      const times = all.map((s) => s.eventTime?.getTime() ?? 0);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('treats 0 as 100 and caps at 1000; rejects a negative size and foreign or malformed tokens', async () => {
      expect((await h.client.listSignals({ userId, pageSize: 0, pageToken: '' })).signals.length).toBe(18);
      expect((await h.client.listSignals({ userId, pageSize: 5000, pageToken: '' })).signals.length).toBe(18);
      expect((await rpcError(h.client.listSignals({ userId, pageSize: -1, pageToken: '' }))).details).toMatch(/^page_size:/);
      expect((await rpcError(h.client.listSignals({ userId: '', pageSize: 1, pageToken: '' }))).details).toMatch(/^user_id:/);
      const { nextPageToken } = await h.client.listSignals({ userId, pageSize: 1, pageToken: '' });
      expect((await rpcError(h.client.listSignals({ userId: 'someone-else', pageSize: 1, pageToken: nextPageToken }))).details).toMatch(/^page_token:/);
      expect((await rpcError(h.client.listSignals({ userId, pageSize: 1, pageToken: 'garbage!' }))).code).toBe(status.INVALID_ARGUMENT);
    });
  });

  describe('DeleteUserData and ExportUserData', () => {
    it('exports signals and the encrypted-skip count, and deletes by scope, idempotently', async () => {
      const userId = 'erase-user';
      const chat = await h.client.ingestInteraction({ interaction: interaction({ userId }) });
      await h.client.ingestInteraction({ interaction: interaction({ userId, endToEndEncrypted: true, text: '' }) });
      const like = await h.client.recordActivity(activity({ userId, topicIds: [GOLF] }));
      const exported = await h.userData.exportUserData({ userId });
      expect(exported.endToEndEncryptedSkippedCount).toBe('1');
      expect(exported.signals.map((s) => s.signalId).sort()).toEqual([...chat.signals, ...like.signals].map((s) => s.signalId).sort());

      await settled(h);
      const aiChat = await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-1', cutoffTime: undefined });
      expect(Number(aiChat.deletedCount)).toBeGreaterThanOrEqual(2);
      const afterChat = await h.userData.exportUserData({ userId });
      expect(afterChat).toMatchObject({ signals: like.signals.map((s) => ({ ...s })), endToEndEncryptedSkippedCount: '0', pendingDeliveries: [] });
      expect(afterChat.records.map((r) => r.kind)).toEqual([signal.RecordKind.RECORD_KIND_ACTIVITY]);
      expect(afterChat.deliveries.map((d) => d.sourceKind)).toEqual([common.SourceKind.SOURCE_KIND_PAGE_LIKE]);
      expect(afterChat.erasures).toEqual([{ erasureJobId: 'job-1', scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT, cutoffTime: expect.any(Date), createTime: expect.any(Date) }]);
      // Deleting again finds nothing.
      expect((await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT, erasureJobId: 'job-1', cutoffTime: undefined })).deletedCount).toBe('0');

      const everything = await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job-2', cutoffTime: undefined });
      expect(Number(everything.deletedCount)).toBeGreaterThanOrEqual(1);
      expect(await h.userData.exportUserData({ userId })).toMatchObject({ signals: [], endToEndEncryptedSkippedCount: '0', records: [], pendingDeliveries: [], deliveries: [] });
      const dump = [];
      for (const name of Object.values(COLLECTIONS)) dump.push(...(await h.service.mongo.db.collection(name).find({ userId }).toArray()));
      expect(dump).toEqual([]);
      expect(await h.service.mongo.db.collection(COLLECTIONS.e2eSkips).countDocuments({ _id: userId as never })).toBe(0);
      expect((await h.userData.deleteUserData({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job-2', cutoffTime: undefined })).deletedCount).toBe('0');
    });

    it('validates user_id and scope', async () => {
      expect((await rpcError(h.userData.deleteUserData({ userId: '', scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: '', cutoffTime: undefined }))).details).toMatch(/^user_id:/);
      expect((await rpcError(h.userData.deleteUserData({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_UNSPECIFIED, erasureJobId: '', cutoffTime: undefined }))).details).toMatch(/^scope:/);
      expect((await rpcError(h.userData.exportUserData({ userId: '' }))).details).toMatch(/^user_id:/);
    });
  });
});
