import { status } from '@grpc/grpc-js';
import { RpcError } from '@signalpath/grpc-kit';
import { common, signal } from '@signalpath/proto';
import { createSignalClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService, uniqueDbName } from '@signalpath/testing';

import { createSignalService, type SignalServiceInstance } from './server';
import { COLLECTIONS } from './store/signal-store';
import { eventually, freePort, startFakeProfile } from './testing/fakes';
import { interaction, settled, startSignalHarness, type SignalHarness } from './testing/harness';

async function storedSignalIds(h: SignalHarness): Promise<string[]> {
  const records = await h.service.mongo.db.collection(COLLECTIONS.records).find({}).toArray();
  return records.flatMap((r) => (r.signals as Array<{ signalId: string }>).map((s) => s.signalId)).sort();
}

describe('outbox delivery to ProfileService', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness({ profileDown: true });
  });
  afterAll(async () => h.stop());

  it('keeps signals pending while ProfileService is down and drains the backlog when it returns', async () => {
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await h.client.ingestInteraction({ interaction: interaction({ userId: `outbox-${i}` }, h.clock) }));
    const batch = await h.client.ingestInteractions({ interactions: Array.from({ length: 20 }, (_, i) => interaction({ userId: `outbox-batch-${i}` }, h.clock)) });
    const expected = [...responses.flatMap((r) => r.signals), ...batch.results.flatMap((r) => r.signals)];
    expect(expected.length).toBeGreaterThanOrEqual(25);

    // Several delivery attempts fail.
    await eventually(() => h.instance.deliverer.failures >= 3);
    h.clock.advance(5_000);
    const down = await h.client.getOutboxStatus({});
    expect(down.pendingCount).toBe(String(expected.length));
    expect(Number(down.oldestPendingAge?.seconds)).toBeGreaterThanOrEqual(5);
    expect(down.deliveredCount).toBe('0');

    const profile = await h.startProfile();
    await eventually(async () => (await h.client.getOutboxStatus({})).pendingCount === '0', 15_000);
    const up = await h.client.getOutboxStatus({});
    expect(up).toEqual({ pendingCount: '0', oldestPendingAge: { seconds: '0', nanos: 0 }, deliveredCount: '25' });

    const received = profile.received.map((s) => s.signalId).sort();
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual(expected.map((s) => s.signalId).sort());
    expect(received).toEqual(await storedSignalIds(h));
    const first = responses[0].signals[0];
    expect(profile.received.find((s) => s.signalId === first.signalId)).toEqual({
      signalId: first.signalId,
      userId: 'outbox-0',
      surface: common.Surface.SURFACE_MESSENGER,
      topicId: first.topic?.id,
      weight: first.weight,
      sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT,
      modality: common.Modality.MODALITY_TEXT,
      eventTime: first.eventTime,
      adsEligible: first.adsEligible,
      contentEligible: first.contentEligible,
      // When the record was stored: ProfileService refuses what an erasure's cut-off covers.
      recordTime: expect.any(Date),
    });
    expect(profile.calls).toBeLessThan(10);
  });

  it('sets aside what ProfileService refuses as invalid, delivering everything it shared calls with', async () => {
    const profile = await h.startProfile();
    // Let anything earlier tests left pending go first, so this test counts only its own.
    await eventually(async () => (await h.client.getOutboxStatus({})).pendingCount === '0', 15_000);
    profile.refuseUsers.add('poison-user');
    const receivedBefore = profile.received.length;
    // One burst: the refused user's entry lands in the same calls as the others.
    const batch = await h.client.ingestInteractions({
      interactions: Array.from({ length: 12 }, (_, i) => interaction({ userId: i === 5 ? 'poison-user' : `healthy-${i}` }, h.clock)),
    });
    const poisonCount = batch.results[5].signals.length;
    const healthyIds = batch.results.filter((_, i) => i !== 5).flatMap((r) => r.signals.map((s) => s.signalId));
    expect(poisonCount).toBeGreaterThan(0);
    await eventually(() => healthyIds.every((id) => profile.received.some((s) => s.signalId === id)), 30_000);
    expect(profile.received.slice(receivedBefore).some((s) => s.userId === 'poison-user')).toBe(false);
    // Kept, not dropped: still pending, and not retried in a tight loop.
    await eventually(async () => (await h.client.getOutboxStatus({})).pendingCount === String(poisonCount), 15_000);
    const callsNow = profile.calls;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(profile.calls).toBe(callsNow);
    // Once ProfileService accepts them (a fix deployed), the next retry delivers them.
    profile.refuseUsers.clear();
    h.clock.advance(6 * 60_000);
    await eventually(async () => (await h.client.getOutboxStatus({})).pendingCount === '0', 30_000);
    expect(profile.received.some((s) => s.userId === 'poison-user')).toBe(true);
  });

  it('delivers soon after ingestion once ProfileService is up', async () => {
    const profile = await h.startProfile();
    const before = profile.received.length;
    const started = Date.now();
    const response = await h.client.ingestInteraction({ interaction: interaction({ userId: 'lag-user' }, h.clock) });
    const ingestMs = Date.now() - started;
    await eventually(() => profile.received.length >= before + response.signals.length, 30_000, 5);
    // The ingest wakes the deliverer: delivery does not wait for an idle poll (up to 1 s apart).
    // On a loaded machine everything is slower, so the bound scales with the ingest call's own
    // time (a delivery is a handful of the same database operations).
    expect(Date.now() - started).toBeLessThan(Math.max(1_000, 6 * ingestMs));
  });

  it('re-queues the entry when a retry finds a record whose outbox entry was lost in a crash', async () => {
    const profile = await h.startProfile();
    const request = interaction({ userId: 'crash-user' }, h.clock);
    const outbox = h.service.mongo.db.collection(COLLECTIONS.outbox);
    // Simulate the crash between the two writes: the record exists, its outbox entry does not.
    await h.instance.deliverer.close();
    const first = await h.client.ingestInteraction({ interaction: request });
    await eventually(() => h.instance.outbox.pending === 0);
    expect((await outbox.deleteMany({ userId: 'crash-user' })).deletedCount).toBe(1);
    const retry = await h.client.ingestInteraction({ interaction: request });
    expect(retry.status).toBe(signal.IngestStatus.INGEST_STATUS_DUPLICATE);
    await eventually(() => h.instance.outbox.pending === 0);
    expect(await outbox.countDocuments({ userId: 'crash-user' })).toBe(1);
    h.instance.deliverer.start();
    await eventually(() => profile.received.some((s) => s.userId === 'crash-user'));
    expect(profile.received.filter((s) => s.userId === 'crash-user').map((s) => s.signalId).sort()).toEqual(first.signals.map((s) => s.signalId).sort());
  });
});

