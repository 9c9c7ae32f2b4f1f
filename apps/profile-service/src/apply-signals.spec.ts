import { status } from '@grpc/grpc-js';
import { createClient } from '@signalpath/grpc-kit';
import { common, profile } from '@signalpath/proto';
import { callRaw, withRawMessage, withRawTimestamp } from '@signalpath/testing';

import { APPLIED_OPS, PROFILES, SIGNAL_CLAIMS } from './store/collections';
import type { AppliedOpDocument, SignalClaimDocument } from './store/ledger-store';
import { profileId, type ProfileDocument } from './store/profile-store';
import { scoresOf, signal, startHarness, T0, TOPIC, type Harness } from './testing/harness';

const INSTAGRAM = common.Surface.SURFACE_INSTAGRAM;
const ADS = common.Purpose.PURPOSE_ADS;

describe('ApplySignals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const exportScores = async (userId: string) => {
    const exported = await h.userData.exportUserData({ userId });
    return Object.fromEntries(exported.profiles.map((p) => [p.surface, scoresOf(p.interests)]));
  };
  const claims = () => h.service.mongo.db.collection<SignalClaimDocument>(SIGNAL_CLAIMS);
  const ops = () => h.service.mongo.db.collection<AppliedOpDocument>(APPLIED_OPS);
  const profiles = () => h.service.mongo.db.collection<ProfileDocument>(PROFILES);
  const opOf = async (signalId: string) => (await claims().findOne({ _id: signalId }))?.op as string;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);
  /** Rewinds an applied signal to what a crash right after the profile write leaves behind. */
  const rewindToCrashAfterWrite = async (userId: string, signalId: string) => {
    const op = await opOf(signalId);
    await ops().deleteOne({ _id: op });
    await claims().updateOne({ _id: signalId }, { $set: { claim_time: longAgo() } });
    await profiles().updateOne({ _id: profileId(userId, INSTAGRAM) }, { $set: { in_flight: [{ op, since: longAgo() }] } });
    return op;
  };

  it('applies a batch and reports applied and duplicate counts', async () => {
    // Weights are in (0, 1]; eighths keep every sum exact.
    const batch = [signal({ userId: 'counts', weight: 0.25 }), signal({ userId: 'counts', topicId: TOPIC.TRAVEL, weight: 0.375 })];
    expect(await h.client.applySignals({ signals: batch })).toEqual({ appliedCount: 2, duplicateCount: 0 });
    expect(await h.client.applySignals({ signals: batch })).toEqual({ appliedCount: 0, duplicateCount: 2 });
    expect(await exportScores('counts')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 0.25, [TOPIC.TRAVEL]: 0.375 } });
  });

  it('applies the same batch sent three times concurrently exactly once', async () => {
    const batch = Array.from({ length: 60 }, (_, i) => signal({ userId: 'concurrent', topicId: i % 2 ? TOPIC.TRAVEL : TOPIC.CLIMBING, weight: 1 }));
    const responses = await Promise.all([1, 2, 3].map(() => h.client.applySignals({ signals: batch })));
    expect(responses.reduce((sum, r) => sum + r.appliedCount, 0)).toBe(60);
    expect(responses.reduce((sum, r) => sum + r.duplicateCount, 0)).toBe(120);
    expect(await exportScores('concurrent')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 30, [TOPIC.TRAVEL]: 30 } });
    const document = await profiles().findOne({ _id: profileId('concurrent', INSTAGRAM) });
    for (const marker of document?.in_flight ?? []) expect(await ops().findOne({ _id: marker.op })).not.toBeNull();
    for (const s of batch) expect(await ops().findOne({ _id: await opOf(s.signalId) })).not.toBeNull();
  });

  it('counts interleaved duplicates (within and across concurrent batches) once', async () => {
    const [a, b, c, d] = [0.125, 0.25, 0.375, 0.5].map((weight) => signal({ userId: 'interleaved', weight }));
    const responses = await Promise.all([
      h.client.applySignals({ signals: [a, b, a, c] }),
      h.client.applySignals({ signals: [c, d, b, d] }),
      h.client.applySignals({ signals: [d, a] }),
    ]);
    expect(responses.reduce((sum, r) => sum + r.appliedCount, 0)).toBe(4);
    expect(responses.reduce((sum, r) => sum + r.appliedCount + r.duplicateCount, 0)).toBe(10);
    await h.client.applySignals({ signals: [a, b, c, d] });
    expect(await exportScores('interleaved')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 1.25 } });
  });

  it('after a crash between the profile write and the applied record, a redelivery does not apply again', async () => {
    const crashed = signal({ userId: 'crash-after-write', weight: 0.625 });
    await h.client.applySignals({ signals: [crashed] });
    const op = await rewindToCrashAfterWrite('crash-after-write', crashed.signalId);

    expect(await h.client.applySignals({ signals: [crashed] })).toEqual({ appliedCount: 0, duplicateCount: 1 });
    expect(await exportScores('crash-after-write')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 0.625 } });
    expect(await ops().findOne({ _id: op })).not.toBeNull();
  });

  it('after a crash right after claiming, a redelivery applies the signal once the lease expired', async () => {
    const crashed = signal({ userId: 'crash-after-claim', weight: 0.25 });
    await claims().insertOne({
      _id: crashed.signalId,
      op: 'dead-call/0',
      user_id: 'crash-after-claim',
      surface: INSTAGRAM,
      source_kind: common.SourceKind.SOURCE_KIND_AI_CHAT,
      claim_time: longAgo(),
      create_time: T0,
    });
    expect(await h.client.applySignals({ signals: [crashed] })).toEqual({ appliedCount: 1, duplicateCount: 0 });
    expect(await h.client.applySignals({ signals: [crashed] })).toEqual({ appliedCount: 0, duplicateCount: 1 });
    expect(await exportScores('crash-after-claim')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 0.25 } });
    expect(await opOf(crashed.signalId)).not.toBe('dead-call/0');
  });

  it('settles a crashed write’s leftover marker on the next write to the document', async () => {
    const crashed = signal({ userId: 'leftover', weight: 1 });
    await h.client.applySignals({ signals: [crashed] });
    const op = await rewindToCrashAfterWrite('leftover', crashed.signalId);

    const next = signal({ userId: 'leftover', topicId: TOPIC.TRAVEL });
    await h.client.applySignals({ signals: [next] });
    expect(await ops().findOne({ _id: op })).not.toBeNull();
    expect((await profiles().findOne({ _id: profileId('leftover', INSTAGRAM) }))?.in_flight.map((m) => m.op)).toEqual([await opOf(next.signalId)]);
    expect(await h.client.applySignals({ signals: [crashed] })).toEqual({ appliedCount: 0, duplicateCount: 1 });
    expect(await exportScores('leftover')).toEqual({ [INSTAGRAM]: { [TOPIC.CLIMBING]: 1, [TOPIC.TRAVEL]: 1 } });
  });

  it('waits for a live owner and answers UNAVAILABLE when it does not finish in time', async () => {
    const owned = signal({ userId: 'owned-elsewhere' });
    await claims().insertOne({ _id: owned.signalId, op: 'live-call/0', user_id: 'owned-elsewhere', surface: INSTAGRAM, source_kind: 1, claim_time: new Date(), create_time: T0 });
    // A client without channel retries, to see the first answer.
    const noRetry = createClient(profile.ProfileServiceService, h.service.address, { serviceName: 'signalpath.profile.v1.ProfileService', timeoutMs: 400 });
    await expect(noRetry.applySignals({ signals: [owned] })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    noRetry.close();
    // The owner finishes: the retry is a duplicate.
    await ops().insertOne({ _id: 'live-call/0', user_id: 'owned-elsewhere', create_time: T0 });
    expect(await h.client.applySignals({ signals: [owned] })).toEqual({ appliedCount: 0, duplicateCount: 1 });
  });

  it('clamps an event time within the clock skew ahead to now', async () => {
    await h.client.applySignals({ signals: [signal({ userId: 'future', eventTime: new Date(T0.getTime() + 4 * 60_000), weight: 1 })] });
    const profile = await h.client.getProfile({ userId: 'future', surface: INSTAGRAM, purpose: ADS, limit: 0 });
    expect(scoresOf(profile.interests)).toEqual({ [TOPIC.CLIMBING]: 1 });
    expect(profile.interests[0].sources[0].lastTime).toEqual(T0);
  });

  describe('rejects bad input with INVALID_ARGUMENT naming the field, applying nothing', () => {
    const cases: Array<[string, Parameters<typeof signal>[0], string]> = [
      ['empty signal_id', { signalId: '' }, 'signals[1].signal_id'],
      ['empty user_id', { userId: '' }, 'signals[1].user_id'],
      ['unspecified surface', { surface: common.Surface.SURFACE_UNSPECIFIED }, 'signals[1].surface'],
      ['unknown surface', { surface: 42 as common.Surface }, 'signals[1].surface'],
      ['empty topic_id', { topicId: '' }, 'signals[1].topic_id'],
      ['topic not in the taxonomy', { topicId: 'not-a-topic' }, 'signals[1].topic_id'],
      ['zero weight', { weight: 0 }, 'signals[1].weight'],
      ['negative weight', { weight: -1 }, 'signals[1].weight'],
      ['NaN weight', { weight: Number.NaN }, 'signals[1].weight'],
      ['infinite weight', { weight: Number.POSITIVE_INFINITY }, 'signals[1].weight'],
      ['unspecified source_kind', { sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED }, 'signals[1].source_kind'],
      ['no event_time', { eventTime: undefined }, 'signals[1].event_time'],
      // Trusted caller, still held to the documented ranges:
      ['weight 1e308', { weight: 1e308 }, 'signals[1].weight: must be in (0, 1]'],
      ['weight just above 1', { weight: 1.000001 }, 'signals[1].weight: must be in (0, 1]'],
      ['weight -0', { weight: -0 }, 'signals[1].weight: must be in (0, 1]'],
      ['event_time in year 1', { eventTime: new Date('0001-01-01T00:00:00Z') }, 'signals[1].event_time: must not be before 2020-01-01T00:00:00.000Z'],
      ['event_time before any policy can begin', { eventTime: new Date('2019-12-31T23:59:59.999Z') }, 'signals[1].event_time: must not be before 2020-01-01T00:00:00.000Z'],
      ['event_time in year 9999', { eventTime: new Date('9999-12-31T23:59:59.999Z') }, 'signals[1].event_time: must not be more than 5 minutes in the future'],
      ['event_time six minutes ahead', { eventTime: new Date(T0.getTime() + 6 * 60_000) }, 'signals[1].event_time: must not be more than 5 minutes in the future'],
      ['event_time in year 10000 (past the Timestamp range)', { eventTime: new Date('+010000-01-01T00:00:00Z') }, 'signals[1].event_time: must be a valid timestamp'],
      ['a bidi control in signal_id', { signalId: 'sig\u202eevil' }, 'signals[1].signal_id: must not contain U+202E'],
      ['a C1 control in user_id', { userId: 'user\u0085' }, 'signals[1].user_id: must not contain U+0085'],
      ['a zero-width space in user_id', { userId: 'us\u200ber' }, 'signals[1].user_id: must not contain U+200B'],
      ['a trailing space in user_id', { userId: 'user ' }, 'signals[1].user_id: must not begin or end with a space'],
    ];
    it.each(cases)('%s', async (_name, overrides, field) => {
      const good = signal({ userId: 'invalid' });
      const error = await h.client.applySignals({ signals: [good, signal({ userId: 'invalid', ...overrides })] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect((error as Error).message).toContain(field);
      expect(await claims().findOne({ _id: good.signalId })).toBeNull();
    });

    it.each([
      ['int64 max seconds', { seconds: '9223372036854775807', nanos: 0 }],
      ['int64 min seconds', { seconds: '-9223372036854775808', nanos: 0 }],
      ['negative nanos', { seconds: String(T0.getTime() / 1000), nanos: -1 }],
      ['nanos of a whole second', { seconds: String(T0.getTime() / 1000), nanos: 1_000_000_000 }],
    ])('an event_time with %s (raw Timestamp on the wire)', async (_name, timestamp) => {
      const good = signal({ userId: 'invalid-raw' });
      const bad = withRawTimestamp(profile.ProfileSignal.encode(signal({ userId: 'invalid-raw', eventTime: undefined })).finish(), 8, timestamp);
      const request = withRawMessage(withRawMessage(new Uint8Array(), 1, profile.ProfileSignal.encode(good).finish()), 1, bad);
      const error = (await callRaw(h.service.address, profile.ProfileServiceService.applySignals, request).catch((e: unknown) => e)) as { code: number; details: string };
      expect(`${status[error.code]}: ${error.details}`).toMatch(/^INVALID_ARGUMENT: signals\[1\]\.event_time: must be a valid timestamp/);
      expect(await claims().findOne({ _id: good.signalId })).toBeNull();
    });

    it('accepts the range ends: weight 1, the smallest positive weight, event_time at the floor and 5 minutes ahead', async () => {
      const edges = [
        signal({ userId: 'edges', weight: 1 }),
        signal({ userId: 'edges', weight: Number.MIN_VALUE, topicId: TOPIC.TRAVEL }),
        signal({ userId: 'edges', eventTime: new Date('2020-01-01T00:00:00Z'), topicId: TOPIC.SOCCER }),
        signal({ userId: 'edges', eventTime: new Date(T0.getTime() + 5 * 60_000), topicId: TOPIC.COOKING }),
      ];
      expect(await h.client.applySignals({ signals: edges })).toEqual({ appliedCount: 4, duplicateCount: 0 });
    });

    it('an empty batch', async () => {
      await expect(h.client.applySignals({ signals: [] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('signals') });
    });

    it('more than 1000 signals', async () => {
      const signals = Array.from({ length: 1001 }, () => signal({ userId: 'invalid' }));
      await expect(h.client.applySignals({ signals })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('signals') });
    });
  });
});
