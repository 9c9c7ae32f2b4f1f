import { status } from '@grpc/grpc-js';
import { common, consent } from '@signalpath/proto';
import { startPrivateDatabase, testPort, uniqueDbName, type PrivateDatabase } from '@signalpath/testing';
import type { ConsentServiceInstance } from './server';
import { historyId, type HistoryDoc, type SettingsDoc } from './store/documents';
import { startConsent, startFakeTargets, waitFor, type ConsentUnderTest } from './testing/harness';

/**
 * Every background task of ConsentService resumes by itself after a database outage (issue 12
 * §6): the settings change feed, the erasure worker and the settings upkeep it runs. The database
 * is a FerretDB of this file's own, stopped and started again under the running services.
 */
describe('ConsentService background tasks after a database outage', () => {
  let database: PrivateDatabase;
  let fakes: Awaited<ReturnType<typeof startFakeTargets>>;
  let a: ConsentUnderTest;
  let b: ConsentUnderTest;
  const instance = (c: ConsentUnderTest) => c.service.instance as ConsentServiceInstance;

  beforeAll(async () => {
    database = await startPrivateDatabase(testPort(27119));
    fakes = await startFakeTargets();
    const dbName = uniqueDbName('consent_recovery');
    const env = { SIGNAL_ADDR: fakes.address, PROFILE_ADDR: fakes.address, CONSENT_SETTINGS_CACHE_MAX_STALENESS: '400ms' };
    // Two replicas on one database: a change made through B must reach A's cache through A's feed.
    a = await startConsent(env, { dbName, keepDatabase: true, mongoUri: database.uri });
    b = await startConsent(env, { dbName, keepDatabase: true, mongoUri: database.uri });
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await fakes?.stop();
    await database?.close();
  }, 60_000);

  /** Stops the database until `whileDown` is done, then starts it again; returns when it was back. */
  async function outage(whileDown: () => Promise<void>): Promise<number> {
    await database.stop();
    try {
      await whileDown();
    } finally {
      await database.start();
    }
    return Date.now();
  }

  it('the settings change feed syncs again, and a change made through another replica reaches this one', async () => {
    const user = 'feed-user';
    await b.client.updateSettings({ userId: user, expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region'] });
    await waitFor(async () => (await a.client.getSettings({ userId: user })).settings?.version === '1');

    const restartedAt = await outage(async () => {
      // The feed stalls, so A stops answering from memory: reads go to the database and fail closed.
      // (UNAVAILABLE, or DEADLINE_EXCEEDED once the client's own retries of UNAVAILABLE ran out).
      await waitFor(async () => a.client.getSettings({ userId: user }, { timeoutMs: 5_000 }).then(() => false, (e: { code: number }) => [status.UNAVAILABLE, status.DEADLINE_EXCEEDED].includes(e.code)), 30_000, 200);
    });

    // Progress: the feed syncs again by itself…
    await waitFor(async () => instance(a).changeFeed.lastSyncAt > restartedAt, 30_000, 100);
    // …and a change made through B after the outage is seen by A.
    await waitFor(
      async () =>
        b.client.updateSettings({ userId: user, expectedVersion: '1', settings: consent.Settings.fromPartial({ region: 'CA' }), updateMask: ['region'] }).then(
          () => true,
          () => false,
        ),
      30_000,
      200,
    );
    const seen = await waitFor(async () => {
      const settings = (await a.client.getSettings({ userId: user })).settings;
      return settings?.version === '2' && settings;
    }, 10_000);
    expect(seen.region).toBe('CA');
  }, 120_000);

  it('the erasure worker finishes a job that was retrying when the database went away, with no new request', async () => {
    fakes.signal.down = true;
    const jobId = (await a.client.requestErasure({ userId: 'erasure-user', scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT })).job?.jobId ?? '';
    expect(jobId).not.toBe('');
    // A round failed: the job waits for its retry.
    await waitFor(async () => fakes.signal.calls.some((c) => c.userId === 'erasure-user'), 10_000);
    await outage(async () => {
      fakes.signal.down = false;
      // Outlast a few polls and backoffs of the worker while the database is away.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    });
    const done = await waitFor(
      async () => {
        const current = await a.client.getErasureJob({ jobId }).catch(() => undefined);
        return current?.job?.state === consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED && current.job;
      },
      60_000,
      200,
    );
    expect(done.targets.every((t) => t.state === consent.ErasureTargetState.ERASURE_TARGET_STATE_CONFIRMED)).toBe(true);
  }, 120_000);

  it('the settings upkeep rolls forward an unfinished change found after the outage', async () => {
    await outage(async () => undefined);
    const db = a.service.mongo.db;
    // The database answers again; a crashed writer's claimed change is there.
    const changeTime = new Date(Date.now() - 5_000);
    const snapshot: SettingsDoc = {
      _id: 'upkeep-user',
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
    await waitFor(
      async () =>
        db
          .collection<HistoryDoc>('settings_history')
          .insertOne({
            _id: historyId('upkeep-user', 1),
            user_id: 'upkeep-user',
            version: 1,
            change_time: changeTime,
            actor: 'crashed',
            field_changes: [{ field_path: 'region', old_value_json: '""', new_value_json: '"JP"' }],
            applied: false,
            snapshot,
          })
          .then(() => true),
      30_000,
      200,
    );
    const settings = await waitFor(async () => (await db.collection<SettingsDoc>('settings').findOne({ _id: 'upkeep-user' })) ?? undefined, 30_000, 100);
    expect(settings).toMatchObject({ region: 'JP', version: 1 });
  }, 120_000);
});
