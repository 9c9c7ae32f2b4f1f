import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient, type PromiseClient } from '@signalpath/grpc-kit';
import { common, consent } from '@signalpath/proto';
import { FakeConsentService } from './fake-consent';

const { PURPOSE_ADS: ADS, PURPOSE_CONTENT: CONTENT } = common.Purpose;
const { SURFACE_INSTAGRAM: INSTAGRAM, SURFACE_MESSENGER: MESSENGER } = common.Surface;
const E = consent.EligibilityReason;

type ConsentClient = PromiseClient<typeof consent.ConsentServiceService>;

// No idempotent methods: a failed call is not retried, so `calls` counts exactly what was sent.
const connect = (address: string): ConsentClient => createClient(consent.ConsentServiceService, address, { serviceName: 'signalpath.consent.v1.ConsentService', timeoutMs: 5_000 });

const query = (userId: string, purpose: common.Purpose, surface = INSTAGRAM): consent.EligibilityQuery => ({ userId, surface, purpose, eventTime: undefined, sourceKind: common.SourceKind.SOURCE_KIND_UNSPECIFIED, endToEndEncrypted: false });

/** Polls `check` (running `poke` first each round) until it holds, for up to 5 s. */
async function until(check: () => boolean, poke?: () => void): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    poke?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (check()) return;
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
  }
}

