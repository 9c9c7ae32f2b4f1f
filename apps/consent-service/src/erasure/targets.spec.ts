import { status } from '@grpc/grpc-js';
import { common, consent } from '@signalpath/proto';
import { uniqueDbName } from '@signalpath/testing';
import { NOT_CONFIGURED } from './worker';
import { startConsent, startFakeTargets, startFakeUserData, waitFor, type ConsentUnderTest } from '../testing/harness';

const { ERASURE_SCOPE_ALL: ALL } = common.ErasureScope;
const JobState = consent.ErasureJobState;
const TargetState = consent.ErasureTargetState;
const CONTRACT = 'signalpath.userdata.v1.UserDataService';

/**
 * Adding a service that holds user data is one line of configuration (CONSENT_USER_DATA_TARGETS):
 * a fake UserDataService no code names is erased and exported like SignalService and
 * ProfileService (issue 15 §3).
 */
describe('ConsentService user-data targets from configuration (real database)', () => {
  let fakes: Awaited<ReturnType<typeof startFakeTargets>>;
  let archive: Awaited<ReturnType<typeof startFakeUserData>>;
  const started: ConsentUnderTest[] = [];
  /** ConsentService with these targets; restarts of one test share its database. */
  const start = async (targets: string, dbName = uniqueDbName('consent_targets')) => {
    const under = await startConsent({ ...fakes.env, CONSENT_USER_DATA_TARGETS: targets }, { dbName, keepDatabase: true });
    started.push(under);
    return under;
  };
  const jobOf = async (under: ConsentUnderTest, jobId: string) => (await under.client.getErasureJob({ jobId })).job!;

  beforeAll(async () => {
    fakes = await startFakeTargets();
    archive = await startFakeUserData('example.archive.v1.ArchivedMessages', { messages: [{ id: 'm1', archiveTime: '2026-02-03T04:05:06Z' }] });
  });
  afterEach(async () => {
    for (const under of started.splice(0)) await under.stop();
    for (const fake of [fakes.signal, fakes.profile, archive]) Object.assign(fake, { calls: [], callTimes: [], exportCalls: [], failNext: 0, down: false, failCode: status.UNAVAILABLE });
  });
  afterAll(async () => {
    await fakes.stop();
    await archive.stop();
  });

  it('erases and exports through a target added to the list, next to the stack services', async () => {
    const under = await start(`signal,profile,archive@${archive.address}`);
    const { job } = await under.client.requestErasure({ userId: 'configured', scope: ALL });
    expect(job!.targets.map((t) => t.service)).toEqual(['signalpath.signal.v1.SignalService', 'signalpath.profile.v1.ProfileService', CONTRACT]);
    const done = await waitFor(async () => {
      const current = await jobOf(under, job!.jobId);
      return current.state === JobState.ERASURE_JOB_STATE_SUCCEEDED && current;
    });
    expect(done.targets.find((t) => t.service === CONTRACT)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_CONFIRMED, attempts: 1, deletedCount: '3' });
    expect(archive.calls).toEqual([{ userId: 'configured', scope: ALL, erasureJobId: job!.jobId, cutoffTime: job!.createTime }]);

    const document = JSON.parse((await under.client.exportUserData({ userId: 'configured' })).documentJson);
    expect(Object.keys(document.services)).toEqual(['signal', 'profile', 'archive']);
    expect(document.services.archive).toEqual({ documentType: 'example.archive.v1.ArchivedMessages', document: { messages: [{ id: 'm1', archiveTime: '2026-02-03T04:05:06Z' }] } });
    expect(archive.exportCalls).toEqual(['configured']);

    // All parts or nothing: the added target being down fails the export.
    archive.down = true;
    await expect(under.client.exportUserData({ userId: 'configured' })).rejects.toMatchObject({ code: 14 });
  });

  it('a target configured while a job is unfinished joins it; the job waits for it too', async () => {
    fakes.profile.down = true;
    const dbName = uniqueDbName('consent_targets');
    const before = await start('signal,profile', dbName);
    const { job } = await before.client.requestErasure({ userId: 'joined-later', scope: ALL });
    await waitFor(async () => fakes.profile.calls.length > 0);
    await before.stop();
    started.splice(started.indexOf(before), 1);

    // A code the channel does not retry itself, so the worker's own retry is what is counted.
    archive.failCode = status.INTERNAL;
    archive.failNext = 1;
    const after = await start(`signal,profile,archive@${archive.address}`, dbName);
    await waitFor(async () => archive.calls.length >= 1);
    fakes.profile.down = false;
    const done = await waitFor(async () => {
      const current = await jobOf(after, job!.jobId);
      return current.state === JobState.ERASURE_JOB_STATE_SUCCEEDED && current;
    });
    // Its first call failed and was retried like any target's.
    expect(done.targets.find((t) => t.service === CONTRACT)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_CONFIRMED, attempts: 2 });
    expect(archive.calls.map((call) => call.erasureJobId)).toEqual([job!.jobId, job!.jobId]);
  });

  it('never confirms a job target that is no longer configured (fail closed)', async () => {
    fakes.profile.down = true;
    const dbName = uniqueDbName('consent_targets');
    const before = await start('signal,profile', dbName);
    const { job } = await before.client.requestErasure({ userId: 'dropped', scope: ALL });
    await waitFor(async () => fakes.profile.calls.length > 0);
    await before.stop();
    started.splice(started.indexOf(before), 1);

    fakes.profile.down = false;
    const after = await start('signal', dbName);
    const stuck = await waitFor(async () => {
      const current = await jobOf(after, job!.jobId);
      const profile = current.targets.find((t) => t.service === 'signalpath.profile.v1.ProfileService');
      return profile?.lastErrorCode === NOT_CONFIGURED && current;
    });
    expect(stuck.state).toBe(JobState.ERASURE_JOB_STATE_RUNNING);
    expect(stuck.targets.find((t) => t.service === 'signalpath.profile.v1.ProfileService')!.state).toBe(TargetState.ERASURE_TARGET_STATE_PENDING);
  });
});
