import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { common, signal } from '@signalpath/proto';
import { unpackDetails } from '@signalpath/grpc-kit';
import { callRaw, codePointLabel, idWithForbiddenCodePoint, validIdArbitrary, withRawMessage, withRawTimestamp } from '@signalpath/testing';

import { COLLECTIONS } from './store/signal-store';
import { interaction, startSignalHarness, type SignalHarness } from './testing/harness';

/**
 * Timestamps and ids at SignalService's boundary, on a real server (port 0) and database: every
 * timestamp of every request is a valid protobuf Timestamp (and an event is not in the future),
 * every id follows the one id grammar, and a refusal names the field and stores nothing.
 */

const SEED = 20_260_215;
const PROPERTY_RUNS = Number(process.env.ID_PROPERTY_RUNS || 60);
const BOUNDED = { interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true } as const;
const BAD_TIMESTAMPS = [
  { seconds: '9223372036854775807', nanos: 0 },
  { seconds: '-9223372036854775808', nanos: 0 },
  { seconds: '253402300800', nanos: 0 },
  { seconds: String(Math.floor(Date.now() / 1000) - 60), nanos: -1 },
  { seconds: String(Math.floor(Date.now() / 1000) - 60), nanos: 1_000_000_000 },
];

const failure = async (call: Promise<unknown>): Promise<string> => {
  try {
    await call;
  } catch (error) {
    const e = error as ServiceError;
    return `${status[e.code]}: ${e.details}`;
  }
  return 'OK';
};
const escape = (text: string) => text.replace(/[[\].+()]/g, '\\$&');

