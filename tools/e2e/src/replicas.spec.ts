import { performance } from 'node:perf_hooks';
import { common, consent, profile, ranking, signal } from '@signalpath/proto';
import { createProfileClient, identityOptionsOf } from '@signalpath/service-clients';
import { startE2eStack, type E2eStack } from './stack';

/**
 * Two processes of every service against one database (issue 18 §2), each call aimed at a chosen
 * replica: what one replica did must hold on the other. The story, replay and kill -9 checks with
 * traffic spread over two replicas are in story.spec.ts and faults.spec.ts (their 2-replica runs).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SURFACE = common.Surface.SURFACE_MESSENGER;
/** Documented staleness bounds: settings through another ConsentService replica (docs/consent.md), catalog writes through another RankingService replica (README, RANKING_INDEX_POLL). */
const SETTINGS_BOUND_MS = 2_000;
const CATALOG_BOUND_MS = 2_000;

/** Polls `probe` until it holds; how long that took, or Infinity after `giveUpMs`. */
async function timeUntil(probe: () => Promise<boolean>, giveUpMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < giveUpMs) {
    if (await probe()) return performance.now() - started;
    await sleep(20);
  }
  return Number.POSITIVE_INFINITY;
}

describe('two processes of each service, calls aimed at one replica or the other', () => {
  let stack: E2eStack;
  let a: E2eStack['clients'];
  let b: E2eStack['clients'];
  /** Scheduling slack for the staleness bounds: a measured round trip here, now (a loaded machine answers later), never under 100 ms. */
  let slackMs = 100;

  const adultUs = async (userId: string) =>
    (
      await a.consent.updateSettings({
        userId,
        settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
        updateMask: ['region', 'age_band'],
        expectedVersion: '0',
      })
    ).settings!.version;

  const drained = async () => {
    for (const waitUntil = Date.now() + 60_000; Date.now() < waitUntil; await sleep(200)) {
      const pending = await Promise.all(stack.replicaClients.map((c) => c.signal.getOutboxStatus({})));
      if (pending.every((p) => p.pendingCount === '0')) return true;
    }
    return false;
  };

  const scores = async (client: E2eStack['clients'], userId: string) => {
    const out: Record<string, number> = {};
    for (const purpose of [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT]) {
      const response = await client.profile.getProfile({ userId, surface: SURFACE, purpose, limit: 100 });
      for (const interest of response.interests) out[`${purpose}:${interest.topic?.id}`] = interest.score;
    }
    return out;
  };

  const expectSameScores = (actual: Record<string, number>, expected: Record<string, number>) => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    // Equal up to float rounding and the decay between two reads (ms against a half-life of days).
    for (const [key, value] of Object.entries(expected)) expect(Math.abs(actual[key] - value)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(value)));
  };

  beforeAll(async () => {
    stack = await startE2eStack({ basePort: 32150, replicas: 2 });
    [a, b] = stack.replicaClients;
    const started = performance.now();
    await b.consent.getSettings({ userId: 'replica-warmup' });
    slackMs = Math.max(100, 2 * (performance.now() - started));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('every replica of every service is up and answers on its own address', async () => {
    expect(stack.replicaAddresses.consent).toHaveLength(2);
    for (const clients of stack.replicaClients) {
      await expect(clients.consent.getSettings({ userId: 'replica-probe' })).resolves.toBeDefined();
      await expect(clients.signal.getOutboxStatus({})).resolves.toBeDefined();
      await expect(clients.profile.getProfile({ userId: 'replica-probe', surface: SURFACE, purpose: common.Purpose.PURPOSE_CONTENT, limit: 1 })).resolves.toBeDefined();
      await expect(clients.ranking.recommend({ userId: 'replica-probe', surface: SURFACE, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 1 })).resolves.toBeDefined();
    }
  });

  it('one interaction sent to both SignalService replicas at once is stored and applied once', async () => {
    const [user, control] = ['replica-ingest-user', 'replica-ingest-control'];
    await adultUs(user);
    await adultUs(control);
    const texts = ['I started rock climbing at an indoor gym and love bouldering', 'looking for a good pasta recipe for tonight', 'planning a surfing trip to Portugal next spring'];
    const interaction = (userId: string, i: number) =>
      signal.Interaction.fromPartial({
        interactionId: `${userId}-${i}`,
        userId,
        surface: SURFACE,
        modality: common.Modality.MODALITY_TEXT,
        text: texts[i % texts.length],
        eventTime: new Date(base + i * 1_000),
      });
    const base = Date.now() - 3_600_000;
    const n = 12;
    const statuses: signal.IngestStatus[] = [];
    for (let i = 0; i < n; i++) {
      // The same id through both replicas at the same moment: exactly one is the first.
      const both = await Promise.all([a, b].map((c) => c.signal.ingestInteraction({ interaction: interaction(user, i) })));
      statuses.push(...both.map((r) => r.status));
      expect(both.map((r) => r.status).sort()).toEqual([signal.IngestStatus.INGEST_STATUS_ACCEPTED, signal.IngestStatus.INGEST_STATUS_DUPLICATE].sort());
      // The duplicate answers with the first result: the same signal ids.
      expect(both[0].signals.map((s) => s.signalId)).toEqual(both[1].signals.map((s) => s.signalId));
      await stack.clients.signal.ingestInteraction({ interaction: interaction(control, i) });
    }
    expect(await drained()).toBe(true);
    const expected = await scores(a, control);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    // Both ProfileService replicas read the same profile, equal to the control user's.
    expectSameScores(await scores(a, user), expected);
    expectSameScores(await scores(b, user), expected);
    const listed = async (client: E2eStack['clients'], userId: string) => (await client.signal.listSignals({ userId, pageSize: 500, pageToken: '' })).signals.length;
    expect(await listed(b, user)).toBe(await listed(a, control));
  });

  it('the same ApplySignals batch sent to both ProfileService replicas at once counts once', async () => {
    const [user, control] = ['replica-apply-user', 'replica-apply-control'];
    // ApplySignals is SignalService's call: sent as signal-service, to each replica alone.
    const [applyA, applyB] = stack.replicaAddresses.profile.map((address) =>
      createProfileClient(address, { timeoutMs: 10_000, ...identityOptionsOf({ identity: 'signal-service', keyRing: stack.keyRing }, 'signalpath.profile.v1.ProfileService') }),
    );
    const eventTime = new Date(Date.now() - 600_000);
    const batch = (userId: string): profile.ProfileSignal[] =>
      ['500', '210'].map((topicId, i) => ({
        signalId: `${userId}-signal-${i}`,
        userId,
        surface: SURFACE,
        topicId,
        weight: 0.5 + i / 10,
        sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT,
        modality: common.Modality.MODALITY_TEXT,
        eventTime: new Date(eventTime.getTime() + i),
        adsEligible: true,
        contentEligible: true,
        recordTime: new Date(),
      }));
    await adultUs(user);
    await adultUs(control);
    const recordTime = new Date();
    try {
      await applyA.applySignals({ signals: batch(control).map((s) => ({ ...s, recordTime })) });
      // Three rounds of the same batch through both replicas concurrently.
      for (let round = 0; round < 3; round++) await Promise.all([applyA, applyB].map((c) => c.applySignals({ signals: batch(user).map((s) => ({ ...s, recordTime })) })));
    } finally {
      applyA.close();
      applyB.close();
    }
    const expected = await scores(a, control);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expectSameScores(await scores(a, user), expected);
    expectSameScores(await scores(b, user), expected);
  });

  it(`a settings change made through one ConsentService replica holds on the other within ${SETTINGS_BOUND_MS} ms`, async () => {
    const user = 'replica-settings-user';
    let version = await adultUs(user);
    const allowedOn = async (client: E2eStack['clients']) =>
      (
        await client.consent.checkEligibility(
          consent.CheckEligibilityRequest.fromPartial({ userId: user, surface: SURFACE, purpose: common.Purpose.PURPOSE_ADS, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, eventTime: new Date() }),
        )
      ).allowed;
    const lags: number[] = [];
    for (const choice of [consent.Choice.CHOICE_OPT_IN, consent.Choice.CHOICE_OPT_OUT, consent.Choice.CHOICE_OPT_IN, consent.Choice.CHOICE_OPT_OUT]) {
      // Replica b has the current answer in its cache before the change.
      await allowedOn(b);
      await allowedOn(b);
      const updated = await a.consent.updateSettings({ userId: user, settings: consent.Settings.fromPartial({ aiChatAds: choice }), updateMask: ['ai_chat_ads'], expectedVersion: version });
      version = updated.settings!.version;
      const want = choice === consent.Choice.CHOICE_OPT_IN;
      // Read-your-writes on the replica that made the change.
      expect(await allowedOn(a)).toBe(want);
      lags.push(await timeUntil(async () => (await allowedOn(b)) === want, 10_000));
    }
    console.log(`settings through the other ConsentService replica: seen after ${lags.map((l) => l.toFixed(0)).join(', ')} ms (bound ${SETTINGS_BOUND_MS} ms + slack ${slackMs.toFixed(0)} ms)`);
    for (const lag of lags) expect(lag).toBeLessThanOrEqual(SETTINGS_BOUND_MS + slackMs);
  });

  it(`a catalog change made through one RankingService replica is seen by the other within ${CATALOG_BOUND_MS} ms`, async () => {
    const user = 'replica-catalog-user';
    await adultUs(user);
    const rankedOn = async (client: E2eStack['clients'], itemId: string) =>
      (await client.ranking.rank(ranking.RankRequest.fromPartial({ userId: user, surface: SURFACE, candidateIds: [itemId] }))).ranked.some((r) => r.itemId === itemId);
    const lags: Record<string, number[]> = { upsert: [], delete: [] };
    for (let round = 0; round < 3; round++) {
      const itemId = `replica-item-${round}`;
      const [writer, reader] = round % 2 ? [b, a] : [a, b];
      expect(await rankedOn(reader, itemId)).toBe(false);
      await writer.ranking.upsertItems({ items: [ranking.Item.fromPartial({ itemId, kind: ranking.ItemKind.ITEM_KIND_POST, title: `Replica item ${round}`, topicIds: ['500'], baseScore: 0.3 })] });
      expect(await rankedOn(writer, itemId)).toBe(true);
      lags.upsert.push(await timeUntil(() => rankedOn(reader, itemId), 10_000));
      await reader.ranking.deleteItems({ itemIds: [itemId] });
      expect(await rankedOn(reader, itemId)).toBe(false);
      lags.delete.push(await timeUntil(async () => !(await rankedOn(writer, itemId)), 10_000));
    }
    console.log(`catalog through the other RankingService replica: upserts seen after ${lags.upsert.map((l) => l.toFixed(0)).join(', ')} ms, deletes after ${lags.delete.map((l) => l.toFixed(0)).join(', ')} ms`);
    for (const lag of [...lags.upsert, ...lags.delete]) expect(lag).toBeLessThanOrEqual(CATALOG_BOUND_MS + slackMs);
  });

  it('an erasure requested through one replica leaves nothing readable through either', async () => {
    const user = 'replica-erased-user';
    await adultUs(user);
    for (let i = 0; i < 6; i++) {
      await [a, b][i % 2].signal.ingestInteraction({
        interaction: signal.Interaction.fromPartial({ interactionId: `${user}-${i}`, userId: user, surface: SURFACE, modality: common.Modality.MODALITY_TEXT, text: 'I started rock climbing at an indoor gym and love bouldering', eventTime: new Date() }),
      });
    }
    expect(await drained()).toBe(true);
    expect(Object.keys(await scores(b, user)).length).toBeGreaterThan(0);
    const requested = await b.consent.requestErasure({ userId: user, scope: common.ErasureScope.ERASURE_SCOPE_ALL });
    let state = requested.job!.state;
    for (const waitUntil = Date.now() + 60_000; Date.now() < waitUntil && state !== consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED; await sleep(250)) {
      state = (await a.consent.getErasureJob({ jobId: requested.job!.jobId })).job!.state;
    }
    expect(state).toBe(consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED);
    for (const clients of stack.replicaClients) {
      expect(await scores(clients, user)).toEqual({});
      expect((await clients.signal.listSignals({ userId: user, pageSize: 100, pageToken: '' })).signals).toEqual([]);
    }
  });
});
