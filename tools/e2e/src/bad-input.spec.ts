import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { GppModel } from '@iabgpp/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { readStatus, unpackDetails, type ReadStatus } from '@signalpath/grpc-kit';
import { common, consent, profile, ranking, signal, userdata, type rpc } from '@signalpath/proto';
import { loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createProfileClient, createUserDataClient, type UserDataClient } from '@signalpath/service-clients';
import { callRaw, withRawMessage, withRawTimestamp, type RawTimestamp } from '@signalpath/testing';
import { startE2eStack, type E2eStack } from './stack';
// The health probe the process manager uses (CommonJS so jest can load it).
import stackLib = require('../../lib/stack.cjs');

const { healthStatus } = stackLib;

/**
 * Bad input on every RPC of the four services, as real processes: arbitrary requests (fast-check,
 * fixed seeds) must end in OK or a code the proto documents for that RPC — never INTERNAL or
 * UNKNOWN, never a crash — plus the explicit limits (receive limit, batch sizes, text size,
 * deadlines).
 */

// Fixed for CI; BAD_INPUT_RUNS / BAD_INPUT_SEED explore further locally (a failure prints its seed).
const RUNS_PER_RPC = Number(process.env.BAD_INPUT_RUNS || 25);
const SEED = Number(process.env.BAD_INPUT_SEED || 20_260_101);
const NOW = Date.now();
const MiB = 1024 * 1024;

const SERVICE = {
  consent: 'signalpath.consent.v1.ConsentService',
  signal: 'signalpath.signal.v1.SignalService',
  profile: 'signalpath.profile.v1.ProfileService',
  ranking: 'signalpath.ranking.v1.RankingService',
} as const;

const { OK, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION, PERMISSION_DENIED, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED } = status;

// Known values mixed into the arbitrary ones, so generated requests also reach past validation.
const USERS = ['bad-input-user-1', 'bad-input-user-2'];
const ITEMS = ['bad-input-item-post', 'bad-input-item-ad'];
const TOPICS = ['500', '210', '1', '483'];
/** Strings that name Object.prototype members: any lookup keyed by caller input must treat them as plain strings. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];
const SETTINGS_PATHS = [
  'ai_chat_ads', 'ai_chat_content', 'cross_app_sharing', 'ad_preferences', 'ad_preferences.blocked_topic_ids',
  'ad_preferences.blocked_advertiser_ids', 'ad_preferences.see_fewer_topic_ids', 'feed_controls', 'feed_controls.non_personalized_feed',
  'feed_controls.show_more_topic_ids', 'feed_controls.show_less_topic_ids', 'region', 'age_band',
  'user_id', 'effective', 'linked_accounts', 'version', 'update_time',
];

// ---- Arbitraries -------------------------------------------------------------------------------

const charsOf = (min: number, max: number) => fc.string({ unit: fc.integer({ min, max }).map((c) => String.fromCharCode(c)), maxLength: 20 });
/** Strings that fit many times in one message (array elements). */
const shortString = fc.oneof(
  fc.constantFrom('', ' ', '\t\n', 'US', 'us', 'ZZ', '0', '-1', '$where', '{"$gt":""}', 'a.b', '\u0000', ...PROTOTYPE_KEYS),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  charsOf(0x00, 0x1f),
  charsOf(0xd800, 0xdfff), // lone surrogates
);
/** Any string, up to 40,000 code units (over every id and text limit, well under 4 MiB). */
const anyString = fc.oneof(
  { weight: 5, arbitrary: shortString },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'é', '🧗', '\u0000', ' ', '\u202e'), fc.integer({ min: 120, max: 40_000 })).map(([c, n]) => c.repeat(n)) },
);
/**
 * Each field is valid four times in five and arbitrary otherwise, so that requests with one bad
 * field among good ones (the interesting case) are common and some requests get all the way through.
 */
const mostly = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: bad });
const plausibleId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/);
const userId = mostly(fc.oneof(fc.constantFrom(...USERS), plausibleId), anyString);
const someId = mostly(plausibleId, anyString);
const topicId = mostly(fc.constantFrom(...TOPICS), fc.oneof(fc.integer({ min: -5, max: 2_000 }).map(String), shortString));
const itemId = mostly(fc.oneof(fc.constantFrom(...ITEMS), plausibleId), anyString);

/** Enum numbers: mostly known, else unspecified, just past the end, negative or extreme (int32). */
const enumOf = (max: number) =>
  mostly(
    fc.integer({ min: 1, max }),
    fc.oneof(fc.constantFrom(0, max + 1, -1, 99, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  );
const surface = enumOf(4);
const purpose = enumOf(2);
const sourceKind = enumOf(4);
const modality = enumOf(2);
const scope = enumOf(2);
const choice = enumOf(2);
const ageBand = enumOf(3);
const itemKind = enumOf(4);

/** Dates: recent, else anywhere in JS's range and the edges (far past, far future, just too far ahead). */
const date = mostly(
  fc.date({ min: new Date('2025-12-01T00:00:00Z'), max: new Date(NOW), noInvalidDate: true }),
  fc.oneof(
    fc.date({ noInvalidDate: true }),
    fc.constantFrom(new Date(0), new Date(8.64e15), new Date(-8.64e15), new Date(253_402_300_800_000), new Date(-62_135_596_800_001), new Date(NOW + 6 * 60_000)),
  ),
);
const int32 = mostly(fc.integer({ min: 0, max: 600 }), fc.oneof(fc.constantFrom(-1, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })));
const int64 = fc.oneof(fc.constantFrom('0', '1', '-1', '9223372036854775807', '-9223372036854775808'), fc.bigInt({ min: -(BigInt(2) ** BigInt(63)), max: BigInt(2) ** BigInt(63) - BigInt(1) }).map(String));
const double = mostly(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e308, 5e-324)));

/**
 * Raw wire Timestamps (what a Date cannot express): any int64 seconds with any int32 nanos, the
 * edges of the protobuf range, and recent valid times. Times within 10 s of "now + 5 minutes" are
 * left out: the server's clock moves on between generating and deciding.
 */