describe('outbox recovery after a crash between the record and its outbox entry', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  it('re-queues, from the records, what a writer that stopped beating had not written', async () => {
    const db = h.service.mongo.db;
    const before = await h.client.ingestInteraction({ interaction: interaction({ userId: 'recovery-old' }, h.clock) });
    const lost = await h.client.ingestInteraction({ interaction: interaction({ userId: 'recovery-lost' }, h.clock) });
    await eventually(() => (h.profile?.received.length ?? 0) >= before.signals.length + lost.signals.length);
    await settled(h);
    // Rewrite history: both records came from a writer that died after storing the second record
    // and before its outbox entry; its last heartbeat said everything before that was written.
    const lostRecord = await db.collection(COLLECTIONS.records).findOne({ userId: 'recovery-lost' });
    const crashAt = lostRecord?.recordedAt as Date;
    await db.collection(COLLECTIONS.records).updateMany({ userId: { $in: ['recovery-old', 'recovery-lost'] } }, { $set: { writer: 'dead-writer' } });
    await db.collection(COLLECTIONS.records).updateOne({ userId: 'recovery-old' }, { $set: { recordedAt: new Date(crashAt.getTime() - 3_600_000) } });
    await db.collection(COLLECTIONS.writers).insertOne({ _id: 'dead-writer' as never, beatAt: new Date(h.clock.ms - 60_000), flushedThrough: crashAt });
    const received = h.profile?.received.length ?? 0;

    expect(await h.instance.recovery.run()).toBe(1);
    await eventually(() => (h.profile?.received.length ?? 0) >= received + lost.signals.length);
    expect(h.profile?.received.slice(received).map((s) => s.signalId).sort()).toEqual(lost.signals.map((s) => s.signalId).sort());
    expect(await db.collection(COLLECTIONS.writers).countDocuments({ _id: 'dead-writer' as never })).toBe(0);
    // A live writer (this instance's) is never recovered.
    expect(await db.collection(COLLECTIONS.writers).countDocuments({ _id: h.instance.outbox.writerId as never })).toBe(1);
    expect(await h.instance.recovery.run()).toBe(0);
  });
});

