import { common, consent, profile, signal } from '@signalpath/proto';

import { eventually, startInProcessStack, type InProcessStack } from './stack';

/**
 * Issue 16 §1 / privacy invariant 9: each AI-chat choice governs only AI-chat-derived data for its
 * own purpose. The matrix (ads choice × content choice × source kind) runs through the real
 * ConsentService, SignalService and ProfileService on the real database: for every cell, the
 * ingestion's per-purpose eligibility and the profile read of each purpose.
 */
const { CHOICE_UNSPECIFIED, CHOICE_OPT_IN, CHOICE_OPT_OUT } = consent.Choice;
const { PURPOSE_ADS, PURPOSE_CONTENT } = common.Purpose;
const MESSENGER = common.Surface.SURFACE_MESSENGER;
const CLIMBING = '500';
const TENNIS = '539';
const CLIMBING_TEXT = 'I have been getting into rock climbing and bouldering at the gym every weekend';
const CHOICES = [CHOICE_UNSPECIFIED, CHOICE_OPT_IN, CHOICE_OPT_OUT] as const;
const name = (choice: consent.Choice) => consent.choiceToJSON(choice).replace('CHOICE_', '');
/** In the US (not excluded) an unspecified choice is on. */
const on = (choice: consent.Choice) => choice !== CHOICE_OPT_OUT;

