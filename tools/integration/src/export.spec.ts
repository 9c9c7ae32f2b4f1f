import { common, consent } from '@signalpath/proto';

import { eventually, startInProcessStack, type InProcessStack } from './stack';

/**
 * ConsentService.ExportUserData gathers everything the services hold under the user's id (issue
 * 12 §5): SignalService's ledger (accepted and skipped records), deliveries and erasures, and
 * ProfileService's applied-signal ledger, operations and erasures, besides signals and profiles.
 */
describe('the export aggregate holds every record kept about the user', () => {
  let stack: InProcessStack;
  beforeAll(async () => {
    stack = await startInProcessStack({ signals: 1, profiles: 1, env: { SIGNAL_ERASURE_FENCE: '300ms', PROFILE_ERASURE_FENCE: '300ms' } });
  });
  afterAll(async () => stack?.stop());

  it('includes ledger entries, deliveries, applied signals and erasure markers', async () => {
    const userId = `aggregate-${Date.now()}`;
    await stack.consent.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    const eventTime = new Date(Date.now() - 60_000);
    const base = { userId, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, eventTime };
    const [signals] = stack.signals;
    await signals.ingestInteraction({ interaction: { ...base, interactionId: `${userId}-climb`, text: 'I have been getting into rock climbing and bouldering at the gym every weekend' } });
    await signals.ingestInteraction({ interaction: { ...base, interactionId: `${userId}-sensitive`, text: 'I was diagnosed with diabetes last month and my insulin doses keep changing' } });
    await signals.ingestInteraction({ interaction: { ...base, interactionId: `${userId}-e2e`, endToEndEncrypted: true, text: '' } });
    await eventually(async () => Number((await signals.getOutboxStatus({})).pendingCount) === 0, 30_000);
    await stack.consent.requestErasure({ userId, scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT }).then(({ job }) =>
      eventually(async () => (await stack.consent.getErasureJob({ jobId: job?.jobId ?? '' })).job?.state === consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED, 30_000),
    );
    // After the AI-chat erasure: a page like (kept) and the erasure records.
    await signals.recordActivity({ activityId: `${userId}-like`, userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483'], eventTime: new Date() });
    await eventually(async () => Number((await signals.getOutboxStatus({})).pendingCount) === 0, 30_000);

    const { documentJson } = await stack.consent.exportUserData({ userId });
    const document = JSON.parse(documentJson);
    expect(document.services.signal.document.records).toEqual([expect.objectContaining({ kind: 'RECORD_KIND_ACTIVITY', status: 'INGEST_STATUS_ACCEPTED', signalCount: 1 })]);
    expect(document.services.signal.document.deliveries).toEqual([expect.objectContaining({ sourceKind: 'SOURCE_KIND_PAGE_LIKE', signalCount: 1 })]);
    expect(document.services.signal.document.erasures).toEqual([expect.objectContaining({ scope: 'ERASURE_SCOPE_AI_CHAT', cutoffTime: expect.any(String) })]);
    expect(document.services.profile.document.appliedSignals).toEqual([expect.objectContaining({ sourceKind: 'SOURCE_KIND_PAGE_LIKE', applied: true })]);
    expect(document.services.profile.document.appliedOperations.length).toBeGreaterThan(0);
    expect(document.services.profile.document.erasures).toEqual([expect.objectContaining({ scope: 'ERASURE_SCOPE_AI_CHAT' })]);
    expect(document.erasureJobs).toHaveLength(1);
    // The erasure's cut-off is the job's create time, in both services.
    expect(document.services.signal.document.erasures[0].cutoffTime).toBe(document.erasureJobs[0].createTime);
    expect(document.services.profile.document.erasures[0].cutoffTime).toBe(document.erasureJobs[0].createTime);
  });

  it("includes the user's corrections history from ProfileService", async () => {
    const userId = `aggregate-corrections-${Date.now()}`;
    const [profiles] = stack.profiles;
    await profiles.removeInterest({ userId, topicId: '500', purpose: common.Purpose.PURPOSE_ADS });
    const document = JSON.parse((await stack.consent.exportUserData({ userId })).documentJson);
    expect(document.services.profile.document.corrections).toEqual([
      expect.objectContaining({ kind: 'CORRECTION_KIND_REMOVE_INTEREST', purposes: ['PURPOSE_ADS'], topic: expect.objectContaining({ id: '500', name: 'Climbing' }), createTime: expect.any(String) }),
    ]);
  });

  it('lists skipped records too, before any erasure', async () => {
    const userId = `aggregate-skips-${Date.now()}`;
    await stack.consent.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    await stack.signals[0].ingestInteraction({
      interaction: { interactionId: `${userId}-s`, userId, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, text: 'I was diagnosed with diabetes last month and my insulin doses keep changing', eventTime: new Date(Date.now() - 1000) },
    });
    const document = JSON.parse((await stack.consent.exportUserData({ userId })).documentJson);
    expect(document.services.signal.document.records).toEqual([expect.objectContaining({ kind: 'RECORD_KIND_INTERACTION', status: 'INGEST_STATUS_SKIPPED', skipReason: 'SKIP_REASON_NO_TOPICS' })]);
  });
});