describe('two SignalService instances on one database', () => {
  it('never send the same outbox entry twice', async () => {
    const consent = new FakeConsentService();
    await consent.start();
    const profilePort = await freePort();
    const dbName = uniqueDbName('signal_two');
    const env = { CONSENT_ADDR: consent.address, PROFILE_ADDR: `127.0.0.1:${profilePort}`, SIGNAL_DELIVERY_INTERVAL: '5ms', SIGNAL_DELIVERY_MAX_BACKOFF: '100ms', SIGNAL_DELIVERY_BATCH_SIZE: '7' };
    const a = await startTestService(createSignalService(), { env, dbName, keepDatabase: true });
    const b = await startTestService(createSignalService(), { env, dbName });
    const client = createSignalClient(a.address);
    try {
      // A backlog built while ProfileService is down, then both instances race to drain it.
      const { results } = await client.ingestInteractions({ interactions: Array.from({ length: 120 }, (_, i) => interaction({ userId: `race-${i % 7}` })) });
      const expected = results.flatMap((r) => r.signals.map((s) => s.signalId)).sort();
      const profile = await startFakeProfile(profilePort);
      try {
        await eventually(() => profile.received.length >= expected.length, 20_000);
        await eventually(async () => (await a.mongo.db.collection(COLLECTIONS.outbox).countDocuments({})) === 0 && (await a.mongo.db.collection(COLLECTIONS.claims).countDocuments({})) === 0);
        // Both deliverers stopped (close waits for a round in flight): nothing can arrive later.
        await Promise.all([(a.instance as SignalServiceInstance).deliverer.close(), (b.instance as SignalServiceInstance).deliverer.close()]);
        const received = profile.received.map((s) => s.signalId).sort();
        expect(received).toEqual(expected);
        expect(profile.received.every((s, i, all) => all.findIndex((t) => t.signalId === s.signalId) === i)).toBe(true);
      } finally {
        await profile.stop();
      }
    } finally {
      client.close();
      // a keeps the database, b drops it: b last, so nothing recreates it afterwards.
      await a.stop();
      await b.stop();
      await consent.stop();
    }
  });
});

describe('retry advice from ProfileService', () => {
  let h: SignalHarness;
  beforeAll(async () => {
    h = await startSignalHarness();
  });
  afterAll(async () => h.stop());

  it('waits at least the google.rpc.RetryInfo delay of a refused ApplySignals before sending again', async () => {
    const profile = h.profile as NonNullable<SignalHarness['profile']>;
    // Far above the harness's 200 ms backoff cap: only the advice can explain a wait this long.
    const advisedMs = 3_000;
    profile.refuse = () => new RpcError(status.RESOURCE_EXHAUSTED, 'server overloaded', { retryDelayMs: advisedMs });
    const callsBefore = profile.calls;
    const response = await h.client.ingestInteraction({ interaction: interaction({ userId: 'advised-user' }, h.clock) });
    expect(response.signals.length).toBeGreaterThan(0);
    const outbox = h.service.mongo.db.collection(COLLECTIONS.outbox);
    await eventually(async () => (await outbox.countDocuments({ userId: 'advised-user', attempts: { $gte: 1 } })) > 0);
    expect(profile.calls).toBe(callsBefore + 1);
    const entry = await outbox.findOne({ userId: 'advised-user' });
    // Released for a retry no sooner than advised (less the moments since the refusal).
    expect((entry?.availableAt as Date).getTime() - h.clock.ms).toBeGreaterThan(advisedMs - 1_000);

    // Once the advised time has passed, delivery resumes.
    profile.refuse = undefined;
    h.clock.advance(advisedMs);
    await eventually(() => profile.received.some((s) => s.userId === 'advised-user'));
  });
});
