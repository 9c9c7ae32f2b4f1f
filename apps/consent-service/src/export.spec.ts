import { status } from '@grpc/grpc-js';
import { common, consent } from '@signalpath/proto';
import { asActor, startConsent, startFakeTargets, statusOf, waitFor, type ConsentUnderTest } from './testing/harness';

type Fakes = Awaited<ReturnType<typeof startFakeTargets>>;

describe('ConsentService ExportUserData (real database, fake Signal and Profile services)', () => {
  let fakes: Fakes;
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];

  beforeAll(async () => {
    fakes = await startFakeTargets();
    consentUnderTest = await startConsent({ SIGNAL_ADDR: fakes.address, PROFILE_ADDR: fakes.address });
    client = consentUnderTest.client;
  });
  afterAll(async () => {
    await consentUnderTest.stop();
    await fakes.stop();
  });

  it('gathers settings, history, erasure jobs, signals and profile into one JSON document', async () => {
    const userId = 'exported';
    await client.updateSettings(
      { userId, expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'] },
      asActor('settings-ui'),
    );
    await client.linkAccount({ userId, surface: common.Surface.SURFACE_MESSENGER, accountId: 'm-exported' });
    const { job } = await client.requestErasure({ userId, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT });
    await waitFor(async () => (await client.getErasureJob({ jobId: job!.jobId })).job?.state === consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED);

    const before = Date.now();
    const response = await client.exportUserData({ userId });
    expect(response.exportTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const document = JSON.parse(response.documentJson);
    expect(document).toMatchObject({
      userId,
      exportTime: response.exportTime!.toISOString(),
      settings: {
        userId,
        region: 'US',
        ageBand: 'AGE_BAND_ADULT',
        version: '2',
        linkedAccounts: [{ surface: 'SURFACE_MESSENGER', accountId: 'm-exported' }],
        effective: { aiChatAdsEnabled: true, aiChatContentEnabled: true, crossAppSharingEnabled: true },
      },
      settingsHistory: [
        { version: '2', actor: 'anonymous', fieldChanges: [{ fieldPath: 'linked_accounts' }] },
        { version: '1', actor: 'settings-ui', fieldChanges: [{ fieldPath: 'region' }, { fieldPath: 'age_band' }] },
      ],
      erasureJobs: [{ jobId: job!.jobId, scope: 'ERASURE_SCOPE_AI_CHAT', state: 'ERASURE_JOB_STATE_SUCCEEDED' }],
      signals: {
        signals: [{ topic: { id: '500', name: 'Climbing' }, signalId: 'sig-1', surface: 'SURFACE_MESSENGER', sourceKind: 'SOURCE_KIND_AI_CHAT', adsEligible: true }],
        endToEndEncryptedSkippedCount: '2',
      },
      profile: { profiles: [{ surface: 'SURFACE_MESSENGER', interests: [{ topic: { id: '500' }, score: 0.7 }] }] },
    });
    // Both services were asked, as ConsentService.
    expect(fakes.signal.exportCalls).toContain(userId);
    expect(fakes.profile.exportCalls).toContain(userId);
    // Never any conversation text: no field of that name anywhere in the document.
    expect(response.documentJson).not.toMatch(/"text"\s*:/);
  });

  it('exports the defaults for a user nobody has heard of', async () => {
    const document = JSON.parse((await client.exportUserData({ userId: 'stranger' })).documentJson);
    expect(document).toMatchObject({ userId: 'stranger', settings: { userId: 'stranger', ageBand: 'AGE_BAND_UNKNOWN' }, settingsHistory: [], erasureJobs: [] });
    // proto3 JSON leaves out default values: version 0 and the empty lists are simply absent.
    expect(document.settings.version).toBeUndefined();
  });

  it('never returns a partial export: UNAVAILABLE when a service is unreachable', async () => {
    fakes.profile.down = true;
    try {
      expect(await statusOf(client.exportUserData({ userId: 'exported' }))).toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      fakes.profile.down = false;
    }
  });

  it('INVALID_ARGUMENT for an empty user id', async () => {
    expect(await statusOf(client.exportUserData({ userId: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^user_id:/) });
  });
});