describe('FakeConsentService', () => {
  let fake: FakeConsentService;
  let client: ConsentClient;
  beforeEach(async () => {
    fake = new FakeConsentService();
    client = connect(await fake.start());
  });
  afterEach(async () => {
    client.close();
    await fake.stop();
  });

  it('answers an unknown user with adult, US, all-allowed settings at version 1', async () => {
    expect(fake.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const { settings } = await client.getSettings({ userId: 'new' });
    expect(settings).toMatchObject({
      userId: 'new',
      region: 'US',
      ageBand: consent.AgeBand.AGE_BAND_ADULT,
      version: '1',
      effective: { aiChatAdsEnabled: true, aiChatContentEnabled: true, crossAppSharingEnabled: true },
      linkedAccounts: [],
      adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: [], seeFewerTopicIds: [] },
      feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: [] },
    });
    expect(await client.checkEligibility(query('new', ADS))).toEqual({ allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '1' });
  });

  it('lays set() over the defaults, nested messages field by field', async () => {
    fake.set('u', { region: 'DE', adPreferences: { blockedAdvertiserIds: ['adv-1'] }, feedControls: { showLessTopicIds: ['216'] } });
    const { settings } = await client.getSettings({ userId: 'u' });
    expect(settings).toMatchObject({
      region: 'DE',
      version: '1',
      adPreferences: { blockedTopicIds: [], blockedAdvertiserIds: ['adv-1'], seeFewerTopicIds: [] },
      feedControls: { nonPersonalizedFeed: false, showMoreTopicIds: [], showLessTopicIds: ['216'] },
    });
    expect(settings).toEqual(fake.settingsOf('u'));
  });

  it('applies update() shorthands and bumps the version each time', async () => {
    fake.update('u', { linkedSurfaces: [MESSENGER, INSTAGRAM], crossAppSharing: false, blockedTopicIds: ['500'] });
    fake.update('u', { showMoreTopicIds: ['483'], nonPersonalizedFeed: true });
    const { settings } = await client.getSettings({ userId: 'u' });
    expect(settings).toMatchObject({
      version: '3',
      crossAppSharing: consent.Choice.CHOICE_OPT_OUT,
      effective: { aiChatAdsEnabled: true, crossAppSharingEnabled: false },
      linkedAccounts: [expect.objectContaining({ surface: MESSENGER }), expect.objectContaining({ surface: INSTAGRAM })],
      adPreferences: { blockedTopicIds: ['500'] },
      feedControls: { nonPersonalizedFeed: true, showMoreTopicIds: ['483'], showLessTopicIds: [] },
    });
    expect((await client.checkEligibility(query('u', CONTENT))).settingsVersion).toBe('3');
  });

  it('decides from the user by default: no ads for minors, per-purpose overrides, else allowed', async () => {
    fake.update('minor', { ageBand: consent.AgeBand.AGE_BAND_MINOR });
    fake.update('opted-out', { eligibility: { [ADS]: E.ELIGIBILITY_REASON_OPTED_OUT } });
    const { decisions } = await client.batchCheckEligibility({ queries: [query('minor', ADS), query('minor', CONTENT), query('opted-out', ADS), query('opted-out', CONTENT, MESSENGER)] });
    expect(decisions).toEqual([
      { userId: 'minor', purpose: ADS, surface: INSTAGRAM, allowed: false, reason: E.ELIGIBILITY_REASON_MINOR, settingsVersion: '2' },
      { userId: 'minor', purpose: CONTENT, surface: INSTAGRAM, allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '2' },
      { userId: 'opted-out', purpose: ADS, surface: INSTAGRAM, allowed: false, reason: E.ELIGIBILITY_REASON_OPTED_OUT, settingsVersion: '2' },
      { userId: 'opted-out', purpose: CONTENT, surface: MESSENGER, allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '2' },
    ]);
  });

  it('answers from an assigned decide and records every call, batch and query in order', async () => {
    fake.decide = (q) => (q.userId === 'no' ? { allowed: false, reason: E.ELIGIBILITY_REASON_REGION_EXCLUDED } : { allowed: true, reason: E.ELIGIBILITY_REASON_ALLOWED, settingsVersion: '7' });
    expect(await client.checkEligibility(query('no', CONTENT))).toEqual({ allowed: false, reason: E.ELIGIBILITY_REASON_REGION_EXCLUDED, settingsVersion: '1' });
    const { decisions } = await client.batchCheckEligibility({ queries: [query('yes', ADS), query('no', ADS)] });
    expect(decisions.map((d) => [d.allowed, d.settingsVersion])).toEqual([
      [true, '7'],
      [false, '1'],
    ]);
    await client.getSettings({ userId: 'yes' });
    expect(fake.calls).toBe(3);
    expect(fake.batchCalls).toBe(1);
    expect(fake.queries.map((q) => `${q.userId}/${q.purpose}`)).toEqual([`no/${CONTENT}`, `yes/${ADS}`, `no/${ADS}`]);
  });

  it('fails every call with failWith, and answers only after delayMs', async () => {
    fake.failWith = status.UNAVAILABLE;
    await expect(client.getSettings({ userId: 'u' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(client.checkEligibility(query('u', ADS))).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(client.batchCheckEligibility({ queries: [query('u', ADS)] })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(fake.calls).toBe(3);
    fake.failWith = undefined;

    fake.delayMs = 200;
    const started = Date.now();
    await client.getSettings({ userId: 'u' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('lets an in-flight call finish on stop(), and can start again on the same port', async () => {
    fake.delayMs = 200;
    const inFlight = client.getSettings({ userId: 'u' });
    await until(() => fake.calls === 1);
    await fake.stop();
    await expect(inFlight).resolves.toMatchObject({ settings: { userId: 'u' } });
    await expect(client.getSettings({ userId: 'u' }, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });

    fake.delayMs = 0;
    const port = Number(fake.address.split(':')[1]);
    expect(await fake.start(port)).toBe(`127.0.0.1:${port}`);
    // The channel answers UNAVAILABLE until its reconnect backoff ends.
    let answer: consent.GetSettingsResponse | undefined;
    await until(() => answer !== undefined, () => void client.getSettings({ userId: 'u' }).then((response) => (answer = response), () => undefined));
    expect(answer?.settings?.version).toBe('1');
  });

  it('fails an in-flight call at once on crash()', async () => {
    fake.delayMs = 10_000;
    const inFlight = client.getSettings({ userId: 'u' });
    await until(() => fake.calls === 1);
    const started = Date.now();
    await fake.crash();
    const error = await inFlight.then(() => undefined, (e: ServiceError) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The cut stream reaches the client as CANCELLED or UNAVAILABLE, depending on timing.
    expect([status.CANCELLED, status.UNAVAILABLE]).toContain(error?.code);
    await expect(client.getSettings({ userId: 'u' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});