const INT64_MAX = BigInt('9223372036854775807');
const MIN_SECONDS = BigInt('-62135596800');
const MAX_SECONDS = BigInt('253402300799');
const rawTimestamp: fc.Arbitrary<RawTimestamp> = fc
  .oneof(
    fc.record({ seconds: fc.bigInt({ min: -INT64_MAX - BigInt(1), max: INT64_MAX }).map(String), nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
    fc.record({
      seconds: fc.constantFrom(String(INT64_MAX), String(-INT64_MAX - BigInt(1)), String(MAX_SECONDS), String(MAX_SECONDS + BigInt(1)), String(MIN_SECONDS), String(MIN_SECONDS - BigInt(1)), '0', '1577836799', '1577836800'),
      nanos: fc.constantFrom(0, -1, 999_999_999, 1_000_000_000, 2 ** 31 - 1, -(2 ** 31)),
    }),
    fc.record({ seconds: fc.integer({ min: Math.floor(NOW / 1000) - 90 * 86_400, max: Math.floor(NOW / 1000) + 3_600 }).map(String), nanos: fc.integer({ min: -2, max: 1_000_000_001 }) }),
  )
  .filter((t) => Math.abs(timestampMs(t) - (Date.now() + 5 * 60_000)) > 10_000 || !isValidRawTimestamp(t));

function isValidRawTimestamp(t: RawTimestamp): boolean {
  const seconds = BigInt(t.seconds);
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS && Number.isInteger(t.nanos) && t.nanos >= 0 && t.nanos <= 999_999_999;
}
const timestampMs = (t: RawTimestamp) => Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);

/** A short list, or one just over `max` (filled with one small element so the message stays small). */
const listOf = <T>(element: fc.Arbitrary<T>, max: number, small: fc.Arbitrary<T> = element) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(element, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.tuple(small, fc.integer({ min: max + 1, max: max + 30 })).map(([x, n]) => Array.from({ length: n }, () => x)) },
  );

/** Page tokens: garbage, base64url of any JSON, and well-formed cursors with hostile values. */
const pageToken = (keys: string[]) => {
  const hostile = fc.oneof(fc.jsonValue(), fc.constantFrom({ $gt: '' }, { $ne: null }, [], 1e300, -1, 0.5, '1'));
  const cursor = fc.record(Object.fromEntries(keys.map((k) => [k, hostile]))).map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'));
  return fc.oneof(fc.constant(''), shortString, fc.json().map((j) => Buffer.from(j).toString('base64url')), cursor);
};
/** Page requests whose token sometimes names the same user, so hostile cursor values reach the store. */
const pageRequest = (keys: string[], userKey: string) =>
  fc.record({ userId, pageSize: int32, pageToken: pageToken(keys), sameUser: fc.boolean() }).map(({ sameUser, ...request }) => {
    if (!sameUser || !request.pageToken) return request;
    try {
      const cursor = JSON.parse(Buffer.from(request.pageToken, 'base64url').toString('utf8')) as unknown;
      if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor)) return request;
      return { ...request, pageToken: Buffer.from(JSON.stringify({ ...cursor, [userKey]: request.userId })).toString('base64url') };
    } catch {
      return request;
    }
  });

/** Any subset of the fields: a missing field is sent as its default. */
const partial = <T>(model: { [K in keyof T]?: fc.Arbitrary<T[K]> }) => fc.record(model as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] }) as fc.Arbitrary<Partial<T>>;

/** `small`: elements of a list just over its limit, kept small so the message stays under the receive limit. */
const interaction = (small: boolean) =>
  partial<signal.Interaction>({
    interactionId: small ? plausibleId : someId,
    userId: small ? plausibleId : userId,
    surface,
    modality,
    endToEndEncrypted: fc.boolean(),
    text: fc.oneof(small ? shortString : anyString, fc.constantFrom('I started rock climbing at an indoor gym', 'my therapist says my depression is better', 'we cooked pasta')),
    eventTime: date,
  }).map((i) => signal.Interaction.fromPartial(i));

/** An advertiser id only for ads, as the catalog requires. */
const FITTING_ADVERTISER = '\u0000fitting';
const item = (small: boolean) =>
  partial<ranking.Item>({
    itemId: small ? plausibleId : itemId,
    kind: itemKind,
    title: small ? shortString : anyString,
    topicIds: listOf(topicId, 20),
    advertiserId: mostly(fc.constant(FITTING_ADVERTISER), small ? shortString : someId),
    surfaces: listOf(surface, 10),
    baseScore: double,
    createTime: date,
  }).map((i) => ranking.Item.fromPartial({ ...i, advertiserId: i.advertiserId === FITTING_ADVERTISER ? (i.kind === ranking.ItemKind.ITEM_KIND_AD ? 'adv-1' : '') : i.advertiserId }));

const candidate = (small: boolean) =>
  fc
    .oneof(
      fc.constant(undefined),
      (small ? plausibleId : itemId).map((value) => ({ $case: 'itemId' as const, value })),
      item(small).map((value) => ({ $case: 'item' as const, value })),
    )
    .map((c) => ranking.Candidate.fromPartial({ candidate: c }));

const eligibilityQuery = (small: boolean) =>
  partial<consent.EligibilityQuery>({ userId: small ? plausibleId : userId, surface, purpose, eventTime: date, endToEndEncrypted: fc.boolean(), gpc: fc.boolean() });

/** Consent strings the IAB libraries encode (valid TCF v2.2 and GPP), and their truncations and mutations. */
function libraryTcString(purposeConsents: number[]): string {
  const purposes: Record<string, unknown> = {};
  for (let id = 1; id <= 11; id++) purposes[id] = { id, name: `Purpose ${id}`, description: '', illustrations: [] };
  const gvl = new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 3, tcfPolicyVersion: 5, lastUpdated: '2026-01-01T00:00:00Z', purposes, specialPurposes: {}, features: {}, specialFeatures: {}, vendors: {}, stacks: {}, dataCategories: {} } as never);
  const model = new TCModel(gvl);
  model.cmpId = 31;
  model.purposeConsents.set(purposeConsents);
  return TCString.encode(model);
}
function libraryGppString(fields: Record<string, unknown>): string {
  const model = new GppModel();
  for (const [field, value] of Object.entries(fields)) model.setFieldValue('usnat', field, value);
  return model.encode();
}
const VALID_CONSENT_STRINGS = [libraryTcString([3, 4]), libraryTcString([1, 5, 6]), libraryGppString({ TargetedAdvertisingOptOut: 1, Gpc: true }), libraryGppString({ SaleOptOut: 2 })];
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
const consentString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALID_CONSENT_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...VALID_CONSENT_STRINGS), fc.nat(), fc.nat()).map(([value, at, c]) => value.slice(0, at % value.length) + BASE64URL[c % BASE64URL.length] + value.slice((at % value.length) + 1)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...VALID_CONSENT_STRINGS), fc.nat()).map(([value, at]) => value.slice(0, at % value.length)) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...BASE64URL.split('')), maxLength: 300 }) },
  { weight: 1, arbitrary: anyString },
);
const consentStringFormat = enumOf(2);

