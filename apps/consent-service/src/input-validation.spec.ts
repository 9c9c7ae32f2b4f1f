import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { common, consent } from '@signalpath/proto';
import { callRaw, codePointLabel, idWithForbiddenCodePoint, validIdArbitrary, withRawMessage, withRawTimestamp } from '@signalpath/testing';
import { startConsent, statusOf, type ConsentUnderTest } from './testing/harness';

/**
 * Hostile input at ConsentService's boundary, on a real server (port 0) and database: update-mask
 * paths named like Object.prototype members, timestamps a Date cannot tell apart from valid ones,
 * and ids outside the id grammar. Each must be INVALID_ARGUMENT naming the field, never INTERNAL
 * and never an eligibility decision.
 */

const SEED = 20_260_214;
const PROPERTY_RUNS = Number(process.env.ID_PROPERTY_RUNS || 60);
const BOUNDED = { interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true } as const;
const { SURFACE_MESSENGER } = common.Surface;
const { PURPOSE_ADS, PURPOSE_CONTENT } = common.Purpose;
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

/** Timestamps the protobuf spec calls invalid, each paired with what the pre-fix service made of it. */
const BAD_TIMESTAMPS: Array<{ seconds: string; nanos: number; what: string }> = [
  { seconds: INT64_MAX, nanos: 0, what: 'int64 max seconds (an invalid Date: allowed before)' },
  { seconds: INT64_MIN, nanos: 0, what: 'int64 min seconds (an invalid Date: allowed before)' },
  { seconds: '253402300800', nanos: 0, what: 'year 10000' },
  { seconds: '-62135596801', nanos: 0, what: 'year 0' },
  { seconds: '1767225600', nanos: -1, what: 'negative nanos' },
  { seconds: '1765843199', nanos: 1_000_000_000, what: 'nanos of one second (moves 2025-12-15T23:59:59 past the effective date)' },
];

const codeName = (code: status) => status[code];

