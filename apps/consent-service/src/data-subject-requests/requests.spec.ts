import { status, type ServiceError } from '@grpc/grpc-js';
import type { KeyObject } from 'node:crypto';
import { common, consent } from '@signalpath/proto';
import { createMongo, requireMongoUri } from '@signalpath/mongo';
import { generateKeyRing, mintUserAssertion, tokenMetadataProvider, userAssertionMetadata } from '@signalpath/service-auth';
import { createConsentClient, type ConsentClient } from '@signalpath/service-clients';
import { startTestService, uniqueDbName, type TestService } from '@signalpath/testing';
import type { ConsentConfig } from '../config';
import { createConsentService } from '../server';
import { startFakeTargets, waitFor } from '../testing/harness';
import { RequestStore, STEPS_COLLECTION, type RequestDoc } from '../store/request-store';

const State = consent.DataSubjectRequestState;
const Kind = consent.DataSubjectRequestKind;
const DAY_MS = 86_400_000;
const AUDIENCE = 'signalpath.consent.v1.ConsentService';

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as ServiceError).code;
  }
}

/**
 * Data-subject requests as a workflow (issue 16 §5), on the real database: every transition,
 * the deadline per region, overdue listing. The workflow's clock is injected and moved forward,
 * never slept on.
 */
describe('data-subject requests (real database, service auth on, fake targets)', () => {
  const keyRing = generateKeyRing();
  const clock = { now: new Date('2026-05-01T09:00:00Z') };
  const dbName = uniqueDbName('consent_dsr');
  let fakes: Awaited<ReturnType<typeof startFakeTargets>>;
  let service: TestService<ConsentConfig>;
  let operator: ConsentClient;
  let settingsUi: ConsentClient;
  const as = async (userId: string) => ({ metadata: userAssertionMetadata(await mintUserAssertion({ userId, audience: AUDIENCE, privateKey: keyRing.privateKey('identity-provider') as KeyObject })) });
  const setRegion = (userId: string, region: string) =>
    operator.updateSettings({ userId, settings: consent.Settings.fromPartial({ region, ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
  const states = (request: consent.DataSubjectRequest | undefined) => request?.transitions.map((t) => State[t.state]);

  beforeAll(async () => {
    fakes = await startFakeTargets();
    service = await startTestService(createConsentService({ requestsNow: () => clock.now }), {
      env: { ...fakes.env, CONSENT_ERASURE_POLL_INTERVAL: '100ms', CONSENT_ERASURE_BACKOFF_INITIAL: '50ms', CONSENT_ERASURE_BACKOFF_MAX: '200ms', CONSENT_ERASURE_CALL_TIMEOUT: '1s' },
      auth: keyRing,
      dbName,
    });
    operator = createConsentClient(service.address, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(keyRing, 'operator', AUDIENCE) });
    settingsUi = createConsentClient(service.address, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', AUDIENCE) });
  });
  afterAll(async () => {
    operator?.close();
    settingsUi?.close();
    await service?.stop();
    await fakes?.stop();
  });

  it("verifies a person's own erasure request by their assertion, runs its job and completes it (GDPR region: 30 days)", async () => {
    await setRegion('dsr-alice', 'DE');
    const { request } = await settingsUi.createDataSubjectRequest({ userId: 'dsr-alice', kind: Kind.DATA_SUBJECT_REQUEST_KIND_ERASURE, scope: common.ErasureScope.ERASURE_SCOPE_ALL }, await as('dsr-alice'));
    expect(request).toMatchObject({ userId: 'dsr-alice', state: State.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS, region: 'DE', deadlineRule: 'GDPR', receivedBy: 'settings-ui', overdue: false });
    expect(request!.verification).toMatchObject({ method: consent.VerificationMethod.VERIFICATION_METHOD_USER_ASSERTION, actor: 'settings-ui' });
    expect(request!.dueTime!.getTime() - request!.receiveTime!.getTime()).toBe(30 * DAY_MS);
    expect(request!.erasureJobId).not.toBe('');
    // Completed by the workflow once every target confirmed the job.
    const done = await waitFor(async () => {
      const current = (await settingsUi.getDataSubjectRequest({ requestId: request!.requestId }, await as('dsr-alice'))).request;
      return current?.state === State.DATA_SUBJECT_REQUEST_STATE_COMPLETED && current;
    });
    expect(states(done)).toEqual(['DATA_SUBJECT_REQUEST_STATE_RECEIVED', 'DATA_SUBJECT_REQUEST_STATE_VERIFIED', 'DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS', 'DATA_SUBJECT_REQUEST_STATE_COMPLETED']);
    expect(done.transitions.map((t) => t.actor)).toEqual(['settings-ui', 'settings-ui', 'system', 'system']);
    expect(fakes.signal.calls.map((c) => c.erasureJobId)).toContain(request!.erasureJobId);
    expect(fakes.profile.calls.map((c) => c.erasureJobId)).toContain(request!.erasureJobId);
    expect(done.closeTime).toBeInstanceOf(Date);
    expect(done.overdue).toBe(false);
    // Nobody else sees it; nobody files for someone else with their own assertion.
    expect(await codeOf(settingsUi.getDataSubjectRequest({ requestId: request!.requestId }, await as('dsr-mallory')))).toBe(status.NOT_FOUND);
    expect(await codeOf(settingsUi.createDataSubjectRequest({ userId: 'dsr-alice', kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: 0 }, await as('dsr-mallory')))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(settingsUi.listDataSubjectRequests({ state: 0, overdueOnly: false, pageSize: 0, pageToken: '' }, await as('dsr-alice')))).toBe(status.PERMISSION_DENIED);
  });

  it('keeps an operator-filed export RECEIVED until an operator verifies it; the export delivered completes it (US: 45 days)', async () => {
    await setRegion('dsr-bob', 'US');
    const { request } = await operator.createDataSubjectRequest({ userId: 'dsr-bob', kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: 0 });
    expect(request).toMatchObject({ state: State.DATA_SUBJECT_REQUEST_STATE_RECEIVED, deadlineRule: 'US_STATE', verification: undefined, receivedBy: 'operator' });
    expect(request!.dueTime!.getTime() - request!.receiveTime!.getTime()).toBe(45 * DAY_MS);
    const requestId = request!.requestId;
    // Not before it is verified and started.
    expect(await codeOf(operator.exportUserData({ userId: 'dsr-bob', dataSubjectRequestId: requestId }))).toBe(status.FAILED_PRECONDITION);

    const verified = (await operator.verifyDataSubjectRequest({ requestId })).request!;
    expect(verified).toMatchObject({ state: State.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS, verification: { method: consent.VerificationMethod.VERIFICATION_METHOD_OPERATOR, actor: 'operator' }, erasureJobId: '' });
    // Verifying again changes nothing.
    expect((await operator.verifyDataSubjectRequest({ requestId })).request!.transitions).toHaveLength(3);
    // Another user's export cannot answer it.
    expect(await codeOf(operator.exportUserData({ userId: 'dsr-alice', dataSubjectRequestId: requestId }))).toBe(status.NOT_FOUND);
    expect((await operator.getDataSubjectRequest({ requestId })).request!.state).toBe(State.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS);
    // A failed export leaves it in progress.
    fakes.profile.down = true;
    try {
      expect(await codeOf(operator.exportUserData({ userId: 'dsr-bob', dataSubjectRequestId: requestId }))).toBe(status.UNAVAILABLE);
    } finally {
      fakes.profile.down = false;
    }
    expect((await operator.getDataSubjectRequest({ requestId })).request!.state).toBe(State.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS);

    const exported = await operator.exportUserData({ userId: 'dsr-bob', dataSubjectRequestId: requestId });
    // The export lists the person's requests too (this one still in progress while it was made).
    expect(JSON.parse(exported.documentJson)).toMatchObject({ userId: 'dsr-bob', dataSubjectRequests: [{ requestId, kind: 'DATA_SUBJECT_REQUEST_KIND_EXPORT', state: 'DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS', deadlineRule: 'US_STATE' }] });
    const done = (await operator.getDataSubjectRequest({ requestId })).request!;
    expect(states(done)).toEqual(['DATA_SUBJECT_REQUEST_STATE_RECEIVED', 'DATA_SUBJECT_REQUEST_STATE_VERIFIED', 'DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS', 'DATA_SUBJECT_REQUEST_STATE_COMPLETED']);
    expect(done.transitions.map((t) => t.actor)).toEqual(['operator', 'operator', 'system', 'operator']);
    // Once completed, an export no longer answers it.
    expect(await codeOf(operator.exportUserData({ userId: 'dsr-bob', dataSubjectRequestId: requestId }))).toBe(status.FAILED_PRECONDITION);
  });

  it('records why a request was rejected and by whom; a rejected or started request cannot move back', async () => {
    const { request } = await operator.createDataSubjectRequest({ userId: 'dsr-carol', kind: Kind.DATA_SUBJECT_REQUEST_KIND_ERASURE, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT });
    const requestId = request!.requestId;
    expect(await codeOf(operator.rejectDataSubjectRequest({ requestId, reason: 0 }))).toBe(status.INVALID_ARGUMENT);
    const rejected = (await operator.rejectDataSubjectRequest({ requestId, reason: consent.RejectionReason.REJECTION_REASON_IDENTITY_NOT_VERIFIED })).request!;
    expect(rejected).toMatchObject({ state: State.DATA_SUBJECT_REQUEST_STATE_REJECTED, rejection: { reason: consent.RejectionReason.REJECTION_REASON_IDENTITY_NOT_VERIFIED, actor: 'operator' }, erasureJobId: '' });
    expect(rejected.closeTime).toEqual(rejected.rejection!.rejectTime);
    expect(await codeOf(operator.verifyDataSubjectRequest({ requestId }))).toBe(status.FAILED_PRECONDITION);
    expect(await codeOf(operator.rejectDataSubjectRequest({ requestId, reason: consent.RejectionReason.REJECTION_REASON_DUPLICATE }))).toBe(status.FAILED_PRECONDITION);
    // A verified request may still be rejected (e.g. a duplicate); one in progress may not.
    const started = (await settingsUi.createDataSubjectRequest({ userId: 'dsr-carol', kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: 0 }, await as('dsr-carol'))).request!;
    expect(started.state).toBe(State.DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS);
    expect(await codeOf(operator.rejectDataSubjectRequest({ requestId: started.requestId, reason: consent.RejectionReason.REJECTION_REASON_DUPLICATE }))).toBe(status.FAILED_PRECONDITION);
    // Field checks.
    expect(await codeOf(operator.createDataSubjectRequest({ userId: 'dsr-carol', kind: Kind.DATA_SUBJECT_REQUEST_KIND_ERASURE, scope: 0 }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(operator.createDataSubjectRequest({ userId: 'dsr-carol', kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: common.ErasureScope.ERASURE_SCOPE_ALL }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(operator.createDataSubjectRequest({ userId: 'dsr-carol', kind: 0, scope: 0 }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(operator.getDataSubjectRequest({ requestId: 'no-such-request' }))).toBe(status.NOT_FOUND);
  });

  it('lists open requests past their deadline as overdue, by region, as the clock moves (no sleeping)', async () => {
    const start = new Date('2027-01-10T00:00:00Z');
    clock.now = start;
    await setRegion('dsr-de', 'FR');
    await setRegion('dsr-us', 'US');
    const file = async (userId: string) => (await operator.createDataSubjectRequest({ userId, kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: 0 })).request!;
    const fr = await file('dsr-de');
    const us = await file('dsr-us');
    const unknown = await file('dsr-nowhere');
    expect([fr.deadlineRule, us.deadlineRule, unknown.deadlineRule]).toEqual(['GDPR', 'US_STATE', 'DEFAULT']);
    // One finished in time: never overdue afterwards.
    const closed = await file('dsr-de');
    await operator.rejectDataSubjectRequest({ requestId: closed.requestId, reason: consent.RejectionReason.REJECTION_REASON_DUPLICATE });
    const ours = new Set([fr.requestId, us.requestId, unknown.requestId, closed.requestId]);
    const overdueIds = async () =>
      (await operator.listDataSubjectRequests({ state: 0, overdueOnly: true, pageSize: 500, pageToken: '' })).requests.filter((r) => ours.has(r.requestId)).map((r) => r.requestId);

    expect(await overdueIds()).toEqual([]);
    clock.now = new Date(start.getTime() + 30 * DAY_MS - 1000);
    expect(await overdueIds()).toEqual([]);
    clock.now = new Date(start.getTime() + 31 * DAY_MS);
    // Earliest deadline first: the 30-day ones, not yet the US one.
    expect((await overdueIds()).sort()).toEqual([fr.requestId, unknown.requestId].sort());
    expect((await operator.getDataSubjectRequest({ requestId: fr.requestId })).request).toMatchObject({ overdue: true, age: { seconds: String(31 * 86_400) } });
    expect((await operator.getDataSubjectRequest({ requestId: us.requestId })).request!.overdue).toBe(false);
    clock.now = new Date(start.getTime() + 46 * DAY_MS);
    const listed = (await operator.listDataSubjectRequests({ state: 0, overdueOnly: true, pageSize: 500, pageToken: '' })).requests.filter((r) => ours.has(r.requestId));
    expect(listed.map((r) => r.requestId).sort()).toEqual([fr.requestId, unknown.requestId, us.requestId].sort());
    const dues = listed.map((r) => r.dueTime!.getTime());
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(listed[listed.length - 1].requestId).toBe(us.requestId);
    expect(listed.every((r) => r.overdue)).toBe(true);
    expect((await operator.getDataSubjectRequest({ requestId: closed.requestId })).request!.overdue).toBe(false);
    // By state, and paged with a token bound to the filters.
    const received = await operator.listDataSubjectRequests({ state: State.DATA_SUBJECT_REQUEST_STATE_RECEIVED, overdueOnly: true, pageSize: 1, pageToken: '' });
    expect(received.requests).toHaveLength(1);
    expect(received.nextPageToken).not.toBe('');
    expect(await codeOf(operator.listDataSubjectRequests({ state: State.DATA_SUBJECT_REQUEST_STATE_REJECTED, overdueOnly: true, pageSize: 1, pageToken: received.nextPageToken }))).toBe(status.INVALID_ARGUMENT);
    const second = await operator.listDataSubjectRequests({ state: State.DATA_SUBJECT_REQUEST_STATE_RECEIVED, overdueOnly: true, pageSize: 1, pageToken: received.nextPageToken });
    expect(second.requests[0].requestId).not.toBe(received.requests[0].requestId);
    expect(second.requests[0].dueTime!.getTime()).toBeGreaterThanOrEqual(received.requests[0].dueTime!.getTime());

    // The gauge's source: open requests by state and how many are overdue.
    const mongo = createMongo({ uri: requireMongoUri(), dbName, appName: 'test-dsr' });
    try {
      const summary = await new RequestStore(mongo.db).openSummary(clock.now);
      const earlier = await new RequestStore(mongo.db).openSummary(start);
      // Earlier tests' open requests were overdue already at `start`; ours add exactly three.
      expect(summary.overdue - earlier.overdue).toBe(3);
      expect(summary.byState.RECEIVED).toBeGreaterThanOrEqual(3);
    } finally {
      await mongo.close();
    }
  });

  it('starts a verified request a process left unstarted, and completes it when its job succeeds (the worker reconciles)', async () => {
    const mongo = createMongo({ uri: requireMongoUri(), dbName, appName: 'test-dsr' });
    try {
      const now = clock.now;
      const doc: RequestDoc = {
        _id: `orphan-${Date.now()}`,
        user_id: 'dsr-erin',
        kind: 'ERASURE',
        scope: 'AI_CHAT',
        region: '',
        deadline_rule: 'DEFAULT',
        receive_time: now,
        due_time: new Date(now.getTime() + 30 * DAY_MS),
        received_by: 'operator',
        state: 'VERIFIED',
        version: 2,
        verification: { method: 'OPERATOR', actor: 'operator', verify_time: now },
        transitions: [
          { state: 'RECEIVED', time: now, actor: 'operator' },
          { state: 'VERIFIED', time: now, actor: 'operator' },
        ],
      };
      await new RequestStore(mongo.db).insert(doc);
      const done = await waitFor(async () => {
        const current = (await operator.getDataSubjectRequest({ requestId: doc._id })).request;
        return current?.state === State.DATA_SUBJECT_REQUEST_STATE_COMPLETED && current;
      });
      expect(states(done)).toEqual(['DATA_SUBJECT_REQUEST_STATE_RECEIVED', 'DATA_SUBJECT_REQUEST_STATE_VERIFIED', 'DATA_SUBJECT_REQUEST_STATE_IN_PROGRESS', 'DATA_SUBJECT_REQUEST_STATE_COMPLETED']);
      expect(fakes.signal.calls).toContainEqual(expect.objectContaining({ userId: 'dsr-erin', scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT, erasureJobId: done.erasureJobId }));
    } finally {
      await mongo.close();
    }
  });

  it('rolls a request forward from its last step when a writer died before updating the request', async () => {
    const { request } = await operator.createDataSubjectRequest({ userId: 'dsr-dave', kind: Kind.DATA_SUBJECT_REQUEST_KIND_EXPORT, scope: 0 });
    const mongo = createMongo({ uri: requireMongoUri(), dbName, appName: 'test-dsr' });
    try {
      const store = new RequestStore(mongo.db);
      const before = (await store.load(request!.requestId))!;
      const next: RequestDoc = { ...before, version: 2, state: 'REJECTED', rejection: { reason: 'WITHDRAWN', actor: 'operator', reject_time: clock.now }, close_time: clock.now };
      // Only the step, as a writer that died between its two writes leaves it.
      await mongo.db.collection(STEPS_COLLECTION).insertOne({ _id: `${before._id}#2` as never, request_id: before._id, snapshot: next });
      expect((await operator.getDataSubjectRequest({ requestId: before._id })).request).toMatchObject({ state: State.DATA_SUBJECT_REQUEST_STATE_REJECTED, rejection: { reason: consent.RejectionReason.REJECTION_REASON_WITHDRAWN } });
      expect(await codeOf(operator.verifyDataSubjectRequest({ requestId: before._id }))).toBe(status.FAILED_PRECONDITION);
    } finally {
      await mongo.close();
    }
  });
});