const profileSignal = (small: boolean) =>
  partial<profile.ProfileSignal>({
    signalId: small ? plausibleId : someId,
    userId: small ? plausibleId : userId,
    surface,
    topicId,
    weight: double,
    sourceKind,
    modality,
    eventTime: date,
    adsEligible: fc.boolean(),
    contentEligible: fc.boolean(),
  }).map((s) => profile.ProfileSignal.fromPartial(s));

const topicList = listOf(topicId, 100);
const settings = partial<consent.Settings>({
  userId,
  aiChatAds: choice,
  aiChatContent: choice,
  crossAppSharing: choice,
  region: mostly(fc.constantFrom('US', 'DE', 'GB', 'KR', 'BR', ''), fc.oneof(fc.constantFrom('us', 'XX', 'USA', 'U'), shortString)),
  ageBand,
  version: int64,
  updateTime: date,
  adPreferences: partial<consent.AdPreferences>({ blockedTopicIds: topicList, blockedAdvertiserIds: listOf(shortString, 100), seeFewerTopicIds: topicList }).map((p) => consent.AdPreferences.fromPartial(p)),
  feedControls: partial<consent.FeedControls>({ nonPersonalizedFeed: fc.boolean(), showMoreTopicIds: topicList, showLessTopicIds: topicList }).map((p) => consent.FeedControls.fromPartial(p)),
}).map((s) => consent.Settings.fromPartial(s));

// ---- Calls -------------------------------------------------------------------------------------

interface Outcome {
  code: status;
  details: string;
  response?: unknown;
  /** The google.rpc.Status of grpc-status-details-bin, details unpacked. */
  rich?: ReadStatus;
}

/**
 * What every error must carry (docs/api.md, "Errors"): an INVALID_ARGUMENT exactly one
 * google.rpc.BadRequest field violation, the one its message names; a FAILED_PRECONDITION or
 * PERMISSION_DENIED an ErrorInfo. Returns the problem, or undefined.
 */
function detailsProblem(code: number, message: string, read: ReadStatus['details'] | undefined): string | undefined {
  if (code === INVALID_ARGUMENT) {
    const violations = read?.fieldViolations ?? [];
    if (violations.length !== 1 || `${violations[0].field}: ${violations[0].description}` !== message) {
      return `INVALID_ARGUMENT "${message}" carries field violations ${JSON.stringify(violations)}, not the one its message names`;
    }
  }
  if ((code === FAILED_PRECONDITION || code === PERMISSION_DENIED) && !read?.errorInfo) return `${status[code]} "${message}" carries no ErrorInfo`;
  return undefined;
}

/** The same for a batch item's google.rpc.Status. */
function itemDetailsProblem(item: rpc.Status | undefined): string | undefined {
  return item ? detailsProblem(item.code, item.message, unpackDetails(item.details)) : undefined;
}

async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { code: OK, details: '', response: await call() };
  } catch (error) {
    const e = error as Partial<ServiceError>;
    if (typeof e.code !== 'number') throw error;
    // A request our own client could not encode says nothing about the service.
    if (e.details?.includes('serialization failure')) throw new Error(`client could not serialize the request: ${e.details}`);
    return { code: e.code, details: e.details ?? '', rich: readStatus(error) };
  }
}

/** Shortens a generated request for a failure message (ids and texts can be 40,000 characters). */
function brief(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v)).slice(0, 2_000);
}

