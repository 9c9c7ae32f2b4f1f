import { status } from '@grpc/grpc-js';
import { common, consent } from '@signalpath/proto';
import { createMongo, requireMongoUri } from '@signalpath/mongo';
import { historyId, type ErasureJobDoc, type HistoryDoc, type SettingsDoc } from './store/documents';
import { asActor, startConsent, startFakeTargets, statusOf, waitFor, type ConsentUnderTest } from './testing/harness';

const { ERASURE_SCOPE_AI_CHAT: AI_CHAT, ERASURE_SCOPE_ALL: ALL } = common.ErasureScope;
const JobState = consent.ErasureJobState;
const TargetState = consent.ErasureTargetState;
const SIGNAL = 'signalpath.signal.v1.SignalService';
const PROFILE = 'signalpath.profile.v1.ProfileService';

type Fakes = Awaited<ReturnType<typeof startFakeTargets>>;

describe('ConsentService erasure (real database, fake Signal and Profile services)', () => {
  let fakes: Fakes;
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  const env = () => ({ SIGNAL_ADDR: fakes.address, PROFILE_ADDR: fakes.address });
  const finished = (jobId: string, c = client) =>
    waitFor(async () => {
      const { job } = await c.getErasureJob({ jobId });
      return job?.state === JobState.ERASURE_JOB_STATE_SUCCEEDED && job;
    });
  const target = (job: consent.ErasureJob, service: string) => job.targets.find((t) => t.service === service)!;

  beforeAll(async () => {
    fakes = await startFakeTargets();
    consentUnderTest = await startConsent(env());
    client = consentUnderTest.client;
  });
  afterAll(async () => {
    await consentUnderTest.stop();
    await fakes.stop();
  });
  beforeEach(() => {
    for (const fake of [fakes.signal, fakes.profile]) Object.assign(fake, { calls: [], callTimes: [], exportCalls: [], failNext: 0, down: false, failCode: status.UNAVAILABLE });
  });

  it('creates a durable job that every service confirms, with per-service status', async () => {
    const { job } = await client.requestErasure({ userId: 'erase-me', scope: AI_CHAT }, asActor('privacy-center'));
    expect(job).toMatchObject({ userId: 'erase-me', scope: AI_CHAT });
    expect([JobState.ERASURE_JOB_STATE_PENDING, JobState.ERASURE_JOB_STATE_RUNNING, JobState.ERASURE_JOB_STATE_SUCCEEDED]).toContain(job!.state);
    expect(job!.targets.map((t) => t.service)).toEqual([SIGNAL, PROFILE]);
    expect(job!.createTime).toBeInstanceOf(Date);

    const done = await finished(job!.jobId);
    for (const service of [SIGNAL, PROFILE]) {
      expect(target(done, service)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_CONFIRMED, attempts: 1, lastErrorCode: '', lastError: undefined, deletedCount: '3' });
      expect(target(done, service).confirmTime).toBeInstanceOf(Date);
    }
    expect(done.completeTime!.getTime()).toBeGreaterThanOrEqual(done.createTime!.getTime());
    for (const fake of [fakes.signal, fakes.profile]) {
      // The cut-off is the job's create time: everything recorded or about events before it goes.
      expect(fake.calls).toEqual([{ userId: 'erase-me', scope: AI_CHAT, erasureJobId: job!.jobId, cutoffTime: job!.createTime }]);
    }
  });

  it('retries a failing service with backoff until it confirms', async () => {
    fakes.signal.failNext = 3;
    fakes.signal.failCode = status.INTERNAL; // not retried by the channel: each call is one worker attempt
    const { job } = await client.requestErasure({ userId: 'flaky', scope: AI_CHAT });
    const done = await finished(job!.jobId);
    expect(target(done, SIGNAL)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_CONFIRMED, attempts: 4, lastErrorCode: 'INTERNAL', lastError: { code: status.INTERNAL } });
    // The other service confirmed at once and was not called again.
    expect(target(done, PROFILE)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_CONFIRMED, attempts: 1, lastErrorCode: '' });
    expect(fakes.signal.calls).toHaveLength(4);
    expect(fakes.profile.calls).toHaveLength(1);
    expect(new Set(fakes.signal.calls.map((c) => c.erasureJobId))).toEqual(new Set([job!.jobId]));
    // Rounds were spaced by the backoff (50 ms initial, doubling, ±50% jitter).
    const gaps = fakes.signal.callTimes.slice(1).map((time, i) => time - fakes.signal.callTimes[i]);
    expect(gaps.every((gap) => gap >= 20)).toBe(true);
  });

  it("records UNAVAILABLE from a service that stays down, after the channel's own retries", async () => {
    fakes.signal.down = true;
    const { job } = await client.requestErasure({ userId: 'down-for-a-while', scope: AI_CHAT });
    const failing = await waitFor(async () => {
      const current = (await client.getErasureJob({ jobId: job!.jobId })).job!;
      return target(current, SIGNAL).attempts >= 2 && current;
    });
    expect(target(failing, SIGNAL)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_PENDING, lastErrorCode: 'UNAVAILABLE', lastError: { code: status.UNAVAILABLE, message: 'last DeleteUserData call failed: UNAVAILABLE' } });
    fakes.signal.down = false;
    const done = await finished(job!.jobId);
    expect(target(done, SIGNAL).state).toBe(TargetState.ERASURE_TARGET_STATE_CONFIRMED);
  });

  it('shows a running job while a service is down, and returns that unfinished job for the same user and scope', async () => {
    fakes.profile.down = true;
    const first = (await client.requestErasure({ userId: 'dup', scope: AI_CHAT })).job!;
    const running = await waitFor(async () => {
      const { job } = await client.getErasureJob({ jobId: first.jobId });
      return target(job!, PROFILE).attempts >= 2 && job;
    });
    expect(running.state).toBe(JobState.ERASURE_JOB_STATE_RUNNING);
    expect(target(running, SIGNAL).state).toBe(TargetState.ERASURE_TARGET_STATE_CONFIRMED);
    expect(target(running, PROFILE)).toMatchObject({ state: TargetState.ERASURE_TARGET_STATE_PENDING, lastErrorCode: 'UNAVAILABLE' });
    expect(running.completeTime).toBeUndefined();

    const again = await Promise.all(Array.from({ length: 5 }, () => client.requestErasure({ userId: 'dup', scope: AI_CHAT })));
    expect(new Set(again.map((r) => r.job!.jobId))).toEqual(new Set([first.jobId]));
    const other = (await client.requestErasure({ userId: 'dup', scope: ALL })).job!;
    expect(other.jobId).not.toBe(first.jobId);

    fakes.profile.down = false;
    await finished(first.jobId);
    await finished(other.jobId);
    const after = (await client.requestErasure({ userId: 'dup', scope: AI_CHAT })).job!;
    expect(after.jobId).not.toBe(first.jobId);
    await finished(after.jobId);
  });

  it('survives a restart mid-way: a new process finishes the job from the database', async () => {
    const dbName = 'consent_restart_' + Date.now().toString(36);
    fakes.signal.down = true;
    const first = await startConsent(env(), { dbName, keepDatabase: true });
    const { job } = await first.client.requestErasure({ userId: 'restart-me', scope: AI_CHAT });
    await waitFor(async () => {
      const current = (await first.client.getErasureJob({ jobId: job!.jobId })).job!;
      return target(current, PROFILE).state === TargetState.ERASURE_TARGET_STATE_CONFIRMED && target(current, SIGNAL).attempts >= 1;
    });
    await first.stop(); // the process goes away with the job unfinished
    const peek = createMongo({ uri: requireMongoUri(), dbName, appName: 'erasure-spec' });
    const stored = (await peek.db.collection<ErasureJobDoc>('erasure_jobs').findOne({ _id: job!.jobId }))!;
    await peek.close();
    expect(stored).toMatchObject({ state: 'RUNNING', targets: { profile: { state: 'CONFIRMED' }, signal: { state: 'PENDING' } } });
    const attemptsBefore = stored.targets.signal.attempts;
    fakes.signal.down = false;

    const second = await startConsent(env(), { dbName });
    try {
      const done = await finished(job!.jobId, second.client);
      expect(target(done, SIGNAL).attempts).toBe(attemptsBefore + 1);
      expect(target(done, PROFILE).attempts).toBe(1); // not called again after the restart
      expect(fakes.profile.calls).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('takes over a job whose worker died holding the lease, once the lease expires', async () => {
    const jobs = consentUnderTest.service.mongo.db.collection('erasure_jobs');
    const leaseUntil = new Date(Date.now() + 1_000);
    const pendingTarget = (service: string) => ({ service, state: 'PENDING', attempts: 0, last_error_code: '', deleted_count: 0 });
    await jobs.insertOne({
      _id: 'orphaned-job' as never,
      user_id: 'leased-user',
      scope: 'AI_CHAT',
      state: 'RUNNING',
      active_key: 'leased-user|AI_CHAT',
      requested_by: 'test',
      create_time: new Date(),
      targets: { signal: pendingTarget(SIGNAL), profile: pendingTarget(PROFILE) },
      rounds: 0,
      next_attempt_time: new Date(),
      lease_owner: 'dead-worker',
      lease_until: leaseUntil,
    });
    const done = await finished('orphaned-job');
    // Nobody touched it while the dead worker's lease was valid.
    const firstCall = Math.min(...fakes.signal.callTimes, ...fakes.profile.callTimes);
    expect(firstCall).toBeGreaterThanOrEqual(leaseUntil.getTime());
    expect(done.targets.every((t) => t.state === TargetState.ERASURE_TARGET_STATE_CONFIRMED)).toBe(true);
  });

  describe('consent withdrawal starts an AI-chat erasure automatically', () => {
    const jobsOf = (userId: string) => consentUnderTest.service.mongo.db.collection<ErasureJobDoc>('erasure_jobs').countDocuments({ user_id: userId });
    const set = async (userId: string, settings: Partial<consent.Settings>, paths: string[]) => {
      const current = (await client.getSettings({ userId })).settings!;
      return client.updateSettings({ userId, expectedVersion: current.version, settings: consent.Settings.fromPartial(settings), updateMask: paths }, asActor('settings-ui'));
    };

    // Each choice erases its own purpose's use of AI-chat data only; both at once, all of it.
    it.each([
      ['ai_chat_content', { aiChatContent: consent.Choice.CHOICE_OPT_OUT }, common.ErasureScope.ERASURE_SCOPE_AI_CHAT_CONTENT],
      ['ai_chat_ads', { aiChatAds: consent.Choice.CHOICE_OPT_OUT }, common.ErasureScope.ERASURE_SCOPE_AI_CHAT_ADS],
      ['ai_chat_ads,ai_chat_content', { aiChatAds: consent.Choice.CHOICE_OPT_OUT, aiChatContent: consent.Choice.CHOICE_OPT_OUT }, AI_CHAT],
    ] as [string, Partial<consent.Settings>, common.ErasureScope][])('when %s moves to OPT_OUT', async (paths, change, scope) => {
      const path = paths.split(',');
      const userId = `withdraw-${path.join('-')}`;
      await set(userId, { region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT, aiChatContent: consent.Choice.CHOICE_OPT_IN }, ['region', 'age_band', 'ai_chat_content']);
      expect(fakes.signal.calls).toEqual([]);
      await set(userId, change, path);
      const call = await waitFor(async () => fakes.signal.calls.find((c) => c.userId === userId));
      expect(call.scope).toBe(scope);
      const done = await finished(call.erasureJobId);
      expect(done).toMatchObject({ userId, scope });
      // Opting out again is no new withdrawal: a withdrawal's job is stored before UpdateSettings
      // answers, so the job store says so at once (no wait for a worker that might call later).
      await set(userId, { ...change, region: 'CA' }, [...path, 'region']);
      expect(await jobsOf(userId)).toBe(1);
    });

    it('not for other changes', async () => {
      await set('no-withdrawal', { region: 'US', crossAppSharing: consent.Choice.CHOICE_OPT_OUT, aiChatAds: consent.Choice.CHOICE_OPT_IN }, ['region', 'cross_app_sharing', 'ai_chat_ads']);
      expect(await jobsOf('no-withdrawal')).toBe(0);
      expect(fakes.signal.calls).toEqual([]);
    });
  });

  it('rolls forward a settings change whose writer crashed after claiming its version', async () => {
    const db = consentUnderTest.service.mongo.db;
    await client.updateSettings({ userId: 'crashed-writer', expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US', aiChatAds: consent.Choice.CHOICE_OPT_IN }), updateMask: ['region', 'ai_chat_ads'] });
    const stored = (await db.collection<SettingsDoc>('settings').findOne({ _id: 'crashed-writer' }))!;
    const changeTime = new Date(Date.now() - 5_000);
    const snapshot: SettingsDoc = { ...stored, version: 2, update_time: changeTime, ai_chat_ads: 'OPT_OUT' };
    const entry: HistoryDoc = {
      _id: historyId('crashed-writer', 2),
      user_id: 'crashed-writer',
      version: 2,
      change_time: changeTime,
      actor: 'crashed',
      field_changes: [{ field_path: 'ai_chat_ads', old_value_json: '"CHOICE_OPT_IN"', new_value_json: '"CHOICE_OPT_OUT"' }],
      applied: false,
      snapshot,
      erasure_scope: 'AI_CHAT',
    };
    await db.collection<HistoryDoc>('settings_history').insertOne(entry);
    // A writer still at version 1 loses to the claimed change...
    expect(await statusOf(client.updateSettings({ userId: 'crashed-writer', expectedVersion: '1', settings: consent.Settings.fromPartial({ region: 'CA' }), updateMask: ['region'] }))).toMatchObject({
      code: status.ABORTED,
    });
    // ...and the change, with the erasure its withdrawal requires, is applied.
    const settings = await waitFor(async () => {
      const current = (await client.getSettings({ userId: 'crashed-writer' })).settings!;
      return current.version === '2' && current;
    });
    expect(settings.aiChatAds).toBe(consent.Choice.CHOICE_OPT_OUT);
    const call = await waitFor(async () => fakes.signal.calls.find((c) => c.userId === 'crashed-writer'));
    await finished(call.erasureJobId);
    expect((await db.collection<HistoryDoc>('settings_history').findOne({ _id: entry._id }))).toMatchObject({ applied: true });
    expect((await db.collection<HistoryDoc>('settings_history').findOne({ _id: entry._id }))?.snapshot).toBeUndefined();
  });

  it('the periodic sweep also rolls such a change forward without any further request', async () => {
    const db = consentUnderTest.service.mongo.db;
    const changeTime = new Date(Date.now() - 5_000);
    const snapshot: SettingsDoc = {
      _id: 'swept',
      version: 1,
      update_time: changeTime,
      ai_chat_ads: 'UNSPECIFIED',
      ai_chat_content: 'UNSPECIFIED',
      cross_app_sharing: 'UNSPECIFIED',
      region: 'JP',
      age_band: 'ADULT',
      ad_preferences: { blocked_topic_ids: [], blocked_advertiser_ids: [], see_fewer_topic_ids: [] },
      feed_controls: { non_personalized_feed: false, show_more_topic_ids: [], show_less_topic_ids: [] },
      linked_accounts: {},
    };
    await db.collection<HistoryDoc>('settings_history').insertOne({
      _id: historyId('swept', 1),
      user_id: 'swept',
      version: 1,
      change_time: changeTime,
      actor: 'crashed',
      field_changes: [{ field_path: 'region', old_value_json: '""', new_value_json: '"JP"' }],
      applied: false,
      snapshot,
    });
    const settings = await waitFor(async () => (await db.collection<SettingsDoc>('settings').findOne({ _id: 'swept' })) ?? undefined);
    expect(settings).toMatchObject({ region: 'JP', version: 1 });
  });

  it('ERASURE_SCOPE_ALL leaves nothing about the user in the consent database but the consent record and the job', async () => {
    const userId = 'leaving-user';
    const actor = asActor('settings-ui');
    await client.updateSettings(
      {
        userId,
        expectedVersion: '0',
        settings: consent.Settings.fromPartial({
          region: 'US',
          ageBand: consent.AgeBand.AGE_BAND_ADULT,
          aiChatContent: consent.Choice.CHOICE_OPT_IN,
          adPreferences: { blockedTopicIds: ['500'], blockedAdvertiserIds: ['adv-9'], seeFewerTopicIds: [] },
          feedControls: { nonPersonalizedFeed: true, showMoreTopicIds: ['483'], showLessTopicIds: [] },
        }),
        updateMask: ['region', 'age_band', 'ai_chat_content', 'ad_preferences', 'feed_controls'],
      },
      actor,
    );
    await client.linkAccount({ userId, surface: common.Surface.SURFACE_MESSENGER, accountId: 'm-leaving' }, actor);
    await client.linkAccount({ userId, surface: common.Surface.SURFACE_INSTAGRAM, accountId: 'ig-leaving' }, actor);
    await client.updateSettings({ userId, expectedVersion: '3', settings: consent.Settings.fromPartial({ aiChatAds: consent.Choice.CHOICE_OPT_OUT }), updateMask: ['ai_chat_ads'] }, actor);
    const withdrawalJob = await waitFor(async () => fakes.signal.calls.find((c) => c.userId === userId));
    await finished(withdrawalJob.erasureJobId);

    const { job } = await client.requestErasure({ userId, scope: ALL }, asActor('account-deletion'));
    const done = await finished(job!.jobId);
    expect(fakes.signal.calls.filter((c) => c.scope === ALL)).toEqual([{ userId, scope: ALL, erasureJobId: job!.jobId, cutoffTime: job!.createTime }]);
    expect(done.targets.every((t) => t.state === TargetState.ERASURE_TARGET_STATE_CONFIRMED)).toBe(true);

    // The settings are a tombstone: the AI-chat choices (the consent record) and nothing else.
    const { settings } = await client.getSettings({ userId });
    expect(settings).toMatchObject({
      aiChatAds: consent.Choice.CHOICE_OPT_OUT,
      aiChatContent: consent.Choice.CHOICE_OPT_IN,
      crossAppSharing: consent.Choice.CHOICE_UNSPECIFIED,
      region: '',
      ageBand: consent.AgeBand.AGE_BAND_UNKNOWN,
      linkedAccounts: [],
      adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: [], seeFewerTopicIds: [] },
      feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: [] },
      version: '5',
    });
    // The accounts are free again.
    await expect(client.linkAccount({ userId: 'someone-else', surface: common.Surface.SURFACE_MESSENGER, accountId: 'm-leaving' })).resolves.toBeDefined();

    // The history keeps the consent choices and the erasure, with no erased value.
    const { changes } = await client.listSettingsHistory({ userId, pageSize: 0, pageToken: '' });
    expect(changes.map((c) => [c.version, c.actor, c.fieldChanges.map((f) => f.fieldPath)])).toEqual([
      [
        '5',
        `erasure-job:${job!.jobId}`,
        ['ad_preferences.blocked_topic_ids', 'ad_preferences.blocked_advertiser_ids', 'feed_controls.non_personalized_feed', 'feed_controls.show_more_topic_ids', 'region', 'age_band', 'linked_accounts'],
      ],
      ['4', 'settings-ui', ['ai_chat_ads']],
      ['1', 'settings-ui', ['ai_chat_content']],
    ]);
    expect(changes[0].fieldChanges.every((f) => f.oldValueJson === 'null')).toBe(true);

    // Scan every collection: what still refers to the user is the tombstone, that history and the jobs.
    const db = consentUnderTest.service.mongo.db;
    const erasedValues = ['m-leaving', 'ig-leaving', 'adv-9', '"US"', 'AGE_BAND_ADULT', '"500"', '"483"'];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        const text = JSON.stringify(doc);
        if (!text.includes(userId)) continue;
        if (name === 'erasure_jobs') {
          expect(doc.user_id).toBe(userId);
          continue;
        }
        expect(['settings', 'settings_history']).toContain(name);
        for (const value of erasedValues) expect(text).not.toContain(value);
      }
    }
  });

  describe('bad input', () => {
    it('INVALID_ARGUMENT naming the field', async () => {
      expect(await statusOf(client.requestErasure({ userId: '', scope: AI_CHAT }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^user_id:/) });
      expect(await statusOf(client.requestErasure({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_UNSPECIFIED }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^scope:/) });
      expect(await statusOf(client.requestErasure({ userId: 'u', scope: 9 as common.ErasureScope }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^scope:/) });
      expect(await statusOf(client.getErasureJob({ jobId: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^job_id:/) });
    });

    it('NOT_FOUND for an unknown job', async () => {
      expect(await statusOf(client.getErasureJob({ jobId: 'no-such-job' }))).toMatchObject({ code: status.NOT_FOUND });
    });
  });
});