describe('AI-chat choices govern AI-chat data for their own purpose only', () => {
  let stack: InProcessStack;
  const run = Date.now();
  beforeAll(async () => {
    stack = await startInProcessStack({ signals: 1, profiles: 1 });
  });
  afterAll(async () => stack?.stop());

  async function adultUs(userId: string, ads: consent.Choice, content: consent.Choice): Promise<void> {
    await stack.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT, aiChatAds: ads, aiChatContent: content }),
      updateMask: ['region', 'age_band', 'ai_chat_ads', 'ai_chat_content'],
      expectedVersion: '0',
    });
  }

  const topicsOf = (response: profile.GetProfileResponse) => response.interests.map((i) => i.topic?.id).sort();
  const read = (userId: string, purpose: common.Purpose) => stack.profiles[0].getProfile({ userId, surface: MESSENGER, purpose, limit: 0 });

  const cells = CHOICES.flatMap((ads) => CHOICES.map((content) => ({ ads, content })));
  it.each(cells)('ads $ads × content $content (AI chat and follow)', async ({ ads, content }) => {
    const userId = `matrix-${name(ads)}-${name(content)}-${run}`;
    await adultUs(userId, ads, content);
    const [signals] = stack.signals;
    const eventTime = new Date(Date.now() - 60_000);
    const chat = await signals.ingestInteraction({
      interaction: { interactionId: `${userId}-chat`, userId, surface: MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, text: CLIMBING_TEXT, eventTime },
    });
    const follow = await signals.recordActivity({ activityId: `${userId}-follow`, userId, surface: MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_FOLLOW, topicIds: [TENNIS], eventTime });

    // Source kind AI_CHAT: each purpose follows its own choice.
    const chatClimbing = chat.signals.find((s) => s.topic?.id === CLIMBING);
    if (on(ads) || on(content)) {
      expect(chat.status).toBe(signal.IngestStatus.INGEST_STATUS_ACCEPTED);
      expect(chatClimbing).toMatchObject({ adsEligible: on(ads), contentEligible: on(content) });
    } else {
      expect(chat).toMatchObject({ status: signal.IngestStatus.INGEST_STATUS_SKIPPED, skipReason: signal.SkipReason.SKIP_REASON_OPTED_OUT });
    }
    // Source kind FOLLOW: no AI-chat choice touches it.
    expect(follow.status).toBe(signal.IngestStatus.INGEST_STATUS_ACCEPTED);
    expect(follow.signals).toEqual([expect.objectContaining({ topic: expect.objectContaining({ id: TENNIS }), adsEligible: true, contentEligible: true })]);

    await eventually(async () => Number((await signals.getOutboxStatus({})).pendingCount) === 0, 30_000);
    for (const [purpose, choice] of [
      [PURPOSE_ADS, ads],
      [PURPOSE_CONTENT, content],
    ] as const) {
      const response = await read(userId, purpose);
      expect(response.personalized).toBe(true);
      const topics = topicsOf(response);
      expect(topics.includes(TENNIS)).toBe(true);
      expect(topics.includes(CLIMBING)).toBe(on(choice));
      expect(response.aiChatNotUsedReason).toBe(on(choice) ? profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_UNSPECIFIED : profile.NotPersonalizedReason.NOT_PERSONALIZED_REASON_OPTED_OUT);
    }
  });

  it.each([
    { withdraw: 'ai_chat_ads' as const, kept: PURPOSE_CONTENT, erased: PURPOSE_ADS },
    { withdraw: 'ai_chat_content' as const, kept: PURPOSE_ADS, erased: PURPOSE_CONTENT },
  ])('withdrawing $withdraw erases exactly that use of AI-chat data', async ({ withdraw, kept, erased }) => {
    const userId = `withdraw-${withdraw}-${run}`;
    await adultUs(userId, CHOICE_UNSPECIFIED, CHOICE_UNSPECIFIED);
    const [signals] = stack.signals;
    const eventTime = new Date(Date.now() - 60_000);
    const chat = await signals.ingestInteraction({
      interaction: { interactionId: `${userId}-chat`, userId, surface: MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, text: CLIMBING_TEXT, eventTime },
    });
    const chatTopics = chat.signals.map((s) => s.topic?.id ?? '');
    expect(chatTopics).toContain(CLIMBING);
    const everything = [...chatTopics, TENNIS].sort();
    await signals.recordActivity({ activityId: `${userId}-follow`, userId, surface: MESSENGER, sourceKind: common.SourceKind.SOURCE_KIND_FOLLOW, topicIds: [TENNIS], eventTime });
    await eventually(async () => Number((await signals.getOutboxStatus({})).pendingCount) === 0, 30_000);
    expect(topicsOf(await read(userId, PURPOSE_ADS))).toEqual(everything);
    expect(topicsOf(await read(userId, PURPOSE_CONTENT))).toEqual(everything);

    const { settings } = await stack.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial(withdraw === 'ai_chat_ads' ? { aiChatAds: CHOICE_OPT_OUT } : { aiChatContent: CHOICE_OPT_OUT }),
      updateMask: [withdraw],
      expectedVersion: '1',
    });
    expect(settings?.version).toBe('2');
    const jobs = await eventually(async () => {
      const document = JSON.parse((await stack.consent.exportUserData({ userId })).documentJson);
      const done = document.erasureJobs?.length === 1 && document.erasureJobs[0].state === 'ERASURE_JOB_STATE_SUCCEEDED';
      return done ? document.erasureJobs : undefined;
    }, 60_000);
    expect(jobs[0].scope).toBe(withdraw === 'ai_chat_ads' ? 'ERASURE_SCOPE_AI_CHAT_ADS' : 'ERASURE_SCOPE_AI_CHAT_CONTENT');

    // The other purpose keeps its AI-chat data; the withdrawn one keeps every non-chat signal.
    expect(topicsOf(await read(userId, kept))).toEqual(everything);
    expect(topicsOf(await read(userId, erased))).toEqual([TENNIS]);
    // Stored signals: the AI-chat signal remains, eligible only for the kept purpose.
    const listed = await signals.listSignals({ userId, pageSize: 0, pageToken: '' });
    const climbing = listed.signals.find((s) => s.topic?.id === CLIMBING);
    expect(climbing).toMatchObject({ adsEligible: kept === PURPOSE_ADS, contentEligible: kept === PURPOSE_CONTENT });
    // Opting back in later does not bring the erased use back.
    await stack.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial(withdraw === 'ai_chat_ads' ? { aiChatAds: CHOICE_OPT_IN } : { aiChatContent: CHOICE_OPT_IN }),
      updateMask: [withdraw],
      expectedVersion: '2',
    });
    expect(topicsOf(await read(userId, erased))).toEqual([TENNIS]);
  });
});