describe('ConsentService input validation (real server, real database)', () => {
  let under: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    under = await startConsent();
    client = under.client;
    // An adult in the US: every valid query for a recent event is allowed.
    await client.updateSettings({
      userId: 'adult-us',
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
      updateMask: ['region', 'age_band'],
      expectedVersion: '0',
    });
  });
  afterAll(() => under?.stop());

  describe('UpdateSettings update_mask paths named like Object.prototype members', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'feed_controls.__proto__'])(
      '%s → INVALID_ARGUMENT naming update_mask.paths[1], nothing written',
      async (path) => {
        const result = await statusOf(
          client.updateSettings({ userId: 'mask-user', settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region', path], expectedVersion: '0' }),
        );
        expect(codeName(result.code)).toBe('INVALID_ARGUMENT');
        expect(result.details).toBe(`update_mask.paths[1]: unknown field path "${path}"`);
        expect((await client.getSettings({ userId: 'mask-user' })).settings?.version).toBe('0');
      },
    );
  });

  describe('timestamps', () => {
    const check = consent.ConsentServiceService.checkEligibility;
    const batch = consent.ConsentServiceService.batchCheckEligibility;
    const query = (userId: string, purpose: common.Purpose) => ({ userId, surface: SURFACE_MESSENGER, purpose, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined });

    it.each(BAD_TIMESTAMPS)('CheckEligibility with event_time $what → INVALID_ARGUMENT naming event_time', async ({ seconds, nanos }) => {
      for (const purpose of [PURPOSE_ADS, PURPOSE_CONTENT]) {
        const request = withRawTimestamp(consent.CheckEligibilityRequest.encode(query('adult-us', purpose)).finish(), 4, { seconds, nanos });
        const error = (await callRaw(under.service.address, check, request).catch((e: ServiceError) => e)) as ServiceError | consent.CheckEligibilityResponse;
        expect('code' in error ? `${codeName(error.code)}: ${error.details}` : `allowed=${error.allowed}`).toMatch(/^INVALID_ARGUMENT: event_time: must be a valid timestamp/);
      }
    });

    it.each(BAD_TIMESTAMPS)('BatchCheckEligibility with queries[1].event_time $what → INVALID_ARGUMENT naming it', async ({ seconds, nanos }) => {
      const good = consent.EligibilityQuery.encode(query('adult-us', PURPOSE_ADS)).finish();
      const bad = withRawTimestamp(consent.EligibilityQuery.encode(query('adult-us', PURPOSE_ADS)).finish(), 4, { seconds, nanos });
      const request = withRawMessage(withRawMessage(new Uint8Array(), 1, good), 1, bad);
      const error = (await callRaw(under.service.address, batch, request).catch((e: ServiceError) => e)) as ServiceError;
      expect(`${codeName(error.code)}: ${error.details}`).toMatch(/^INVALID_ARGUMENT: queries\[1\]\.event_time: must be a valid timestamp/);
    });

    it('a valid raw event_time at the effective date is decided as usual (the check refuses only what is invalid)', async () => {
      const request = withRawTimestamp(consent.CheckEligibilityRequest.encode(query('adult-us', PURPOSE_ADS)).finish(), 4, { seconds: '1765843200', nanos: 0 });
      expect(await callRaw(under.service.address, check, request)).toMatchObject({ allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED });
      const before = withRawTimestamp(consent.CheckEligibilityRequest.encode(query('adult-us', PURPOSE_ADS)).finish(), 4, { seconds: '1765843199', nanos: 999_999_999 });
      expect(await callRaw(under.service.address, check, before)).toMatchObject({ allowed: false, reason: consent.EligibilityReason.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE });
    });

    it('an event time more than 5 minutes in the future is INVALID_ARGUMENT; within the skew it is decided', async () => {
      for (const eventTime of [new Date('9999-12-31T23:59:59.999Z'), new Date(Date.now() + 6 * 60_000)]) {
        const result = await statusOf(client.checkEligibility({ ...query('adult-us', PURPOSE_ADS), eventTime }));
        expect(`${codeName(result.code)}: ${result.details}`).toBe('INVALID_ARGUMENT: event_time: must not be more than 5 minutes in the future');
      }
      expect((await client.checkEligibility({ ...query('adult-us', PURPOSE_ADS), eventTime: new Date(Date.now() + 60_000) })).allowed).toBe(true);
      // Year 1 is a valid time: it is simply before the effective date.
      expect((await client.checkEligibility({ ...query('adult-us', PURPOSE_ADS), eventTime: new Date('0001-01-01T00:00:00Z') })).reason).toBe(
        consent.EligibilityReason.ELIGIBILITY_REASON_BEFORE_EFFECTIVE_DATE,
      );
    });
  });

  describe('ids (fast-check, fixed seed)', () => {
    it('any id with a forbidden code point is INVALID_ARGUMENT naming the field and the code point, on every RPC taking one', async () => {
      await fc.assert(
        fc.asyncProperty(idWithForbiddenCodePoint(), async ({ id, codePoint }) => {
          const calls: Array<[string, Promise<unknown>]> = [
            ['user_id', client.getSettings({ userId: id })],
            ['user_id', client.checkEligibility({ userId: id, surface: SURFACE_MESSENGER, purpose: PURPOSE_ADS, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false, eventTime: undefined })],
            ['queries[0].user_id', client.batchCheckEligibility({ queries: [consent.EligibilityQuery.fromPartial({ userId: id, surface: SURFACE_MESSENGER, purpose: PURPOSE_ADS })] })],
            ['account_id', client.linkAccount({ userId: 'linker', surface: SURFACE_MESSENGER, accountId: id })],
            ['user_id', client.requestErasure({ userId: id, scope: common.ErasureScope.ERASURE_SCOPE_ALL })],
            ['job_id', client.getErasureJob({ jobId: id })],
            ['user_id', client.listSettingsHistory({ userId: id, pageSize: 0, pageToken: '' })],
            [
              'settings.ad_preferences.blocked_advertiser_ids[1]',
              client.updateSettings({
                userId: 'blocker',
                settings: consent.Settings.fromPartial({ adPreferences: { blockedAdvertiserIds: ['adv-ok', id] } }),
                updateMask: ['ad_preferences.blocked_advertiser_ids'],
                expectedVersion: '0',
              }),
            ],
          ];
          for (const [field, call] of calls) {
            const result = await statusOf(call);
            expect(`${codeName(result.code)}: ${result.details}`).toMatch(new RegExp(`^INVALID_ARGUMENT: ${field.replace(/[[\].]/g, '\\$&')}: must not contain ${codePointLabel(codePoint).replace('+', '\\+')} `));
            expect(result.details).not.toContain(String.fromCodePoint(codePoint));
          }
        }),
        { seed: SEED, numRuns: PROPERTY_RUNS, ...BOUNDED },
      );
    }, 120_000);

    it('valid ids round-trip: stored and returned exactly as sent', async () => {
      await fc.assert(
        fc.asyncProperty(validIdArbitrary('u-'), validIdArbitrary('acct-'), async (userId, accountId) => {
          const updated = await client.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region'], expectedVersion: '0' });
          expect(updated.settings?.userId).toBe(userId);
          const linked = await client.linkAccount({ userId, surface: SURFACE_MESSENGER, accountId });
          expect(linked.settings?.linkedAccounts.map((link) => link.accountId)).toEqual([accountId]);
          const read = await client.getSettings({ userId });
          expect(read.settings).toMatchObject({ userId, region: 'US', version: '2' });
          const history = await client.listSettingsHistory({ userId, pageSize: 0, pageToken: '' });
          expect(history.changes).toHaveLength(2);
        }),
        { seed: SEED, numRuns: PROPERTY_RUNS, ...BOUNDED },
      );
    }, 120_000);
  });
});