describe('SignalService input validation (real server, real database)', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h?.stop());

  const records = () => h.service.mongo.db.collection(COLLECTIONS.records).countDocuments({});

  describe('timestamps the protobuf spec calls invalid (raw on the wire)', () => {
    const methods = signal.SignalServiceService;

    it.each(BAD_TIMESTAMPS)('IngestInteraction event_time %o → INVALID_ARGUMENT naming interaction.event_time, nothing stored', async (timestamp) => {
      const before = await records();
      const inner = withRawTimestamp(signal.Interaction.encode(interaction({ eventTime: undefined })).finish(), 7, timestamp);
      const outcome = await failure(callRaw(h.service.address, methods.ingestInteraction, withRawMessage(new Uint8Array(), 1, inner)));
      expect(outcome).toMatch(/^INVALID_ARGUMENT: interaction\.event_time: must be a valid timestamp/);
      expect(await records()).toBe(before);
    });

    it.each(BAD_TIMESTAMPS)('IngestInteractions item event_time %o → that item INVALID_ARGUMENT, the others processed', async (timestamp) => {
      const good = signal.Interaction.encode(interaction()).finish();
      const bad = withRawTimestamp(signal.Interaction.encode(interaction({ eventTime: undefined })).finish(), 7, timestamp);
      const response = await callRaw(h.service.address, methods.ingestInteractions, withRawMessage(withRawMessage(new Uint8Array(), 1, good), 1, bad));
      expect(response.results.map((r) => r.errorCode)).toEqual([status.OK, status.INVALID_ARGUMENT]);
      expect(response.results[1].errorMessage).toMatch(/^interactions\[1\]\.event_time: must be a valid timestamp/);
      expect(response.results[1].error?.code).toBe(status.INVALID_ARGUMENT);
      expect(unpackDetails(response.results[1].error?.details ?? []).fieldViolations?.map((v) => v.field)).toEqual(['interactions[1].event_time']);
    });

    it.each(BAD_TIMESTAMPS)('RecordActivity event_time %o → INVALID_ARGUMENT naming event_time', async (timestamp) => {
      const request = withRawTimestamp(
        signal.RecordActivityRequest.encode({ activityId: 'act-raw', userId: 'u', surface: 2, sourceKind: 2, topicIds: ['500'], eventTime: undefined }).finish(),
        6,
        timestamp,
      );
      expect(await failure(callRaw(h.service.address, methods.recordActivity, request))).toMatch(/^INVALID_ARGUMENT: event_time: must be a valid timestamp/);
    });

    it.each(BAD_TIMESTAMPS)('PreviewSignals event_time %o (optional, but checked when set) → INVALID_ARGUMENT', async (timestamp) => {
      const inner = withRawTimestamp(signal.Interaction.encode(signal.Interaction.fromPartial({ text: 'rock climbing' })).finish(), 7, timestamp);
      const outcome = await failure(callRaw(h.service.address, methods.previewSignals, withRawMessage(new Uint8Array(), 1, inner)));
      expect(outcome).toMatch(/^INVALID_ARGUMENT: interaction\.event_time: must be a valid timestamp/);
    });

    it('an event more than 5 minutes ahead is refused by every RPC that takes one, preview included', async () => {
      const ahead = new Date(Date.now() + 6 * 60_000);
      const expected = 'must not be more than 5 minutes in the future';
      expect(await failure(h.client.ingestInteraction({ interaction: interaction({ eventTime: ahead }) }))).toBe(`INVALID_ARGUMENT: interaction.event_time: ${expected}`);
      expect(await failure(h.client.previewSignals({ interaction: signal.Interaction.fromPartial({ text: 'rock climbing', eventTime: ahead }) }))).toBe(
        `INVALID_ARGUMENT: interaction.event_time: ${expected}`,
      );
      expect(
        await failure(h.client.recordActivity({ activityId: 'act-ahead', userId: 'u', surface: 2, sourceKind: 2, topicIds: ['500'], eventTime: new Date('9999-12-31T00:00:00Z') })),
      ).toBe(`INVALID_ARGUMENT: event_time: ${expected}`);
    });
  });

  describe('ids (fast-check, fixed seed)', () => {
    it('any id with a forbidden code point is INVALID_ARGUMENT naming the field and the code point, and nothing is stored', async () => {
      const before = await records();
      await fc.assert(
        fc.asyncProperty(idWithForbiddenCodePoint(), async ({ id, codePoint }) => {
          const label = escape(codePointLabel(codePoint));
          const cases: Array<[string, Promise<unknown>]> = [
            ['interaction.interaction_id', h.client.ingestInteraction({ interaction: interaction({ interactionId: id }) })],
            ['interaction.user_id', h.client.ingestInteraction({ interaction: interaction({ userId: id }) })],
            ['interaction.user_id', h.client.previewSignals({ interaction: signal.Interaction.fromPartial({ text: 'climbing', userId: id }) })],
            ['interaction.interaction_id', h.client.previewSignals({ interaction: signal.Interaction.fromPartial({ text: 'climbing', interactionId: id }) })],
            ['activity_id', h.client.recordActivity({ activityId: id, userId: 'u', surface: 2, sourceKind: 2, topicIds: ['500'], eventTime: new Date() })],
            ['user_id', h.client.listSignals({ userId: id, pageSize: 0, pageToken: '' })],
          ];
          for (const [field, call] of cases) expect(await failure(call)).toMatch(new RegExp(`^INVALID_ARGUMENT: ${escape(field)}: must not contain ${label} `));
          const batch = await h.client.ingestInteractions({ interactions: [interaction({ userId: id })] });
          expect(batch.results[0]).toMatchObject({ errorCode: status.INVALID_ARGUMENT, errorMessage: expect.stringMatching(new RegExp(`^interactions\\[0\\]\\.user_id: must not contain ${label} `)) });
        }),
        { seed: SEED, numRuns: PROPERTY_RUNS, ...BOUNDED },
      );
      expect(await records()).toBe(before);
    }, 120_000);

    it('valid ids round-trip: the signals of an ingested interaction are listed under exactly that user id', async () => {
      await fc.assert(
        fc.asyncProperty(validIdArbitrary('user '), validIdArbitrary('int-'), async (userId, interactionId) => {
          const ingested = await h.client.ingestInteraction({ interaction: interaction({ userId, interactionId }) });
          expect(ingested.status).toBe(signal.IngestStatus.INGEST_STATUS_ACCEPTED);
          const listed = await h.client.listSignals({ userId, pageSize: 0, pageToken: '' });
          expect(listed.signals.map((s) => s.signalId).sort()).toEqual(ingested.signals.map((s) => s.signalId).sort());
        }),
        { seed: SEED, numRuns: Math.min(PROPERTY_RUNS, 30), ...BOUNDED },
      );
    }, 120_000);
  });

  it('DeleteUserData: an erasure_job_id (it is logged) follows the id grammar; empty is allowed', async () => {
    expect(await failure(h.userData.deleteUserData({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job\u202e1', cutoffTime: undefined }))).toMatch(
      /^INVALID_ARGUMENT: erasure_job_id: must not contain U\+202E /,
    );
    expect(await failure(h.userData.deleteUserData({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: '', cutoffTime: undefined }))).toBe('OK');
  });
});
