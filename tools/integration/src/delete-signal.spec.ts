import { common, consent, profile } from '@signalpath/proto';

import { eventually, startInProcessStack, type InProcessStack } from './stack';

/**
 * Issue 16 §3, "delete one signal": through the real SignalService and ProfileService (two of
 * each on one database per service), a deleted signal leaves SignalService's store and the
 * profile for every purpose it reached, on the next read through either replica, is recorded once
 * in the corrections history, and a delivery of it still in flight never adds it back.
 */
const { PURPOSE_ADS, PURPOSE_CONTENT } = common.Purpose;
const MESSENGER = common.Surface.SURFACE_MESSENGER;
const CLIMBING = '500';
const CLIMBING_TEXT = 'I have been getting into rock climbing and bouldering at the gym every weekend';
const TENNIS = '539';
const COOKING = '216';
const TRAVEL = '653';

describe('DeleteSignal across SignalService and ProfileService replicas', () => {
  let stack: InProcessStack;
  const run = Date.now();
  beforeAll(async () => {
    stack = await startInProcessStack({ signals: 2, profiles: 2 });
  });
  afterAll(async () => stack?.stop());

  async function adultUs(userId: string): Promise<void> {
    await stack.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT, aiChatAds: consent.Choice.CHOICE_OPT_IN, aiChatContent: consent.Choice.CHOICE_OPT_IN }),
      updateMask: ['region', 'age_band', 'ai_chat_ads', 'ai_chat_content'],
      expectedVersion: '0',
    });
  }
  const read = (userId: string, purpose: common.Purpose, replica = 0) => stack.profiles[replica].getProfile({ userId, surface: MESSENGER, purpose, limit: 0 });
  const topicsOf = (response: profile.GetProfileResponse) => response.interests.map((i) => i.topic?.id ?? '').sort();
  const listed = async (userId: string) => (await stack.signals[0].listSignals({ userId, pageSize: 0, pageToken: '' })).signals;
  /** Both SignalService instances have delivered everything (nothing queued, held or in a writer's memory). */
  const drained = () =>
    eventually(async () => {
      for (const client of stack.signals) if ((await client.getOutboxStatus({})).pendingCount !== '0') return false;
      return true;
    }, 60_000);

  it('removes the signal from the store and from both purposes of the profile, once, on the next read through any replica', async () => {
    const userId = `del-basic-${run}`;
    await adultUs(userId);
    const eventTime = new Date(Date.now() - 60_000);
    const chat = await stack.signals[0].ingestInteraction({
      interaction: { interactionId: `${userId}-chat`, userId, surface: MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, text: CLIMBING_TEXT, eventTime },
    });
    await stack.signals[0].recordActivity({ activityId: `${userId}-follow`, userId, surface: MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_FOLLOW, topicIds: [TENNIS], eventTime });
    const climbing = chat.signals.find((s) => s.topic?.id === CLIMBING);
    expect(climbing).toMatchObject({ adsEligible: true, contentEligible: true });
    await drained();
    for (const purpose of [PURPOSE_ADS, PURPOSE_CONTENT]) expect(topicsOf(await read(userId, purpose))).toContain(CLIMBING);

    // Through the other SignalService instance; read through both ProfileService replicas.
    const deleted = await stack.signals[1].deleteSignal({ userId, signalId: climbing?.signalId ?? '' });
    expect(deleted).toMatchObject({ deleted: true, signal: { signalId: climbing?.signalId, topic: { id: CLIMBING } } });
    for (const replica of [0, 1]) {
      for (const purpose of [PURPOSE_ADS, PURPOSE_CONTENT]) {
        const topics = topicsOf(await read(userId, purpose, replica));
        expect(topics).not.toContain(CLIMBING);
        expect(topics).toContain(TENNIS);
      }
    }
    expect((await listed(userId)).map((s) => s.signalId)).not.toContain(climbing?.signalId);
    const history = (await stack.profiles[1].listCorrections({ userId })).corrections;
    expect(history).toEqual([
      expect.objectContaining({ kind: profile.CorrectionKind.CORRECTION_KIND_DELETE_SIGNAL, signalId: climbing?.signalId, topic: expect.objectContaining({ id: CLIMBING }), purposes: [PURPOSE_ADS, PURPOSE_CONTENT] }),
    ]);

    // Idempotent: a retry answers the same, subtracts nothing more, records nothing more.
    const scores = async (): Promise<Record<string, number>> => Object.fromEntries((await read(userId, PURPOSE_CONTENT)).interests.map((i) => [i.topic?.id ?? '', i.score]));
    const scoresBefore = await scores();
    expect(await stack.signals[0].deleteSignal({ userId, signalId: climbing?.signalId ?? '' })).toEqual(deleted);
    // Equal up to the decay of the seconds in between (half-life 30 days).
    const scoresAfter = await scores();
    expect(Object.keys(scoresAfter).sort()).toEqual(Object.keys(scoresBefore).sort());
    for (const [topic, score] of Object.entries(scoresBefore)) expect(scoresAfter[topic]).toBeCloseTo(score, 5);
    expect((await stack.profiles[0].listCorrections({ userId })).corrections).toHaveLength(1);
    // Another user cannot delete it, nor learn it exists.
    await expect(stack.signals[0].deleteSignal({ userId: `someone-else-${run}`, signalId: climbing?.signalId ?? '' })).rejects.toMatchObject({ code: 5 });
  });

  it('a delivery of the signal still in the outbox or in flight never adds it back (raced, every round)', async () => {
    const rounds = 8;
    let pendingAtDelete = 0;
    for (let round = 0; round < rounds; round++) {
      const userId = `del-race-${round}-${run}`;
      await adultUs(userId);
      const ingest = stack.signals[round % 2];
      const activity = await ingest.recordActivity({
        activityId: `${userId}-like`,
        userId,
        surface: MESSENGER,
        sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE,
        topicIds: [COOKING, TRAVEL],
        eventTime: new Date(Date.now() - 60_000),
      });
      const cooking = activity.signals.find((s) => s.topic?.id === COOKING);
      // At once, through the other instance: the entry is in a writer's memory, queued, or being delivered.
      if ((await ingest.getOutboxStatus({})).pendingCount !== '0') pendingAtDelete++;
      await stack.signals[(round + 1) % 2].deleteSignal({ userId, signalId: cooking?.signalId ?? '' });
      await drained();
      for (const purpose of [PURPOSE_ADS, PURPOSE_CONTENT]) expect(topicsOf(await read(userId, purpose, round % 2))).toEqual([TRAVEL]);
      expect((await listed(userId)).map((s) => s.topic?.id)).toEqual([TRAVEL]);
    }
    // The race was run: in at least one round the delivery had not happened when the deletion began.
    expect(pendingAtDelete).toBeGreaterThan(0);
  });

  it('refuses bad input naming the field, and an unknown signal with NOT_FOUND', async () => {
    await expect(stack.signals[0].deleteSignal({ userId: '', signalId: 'x' })).rejects.toMatchObject({ code: 3, details: expect.stringContaining('user_id') });
    await expect(stack.signals[0].deleteSignal({ userId: `u-${run}`, signalId: '' })).rejects.toMatchObject({ code: 3, details: expect.stringContaining('signal_id') });
    await expect(stack.signals[0].deleteSignal({ userId: `u-${run}`, signalId: 'no-such-signal' })).rejects.toMatchObject({ code: 5 });
  });
});