describe('bad input on every RPC (four processes, property-based)', () => {
  let stack: E2eStack;
  let asConsent: { signal: UserDataClient; profile: UserDataClient };
  let profileAsSignal: ReturnType<typeof createProfileClient>;
  let profileAsRanking: ReturnType<typeof createProfileClient>;
  const jobIds: string[] = [];
  const callCounts = new Map<string, number>();

  beforeAll(async () => {
    stack = await startE2eStack({ basePort: 31350 });
    const ring = stack.keyRing;
    asConsent = {
      // UserDataService tokens name the hosting service.
      signal: createUserDataClient({ key: 'signal', address: stack.addresses.signal, audience: SERVICE.signal }, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'consent-service', SERVICE.signal) }),
      profile: createUserDataClient({ key: 'profile', address: stack.addresses.profile, audience: SERVICE.profile }, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'consent-service', SERVICE.profile) }),
    };
    profileAsSignal = createProfileClient(stack.addresses.profile, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'signal-service', SERVICE.profile) });
    profileAsRanking = createProfileClient(stack.addresses.profile, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'ranking-service', SERVICE.profile) });

    // Some real data, so that generated requests also meet existing users, items and jobs.
    const { clients } = stack;
    for (const [index, user] of USERS.entries()) {
      await clients.consent.updateSettings({ userId: user, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
      await clients.consent.linkAccount({ userId: user, surface: common.Surface.SURFACE_INSTAGRAM, accountId: `ig-${user}` });
      await clients.signal.ingestInteraction({
        interaction: signal.Interaction.fromPartial({ interactionId: `bad-input-seed-${index}`, userId: user, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text: 'I started rock climbing at an indoor gym', eventTime: new Date(NOW - 60_000) }),
      });
    }
    await clients.ranking.upsertItems({
      items: [
        ranking.Item.fromPartial({ itemId: ITEMS[0], kind: ranking.ItemKind.ITEM_KIND_POST, title: 'Crux beta', topicIds: ['500'], baseScore: 0.3 }),
        ranking.Item.fromPartial({ itemId: ITEMS[1], kind: ranking.ItemKind.ITEM_KIND_AD, title: 'Chalk', topicIds: ['500'], advertiserId: 'adv-1', baseScore: 0.3 }),
      ],
    });
    const job = await clients.consent.requestErasure({ userId: 'bad-input-erased', scope: common.ErasureScope.ERASURE_SCOPE_ALL });
    jobIds.push(job.job?.jobId ?? '');
  }, 120_000);

  afterAll(async () => {
    asConsent?.signal.close();
    asConsent?.profile.close();
    profileAsSignal?.close();
    profileAsRanking?.close();
    await stack?.stop();
  });

  /**
   * Runs `call` on RUNS_PER_RPC generated requests; each must end in OK or one of `allowed`.
   * On failure fast-check shrinks to a minimal request and reports it with its seed.
   */
  async function fuzz<T>(rpc: string, request: fc.Arbitrary<T>, call: (request: T) => Promise<unknown>, allowed: status[], check?: (outcome: Outcome) => void) {
    const codes = new Set([OK, ...allowed]);
    const run = await fc.check(
      fc.asyncProperty(request, async (req) => {
        callCounts.set(rpc, (callCounts.get(rpc) ?? 0) + 1);
        const outcome = await outcomeOf(() => call(req));
        if (!codes.has(outcome.code)) throw new Error(`${rpc} answered ${status[outcome.code]} (${outcome.details})`);
        const problem = detailsProblem(outcome.code, outcome.details, outcome.rich?.details);
        if (problem) throw new Error(`${rpc}: ${problem}`);
        check?.(outcome);
      }),
      { numRuns: RUNS_PER_RPC, seed: SEED },
    );
    // fast-check's own report prints the whole (shrunk) request, which can be megabytes.
    if (run.failed) {
      const error = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
      throw new Error(`${error}\n  minimal request: ${brief(run.counterexample?.[0])}\n  replay: seed ${run.seed}, path "${run.counterexamplePath}"`);
    }
  }

  describe('ConsentService', () => {
    it('GetSettings', () => fuzz('GetSettings', partial<consent.GetSettingsRequest>({ userId }), (r) => stack.clients.consent.getSettings(consent.GetSettingsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('UpdateSettings', () =>
      fuzz(
        'UpdateSettings',
        partial<consent.UpdateSettingsRequest>({
          userId,
          settings,
          updateMask: mostly(fc.subarray(SETTINGS_PATHS.slice(0, 13), { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.constantFrom(...SETTINGS_PATHS), fc.constantFrom(...PROTOTYPE_KEYS), shortString), { maxLength: 4 })),
          expectedVersion: fc.oneof({ weight: 3, arbitrary: fc.constant('0') }, { weight: 1, arbitrary: int64 }),
          noticeVersion: fc.oneof(fc.constantFrom('', '2026-01', 'v'.repeat(65)), shortString),
          gpc: fc.boolean(),
        }),
        (r) => stack.clients.consent.updateSettings(consent.UpdateSettingsRequest.fromPartial(r)),
        [INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED],
      ));

    it('LinkAccount', () =>
      fuzz('LinkAccount', partial<consent.LinkAccountRequest>({ userId, surface, accountId: fc.oneof(someId, fc.constantFrom(...USERS.map((u) => `ig-${u}`))) }), (r) => stack.clients.consent.linkAccount(consent.LinkAccountRequest.fromPartial(r)), [
        INVALID_ARGUMENT,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
      ]));

    it('UnlinkAccount', () => fuzz('UnlinkAccount', partial<consent.UnlinkAccountRequest>({ userId, surface }), (r) => stack.clients.consent.unlinkAccount(consent.UnlinkAccountRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('CheckEligibility', () =>
      fuzz('CheckEligibility', eligibilityQuery(false), (r) => stack.clients.consent.checkEligibility(consent.CheckEligibilityRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('BatchCheckEligibility', () =>
      fuzz(
        'BatchCheckEligibility',
        partial<consent.BatchCheckEligibilityRequest>({ queries: listOf(eligibilityQuery(false).map((q) => consent.EligibilityQuery.fromPartial(q)), 500, eligibilityQuery(true).map((q) => consent.EligibilityQuery.fromPartial(q))) }),
        (r) => stack.clients.consent.batchCheckEligibility(consent.BatchCheckEligibilityRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('ListSettingsHistory', () =>
      fuzz('ListSettingsHistory', pageRequest(['u', 'v'], 'u'), (r) => stack.clients.consent.listSettingsHistory(consent.ListSettingsHistoryRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('RequestErasure', () => fuzz('RequestErasure', partial<consent.RequestErasureRequest>({ userId, scope }), (r) => stack.clients.consent.requestErasure(consent.RequestErasureRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('GetErasureJob', () =>
      fuzz(
        'GetErasureJob',
        partial<consent.GetErasureJobRequest>({ jobId: fc.oneof(fc.constantFrom(...jobIds), fc.constantFrom('000000000000000000000000', 'ffffffffffffffffffffffff'), fc.uuid(), someId) }),
        (r) => stack.clients.consent.getErasureJob(consent.GetErasureJobRequest.fromPartial(r)),
        [INVALID_ARGUMENT, NOT_FOUND],
      ));

    it('ExportUserData', () => fuzz('Consent.ExportUserData', partial<consent.ExportUserDataRequest>({ userId }), (r) => stack.clients.consent.exportUserData(consent.ExportUserDataRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('ListTopics', () =>
      fuzz(
        'ListTopics',
        partial<consent.ListTopicsRequest>({ parentId: fc.oneof(fc.constant(''), topicId), pageSize: int32, pageToken: pageToken(['p', 'a']) }),
        (r) => stack.clients.consent.listTopics(consent.ListTopicsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    // Data-subject requests (issue 16 §5), as the operator who may call all five.
    const requestId = mostly(fc.constantFrom('dsr-missing', ''), someId);
    it('CreateDataSubjectRequest', () =>
      fuzz('CreateDataSubjectRequest', partial<consent.CreateDataSubjectRequestRequest>({ userId, kind: enumOf(2), scope }), (r) => stack.clients.consent.createDataSubjectRequest(consent.CreateDataSubjectRequestRequest.fromPartial(r)), [INVALID_ARGUMENT, FAILED_PRECONDITION]));
    it('GetDataSubjectRequest', () =>
      fuzz('GetDataSubjectRequest', partial<consent.GetDataSubjectRequestRequest>({ requestId }), (r) => stack.clients.consent.getDataSubjectRequest(consent.GetDataSubjectRequestRequest.fromPartial(r)), [INVALID_ARGUMENT, NOT_FOUND]));
    it('ListDataSubjectRequests', () =>
      fuzz(
        'ListDataSubjectRequests',
        partial<consent.ListDataSubjectRequestsRequest>({ state: enumOf(5), overdueOnly: fc.boolean(), pageSize: int32, pageToken: pageToken(['u', 't', 'k', 'o']) }),
        (r) => stack.clients.consent.listDataSubjectRequests(consent.ListDataSubjectRequestsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));
    it('VerifyDataSubjectRequest', () =>
      fuzz('VerifyDataSubjectRequest', partial<consent.VerifyDataSubjectRequestRequest>({ requestId }), (r) => stack.clients.consent.verifyDataSubjectRequest(consent.VerifyDataSubjectRequestRequest.fromPartial(r)), [INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION]));
    it('RejectDataSubjectRequest', () =>
      fuzz(
        'RejectDataSubjectRequest',
        partial<consent.RejectDataSubjectRequestRequest>({ requestId, reason: enumOf(4) }),
        (r) => stack.clients.consent.rejectDataSubjectRequest(consent.RejectDataSubjectRequestRequest.fromPartial(r)),
        [INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION],
      ));

    it('SearchTopics', () =>
      fuzz(
        'SearchTopics',
        partial<consent.SearchTopicsRequest>({ query: mostly(fc.constantFrom('climb', 'HEALTH', 'Café', 'a', ' sports '), anyString), limit: int32 }),
        (r) => stack.clients.consent.searchTopics(consent.SearchTopicsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('ImportConsentString', () =>
      fuzz(
        'ImportConsentString',
        partial<consent.ImportConsentStringRequest>({
          userId,
          format: consentStringFormat,
          consentString,
          expectedVersion: fc.oneof(fc.constantFrom('0', '1', '2', '3'), int64),
          noticeVersion: fc.oneof(fc.constantFrom('', 'cmp-notice.1'), shortString),
        }),
        (r) => stack.clients.consent.importConsentString(consent.ImportConsentStringRequest.fromPartial(r)),
        [INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED],
      ));

    it('ExportConsentString', () =>
      fuzz(
        'ExportConsentString',
        partial<consent.ExportConsentStringRequest>({ userId, format: consentStringFormat }),
        (r) => stack.clients.consent.exportConsentString(consent.ExportConsentStringRequest.fromPartial(r)),
        [INVALID_ARGUMENT, FAILED_PRECONDITION],
      ));
  });

  describe('SignalService', () => {
    it('PreviewSignals', () =>
      fuzz('PreviewSignals', partial<signal.PreviewSignalsRequest>({ interaction: interaction(false) }), (r) => stack.clients.signal.previewSignals(signal.PreviewSignalsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('IngestInteraction', () =>
      fuzz('IngestInteraction', partial<signal.IngestInteractionRequest>({ interaction: interaction(false) }), (r) => stack.clients.signal.ingestInteraction(signal.IngestInteractionRequest.fromPartial(r)), [
        INVALID_ARGUMENT,
        ALREADY_EXISTS,
      ]));

    it('IngestInteractions (per-item codes too)', () =>
      fuzz(
        'IngestInteractions',
        partial<signal.IngestInteractionsRequest>({ interactions: listOf(interaction(false), 500, interaction(true)) }),
        (r) => stack.clients.signal.ingestInteractions(signal.IngestInteractionsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
        (outcome) => {
          const results = (outcome.response as signal.IngestInteractionsResponse | undefined)?.results ?? [];
          for (const result of results) {
            expect([OK, INVALID_ARGUMENT, ALREADY_EXISTS]).toContain(result.errorCode);
            // The item's google.rpc.Status agrees with the deprecated fields and carries its details.
            expect([result.error?.code ?? OK, result.error?.message ?? '']).toEqual([result.errorCode, result.errorMessage]);
            expect(itemDetailsProblem(result.error)).toBeUndefined();
          }
        },
      ));

    it('RecordActivity', () =>
      fuzz(
        'RecordActivity',
        partial<signal.RecordActivityRequest>({ activityId: someId, userId, surface, sourceKind, topicIds: listOf(topicId, 100), eventTime: date }),
        (r) => stack.clients.signal.recordActivity(signal.RecordActivityRequest.fromPartial(r)),
        [INVALID_ARGUMENT, ALREADY_EXISTS],
      ));

    it('ListSignals', () =>
      fuzz('ListSignals', pageRequest(['u', 't', 'k', 'o'], 'u'), (r) => stack.clients.signal.listSignals(signal.ListSignalsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('DeleteSignal', () =>
      fuzz('DeleteSignal', partial<signal.DeleteSignalRequest>({ userId, signalId: someId }), (r) => stack.clients.signal.deleteSignal(signal.DeleteSignalRequest.fromPartial(r)), [INVALID_ARGUMENT, NOT_FOUND]));

    it('GetOutboxStatus', () => fuzz('GetOutboxStatus', fc.constant({}), () => stack.clients.signal.getOutboxStatus({}), []));

    it('UserDataService.Delete (as ConsentService)', () =>
      fuzz(
        'Signal.UserData.Delete',
        partial<userdata.DeleteRequest>({ userId, scope, erasureJobId: someId }),
        (r) => asConsent.signal.delete(userdata.DeleteRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('UserDataService.Export (as ConsentService)', () =>
      fuzz('Signal.UserData.Export', partial<userdata.ExportRequest>({ userId }), (r) => asConsent.signal.export(userdata.ExportRequest.fromPartial(r)), [INVALID_ARGUMENT]));
  });

  describe('ProfileService', () => {
    it('ApplySignals (as SignalService)', () =>
      fuzz(
        'ApplySignals',
        partial<profile.ApplySignalsRequest>({ signals: listOf(profileSignal(false), 1000, profileSignal(true)) }),
        (r) => profileAsSignal.applySignals(profile.ApplySignalsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('GetProfile', () =>
      fuzz('GetProfile', partial<profile.GetProfileRequest>({ userId, surface, purpose, limit: int32 }), (r) => stack.clients.profile.getProfile(profile.GetProfileRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('ExplainInterest', () =>
      fuzz(
        'ExplainInterest',
        partial<profile.ExplainInterestRequest>({ userId, topicId, surface, purpose }),
        (r) => stack.clients.profile.explainInterest(profile.ExplainInterestRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('GetReadContext (as RankingService)', () =>
      fuzz(
        'GetReadContext',
        partial<profile.GetReadContextRequest>({ userId, surface, purposes: fc.array(purpose, { maxLength: 3 }), limit: int32 }),
        (r) => profileAsRanking.getReadContext(profile.GetReadContextRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('UserDataService.Delete (as ConsentService)', () =>
      fuzz(
        'Profile.UserData.Delete',
        partial<userdata.DeleteRequest>({ userId, scope, erasureJobId: someId }),
        (r) => asConsent.profile.delete(userdata.DeleteRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('RemoveInterest', () =>
      fuzz('RemoveInterest', partial<profile.RemoveInterestRequest>({ userId, topicId, purpose }), (r) => stack.clients.profile.removeInterest(profile.RemoveInterestRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('ListCorrections', () =>
      fuzz('ListCorrections', partial<profile.ListCorrectionsRequest>({ userId }), (r) => stack.clients.profile.listCorrections(profile.ListCorrectionsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('MarkItemNotInterested (as RankingService)', () =>
      fuzz(
        'MarkItemNotInterested',
        partial<profile.MarkItemNotInterestedRequest>({ userId, itemId, topicIds: listOf(topicId, 100), purpose, actingCaller: someId, userAsserted: fc.boolean() }),
        (r) => profileAsRanking.markItemNotInterested(profile.MarkItemNotInterestedRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('UndoItemNotInterested (as RankingService)', () =>
      fuzz(
        'UndoItemNotInterested',
        partial<profile.UndoItemNotInterestedRequest>({ userId, itemId, actingCaller: someId, userAsserted: fc.boolean() }),
        (r) => profileAsRanking.undoItemNotInterested(profile.UndoItemNotInterestedRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('RemoveSignal (as SignalService)', () =>
      fuzz(
        'RemoveSignal',
        partial<profile.RemoveSignalRequest>({ signal: profileSignal(false), actingCaller: someId, userAsserted: fc.boolean() }),
        (r) => profileAsSignal.removeSignal(profile.RemoveSignalRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('UserDataService.Export (as ConsentService)', () =>
      fuzz('Profile.UserData.Export', partial<userdata.ExportRequest>({ userId }), (r) => asConsent.profile.export(userdata.ExportRequest.fromPartial(r)), [INVALID_ARGUMENT]));
  });

  describe('RankingService', () => {
    it('UpsertItems', () =>
      fuzz('UpsertItems', partial<ranking.UpsertItemsRequest>({ items: listOf(item(false), 1000, item(true)) }), (r) => stack.clients.ranking.upsertItems(ranking.UpsertItemsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('DeleteItems', () =>
      // Never the seeded items: other properties should keep meeting them.
      fuzz('DeleteItems', partial<ranking.DeleteItemsRequest>({ itemIds: listOf(someId, 1000, plausibleId) }), (r) => stack.clients.ranking.deleteItems(ranking.DeleteItemsRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('Rank', () =>
      fuzz(
        'Rank',
        partial<ranking.RankRequest>({ userId, surface, candidates: listOf(candidate(false), 5000, candidate(true)), candidateIds: listOf(someId, 5000, plausibleId) }),
        (r) => stack.clients.ranking.rank(ranking.RankRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));

    it('Recommend', () =>
      fuzz('Recommend', partial<ranking.RecommendRequest>({ userId, surface, kind: itemKind, limit: int32 }), (r) => stack.clients.ranking.recommend(ranking.RecommendRequest.fromPartial(r)), [INVALID_ARGUMENT]));

    it('ExplainItem', () =>
      fuzz('ExplainItem', partial<ranking.ExplainItemRequest>({ userId, itemId, surface }), (r) => stack.clients.ranking.explainItem(ranking.ExplainItemRequest.fromPartial(r)), [
        INVALID_ARGUMENT,
        NOT_FOUND,
      ]));

    it('GetItem', () =>
      fuzz('GetItem', partial<ranking.GetItemRequest>({ itemId }), (r) => stack.clients.ranking.getItem(ranking.GetItemRequest.fromPartial(r)), [INVALID_ARGUMENT, NOT_FOUND]));

    it('ListItems', () =>
      fuzz(
        'ListItems',
        partial<ranking.ListItemsRequest>({ kind: itemKind, pageSize: int32, pageToken: pageToken(['k', 'a']) }),
        (r) => stack.clients.ranking.listItems(ranking.ListItemsRequest.fromPartial(r)),
        [INVALID_ARGUMENT],
      ));
    it('MarkNotInterested', () =>
      fuzz('MarkNotInterested', partial<ranking.MarkNotInterestedRequest>({ userId, itemId }), (r) => stack.clients.ranking.markNotInterested(ranking.MarkNotInterestedRequest.fromPartial(r)), [
        INVALID_ARGUMENT,
        NOT_FOUND,
      ]));

    it('UndoNotInterested', () =>
      fuzz('UndoNotInterested', partial<ranking.UndoNotInterestedRequest>({ userId, itemId }), (r) => stack.clients.ranking.undoNotInterested(ranking.UndoNotInterestedRequest.fromPartial(r)), [INVALID_ARGUMENT]));
  });

  /**
   * Every RPC carrying a Timestamp, sent raw: an invalid one must be INVALID_ARGUMENT naming the
   * field; a valid one is decided on its merits (an event more than 5 minutes ahead is refused,
   * ApplySignals also refuses times before 2020), and nothing is ever INTERNAL.
   */
  describe('timestamp extremes on every RPC that takes one (raw on the wire)', () => {
    type Rule = 'any' | 'event' | 'signal';
    let sequence = 0;
    async function fuzzTimestamp(
      rpc: string,
      method: { path: string; responseDeserialize(bytes: Buffer): unknown },
      metadata: () => Metadata | Promise<Metadata>,
      field: string,
      rule: Rule,
      build: (timestamp: RawTimestamp) => Uint8Array,
      itemError?: (response: unknown) => { code: number; message: string; status?: rpc.Status } | undefined,
    ) {
      const run = await fc.check(
        fc.asyncProperty(rawTimestamp, async (timestamp) => {
          callCounts.set(rpc, (callCounts.get(rpc) ?? 0) + 1);
          sequence++;
          const address = stack.addresses[rpc.split('.')[0] as keyof E2eStack['addresses']];
          const callMetadata = await metadata();
          let outcome = await outcomeOf(() => callRaw(address, method, build(timestamp), { metadata: callMetadata, timeoutMs: 10_000 }));
          const item = outcome.code === OK && itemError ? itemError(outcome.response) : undefined;
          if (item && item.code !== OK) {
            outcome = { code: item.code, details: item.message };
            expect(item.status?.code).toBe(item.code);
            expect(itemDetailsProblem(item.status)).toBeUndefined();
          } else {
            expect(detailsProblem(outcome.code, outcome.details, outcome.rich?.details)).toBeUndefined();
          }
          const ms = timestampMs(timestamp);
          const expected = !isValidRawTimestamp(timestamp)
            ? `INVALID_ARGUMENT: ${field}: must be a valid timestamp`
            : rule !== 'any' && ms > Date.now() + 5 * 60_000
              ? `INVALID_ARGUMENT: ${field}: must not be more than 5 minutes in the future`
              : rule === 'signal' && ms < Date.UTC(2020, 0, 1)
                ? `INVALID_ARGUMENT: ${field}: must not be before 2020-01-01T00:00:00.000Z`
                : 'OK';
          expect(`${status[outcome.code]}${outcome.code === OK ? '' : `: ${outcome.details}`}`.slice(0, expected.length)).toBe(expected);
        }),
        { numRuns: RUNS_PER_RPC * 2, seed: SEED },
      );
      if (run.failed) throw new Error(`${run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance)}\n  timestamp: ${JSON.stringify(run.counterexample?.[0])}, seed ${run.seed}`);
    }

    const operator = (service: string) => {
      const token = stack.operatorToken(service);
      return async () => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${await token}`);
        return metadata;
      };
    };
    const interactionWith = (timestamp: RawTimestamp) =>
      withRawTimestamp(
        signal.Interaction.encode(
          signal.Interaction.fromPartial({ interactionId: `bad-input-ts-${sequence}`, userId: USERS[0], surface: 3, modality: 1, text: 'we cooked pasta' }),
        ).finish(),
        7,
        timestamp,
      );
    const itemWith = (timestamp: RawTimestamp) =>
      withRawTimestamp(ranking.Item.encode(ranking.Item.fromPartial({ itemId: `bad-input-ts-${sequence}`, kind: 2, topicIds: ['500'], baseScore: 1 })).finish(), 8, timestamp);

    it('CheckEligibility', () =>
      fuzzTimestamp('consent.CheckEligibility', consent.ConsentServiceService.checkEligibility, operator(SERVICE.consent), 'event_time', 'event', (t) =>
        withRawTimestamp(consent.CheckEligibilityRequest.encode(consent.CheckEligibilityRequest.fromPartial({ userId: USERS[0], surface: 3, purpose: 1 })).finish(), 4, t),
      ));

    it('BatchCheckEligibility', () =>
      fuzzTimestamp('consent.BatchCheckEligibility', consent.ConsentServiceService.batchCheckEligibility, operator(SERVICE.consent), 'queries[0].event_time', 'event', (t) =>
        withRawMessage(new Uint8Array(), 1, withRawTimestamp(consent.EligibilityQuery.encode(consent.EligibilityQuery.fromPartial({ userId: USERS[0], surface: 3, purpose: 2 })).finish(), 4, t)),
      ));

    it('IngestInteraction', () =>
      fuzzTimestamp('signal.IngestInteraction', signal.SignalServiceService.ingestInteraction, operator(SERVICE.signal), 'interaction.event_time', 'event', (t) =>
        withRawMessage(new Uint8Array(), 1, interactionWith(t)),
      ));

    it('IngestInteractions (the item error)', () =>
      fuzzTimestamp(
        'signal.IngestInteractions',
        signal.SignalServiceService.ingestInteractions,
        operator(SERVICE.signal),
        'interactions[0].event_time',
        'event',
        (t) => withRawMessage(new Uint8Array(), 1, interactionWith(t)),
        (response) => {
          const [result] = (response as signal.IngestInteractionsResponse).results;
          return { code: result.errorCode, message: result.errorMessage, status: result.error };
        },
      ));

    it('RecordActivity', () =>
      fuzzTimestamp('signal.RecordActivity', signal.SignalServiceService.recordActivity, operator(SERVICE.signal), 'event_time', 'event', (t) =>
        withRawTimestamp(signal.RecordActivityRequest.encode({ activityId: `bad-input-ts-${sequence}`, userId: USERS[0], surface: 2, sourceKind: 2, topicIds: ['500'], eventTime: undefined }).finish(), 6, t),
      ));

    it('PreviewSignals', () =>
      fuzzTimestamp('signal.PreviewSignals', signal.SignalServiceService.previewSignals, operator(SERVICE.signal), 'interaction.event_time', 'event', (t) =>
        withRawMessage(new Uint8Array(), 1, interactionWith(t)),
      ));

    it('ApplySignals (as SignalService)', () =>
      fuzzTimestamp(
        'profile.ApplySignals',
        profile.ProfileServiceService.applySignals,
        tokenMetadataProvider(loadKeyRing(stack.env.SIGNALPATH_KEYS_DIR ?? '', { allowDevelopmentKeys: true }), 'signal-service', SERVICE.profile),
        'signals[0].event_time',
        'signal',
        (t) =>
          withRawMessage(
            new Uint8Array(),
            1,
            withRawTimestamp(
              profile.ProfileSignal.encode(profile.ProfileSignal.fromPartial({ signalId: `bad-input-ts-${sequence}`, userId: 'bad-input-ts', surface: 1, topicId: '500', weight: 0.5, sourceKind: 2 })).finish(),
              8,
              t,
            ),
          ),
      ));

    it('UpsertItems', () =>
      fuzzTimestamp('ranking.UpsertItems', ranking.RankingServiceService.upsertItems, operator(SERVICE.ranking), 'items[0].create_time', 'any', (t) => withRawMessage(new Uint8Array(), 1, itemWith(t))));

    it('Rank (an inline candidate)', () =>
      fuzzTimestamp('ranking.Rank', ranking.RankingServiceService.rank, operator(SERVICE.ranking), 'candidates[0].item.create_time', 'any', (t) =>
        withRawMessage(ranking.RankRequest.encode({ userId: USERS[0], surface: 1, candidates: [], candidateIds: [] }).finish(), 3, withRawMessage(new Uint8Array(), 2, itemWith(t))),
      ));
  });

  describe('explicit limits', () => {
    const overLimit = 'x'.repeat(4 * MiB + 1024);
    // SignalService receives up to 500 × (32 KiB + 1 KiB) + 1 MiB, so that a full batch of maximal texts fits.
    const overSignalLimit = 'x'.repeat(500 * 33 * 1024 + MiB + 1024);

    it('a message over the receive limit is RESOURCE_EXHAUSTED on every service (4 MiB; SignalService ~17 MiB)', async () => {
      const { clients } = stack;
      const outcomes = [
        await outcomeOf(() => clients.consent.getSettings({ userId: overLimit })),
        await outcomeOf(() => clients.signal.previewSignals({ interaction: signal.Interaction.fromPartial({ text: overSignalLimit }) })),
        await outcomeOf(() => clients.profile.getProfile(profile.GetProfileRequest.fromPartial({ userId: overLimit }))),
        await outcomeOf(() => clients.ranking.recommend(ranking.RecommendRequest.fromPartial({ userId: overLimit }))),
      ];
      expect(outcomes.map((o) => o.code)).toEqual(Array(4).fill(RESOURCE_EXHAUSTED));
    });

    it('Rank with 100,000 item-id candidates is INVALID_ARGUMENT naming candidates', async () => {
      const candidates = Array.from({ length: 100_000 }, (_, i) => ranking.Candidate.fromPartial({ candidate: { $case: 'itemId', value: `c${i}` } }));
      const outcome = await outcomeOf(() => stack.clients.ranking.rank({ userId: USERS[0], surface: common.Surface.SURFACE_FACEBOOK, candidates, candidateIds: [] }));
      expect(status[outcome.code]).toBe('INVALID_ARGUMENT');
      expect(outcome.details).toMatch(/^candidates\b/);
    });

    it('a zero or past deadline is DEADLINE_EXCEEDED; a tiny one on a fan-out call is OK or DEADLINE_EXCEEDED', async () => {
      const { clients } = stack;
      const calls = [
        (timeoutMs: number) => clients.consent.getSettings({ userId: USERS[0] }, { timeoutMs }),
        (timeoutMs: number) => clients.signal.getOutboxStatus({}, { timeoutMs }),
        (timeoutMs: number) => clients.profile.getProfile(profile.GetProfileRequest.fromPartial({ userId: USERS[0], surface: 1, purpose: 1 }), { timeoutMs }),
        (timeoutMs: number) => clients.ranking.recommend(ranking.RecommendRequest.fromPartial({ userId: USERS[0], surface: 1 }), { timeoutMs }),
      ];
      for (const timeoutMs of [0, -1_000]) {
        for (const call of calls) expect(status[(await outcomeOf(() => call(timeoutMs))).code]).toBe('DEADLINE_EXCEEDED');
      }
      // ExportUserData fans out to two services with the caller's deadline; Recommend to two more.
      for (const timeoutMs of [1, 3, 10, 30]) {
        const exported = await outcomeOf(() => clients.consent.exportUserData({ userId: USERS[0] }, { timeoutMs }));
        const recommended = await outcomeOf(() => calls[3](timeoutMs));
        expect([OK, DEADLINE_EXCEEDED]).toContain(exported.code);
        expect([OK, DEADLINE_EXCEEDED]).toContain(recommended.code);
      }
    });

    it('text over 32 KiB is INVALID_ARGUMENT naming interaction.text; exactly 32 KiB is accepted', async () => {
      const base = { userId: USERS[0], surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, eventTime: new Date(NOW - 1_000) };
      const exactly = '🧗'.repeat(8_192); // 32,768 bytes of UTF-8
      const over = `${exactly}a`;
      const ingest = (interactionId: string, text: string) => outcomeOf(() => stack.clients.signal.ingestInteraction({ interaction: signal.Interaction.fromPartial({ ...base, interactionId, text }) }));
      const rejected = await ingest('bad-input-over-32k', over);
      expect(status[rejected.code]).toBe('INVALID_ARGUMENT');
      expect(rejected.details).toMatch(/^interaction\.text\b/);
      expect(rejected.details).not.toContain('🧗');
      expect(status[(await ingest('bad-input-exactly-32k', exactly)).code]).toBe('OK');
      const preview = await outcomeOf(() => stack.clients.signal.previewSignals({ interaction: signal.Interaction.fromPartial({ text: over }) }));
      expect(status[preview.code]).toBe('INVALID_ARGUMENT');
      expect(preview.details).toMatch(/^interaction\.text\b/);
    });

    it('batches over their limit are INVALID_ARGUMENT naming the field', async () => {
      const { clients } = stack;
      const query = consent.EligibilityQuery.fromPartial({ userId: USERS[0], surface: 1, purpose: 1 });
      const one = signal.Interaction.fromPartial({ interactionId: 'bad-input-batch', userId: USERS[0], surface: 3, modality: 1, text: 'pasta', eventTime: new Date(NOW - 1_000) });
      const applied = profile.ProfileSignal.fromPartial({ signalId: 's', userId: USERS[0], surface: 1, topicId: '500', weight: 0.5, sourceKind: 1, eventTime: new Date(NOW - 1_000) });
      const item = ranking.Item.fromPartial({ itemId: 'bad-input-batch', kind: 2, topicIds: ['500'] });
      const cases: Array<[string, Promise<Outcome>]> = [
        ['queries', outcomeOf(() => clients.consent.batchCheckEligibility({ queries: Array(501).fill(query) }))],
        ['interactions', outcomeOf(() => clients.signal.ingestInteractions({ interactions: Array(501).fill(one) }))],
        ['signals', outcomeOf(() => profileAsSignal.applySignals({ signals: Array.from({ length: 1001 }, (_, i) => ({ ...applied, signalId: `bad-input-${i}` })) }))],
        ['items', outcomeOf(() => clients.ranking.upsertItems({ items: Array(1001).fill(item) }))],
        ['item_ids', outcomeOf(() => clients.ranking.deleteItems({ itemIds: Array(1001).fill('x') }))],
        ['candidates', outcomeOf(() => clients.ranking.rank({ userId: USERS[0], surface: 1, candidates: Array(5001).fill(ranking.Candidate.fromPartial({ candidate: { $case: 'itemId', value: 'x' } })), candidateIds: [] }))],
      ];
      for (const [field, pending] of cases) {
        const outcome = await pending;
        expect(`${field}: ${status[outcome.code]}`).toBe(`${field}: INVALID_ARGUMENT`);
        expect(outcome.details.startsWith(`${field}:`)).toBe(true);
      }
      // Exactly at the limit is fine.
      expect(status[(await outcomeOf(() => clients.consent.batchCheckEligibility({ queries: Array(500).fill(query) }))).code]).toBe('OK');
    });

    it('UpdateSettings with an update_mask path named like an Object.prototype member is INVALID_ARGUMENT naming it', async () => {
      for (const path of PROTOTYPE_KEYS) {
        const outcome = await outcomeOf(() =>
          stack.clients.consent.updateSettings({ userId: USERS[1], settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: [path], expectedVersion: '1' }),
        );
        expect(`${status[outcome.code]}: ${outcome.details}`).toBe(`INVALID_ARGUMENT: update_mask.paths[0]: unknown field path "${path}"`);
      }
    });

    it('user-data RPCs called as the operator are PERMISSION_DENIED', async () => {
      const { clients } = stack;
      const asOperator = (key: 'signal' | 'profile') =>
        createUserDataClient({ key, address: stack.addresses[key], audience: SERVICE[key] }, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(stack.keyRing, 'operator', SERVICE[key]) });
      const [signalData, profileData] = [asOperator('signal'), asOperator('profile')];
      try {
        const outcomes = await Promise.all([
          outcomeOf(() => signalData.delete({ userId: USERS[0], scope: 2, erasureJobId: '', cutoffTime: undefined })),
          outcomeOf(() => signalData.export({ userId: USERS[0] })),
          outcomeOf(() => profileData.delete({ userId: USERS[0], scope: 2, erasureJobId: '', cutoffTime: undefined })),
          outcomeOf(() => profileData.export({ userId: USERS[0] })),
          outcomeOf(() => clients.profile.applySignals({ signals: [] })),
        ]);
        expect(outcomes.map((o) => o.code)).toEqual(Array(5).fill(PERMISSION_DENIED));
      } finally {
        signalData.close();
        profileData.close();
      }
    });
  });

  it('afterwards all four services are SERVING and none logged an unexpected error', async () => {
    const health = await Promise.all(Object.values(stack.addresses).map((address) => healthStatus(address)));
    expect(health).toEqual(['SERVING', 'SERVING', 'SERVING', 'SERVING']);
    const unexpected = stack.logs.join('').split('\n').filter((line) => line.includes('unexpected error'));
    expect(unexpected).toEqual([]);
    const total = [...callCounts.values()].reduce((a, b) => a + b, 0);
    // 48 RPCs with arbitrary requests, 9 with arbitrary raw Timestamps.
    expect(callCounts.size).toBe(57);
    expect(total).toBeGreaterThanOrEqual(57 * RUNS_PER_RPC);
  });
});
