import { Metadata, status } from '@grpc/grpc-js';
import type { KeyObject } from 'node:crypto';
import { common, consent } from '@signalpath/proto';
import { generateKeyRing, mintToken, mintUserAssertion, tokenMetadataProvider, userAssertionMetadata, USER_ASSERTION_METADATA_KEY } from '@signalpath/service-auth';
import { createConsentClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';
import { consentService } from './server';
import { asActor, statusOf } from './testing/harness';

describe('ConsentService with service auth on (real database)', () => {
  const keyRing = generateKeyRing();
  const audience = 'signalpath.consent.v1.ConsentService';

  /** The signed-in person's assertion for this service, as the identity provider would mint it. */
  const as = (userId: string, options: { audience?: string; privateKey?: KeyObject } = {}) =>
    mintUserAssertion({ userId, audience: options.audience ?? audience, privateKey: options.privateKey ?? (keyRing.privateKey('identity-provider') as KeyObject) }).then((assertion) => ({
      metadata: userAssertionMetadata(assertion),
    }));

  it('records the verified caller in the history, not a claimed actor, and refuses calls without a token', async () => {
    const service = await startTestService(consentService, { env: { SIGNAL_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const settingsUi = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
    const anonymous = createConsentClient(service.address);
    try {
      const claimed = await as('authed');
      claimed.metadata.merge(asActor('someone-else').metadata);
      await settingsUi.updateSettings({ userId: 'authed', expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region'] }, claimed);
      const { changes } = await settingsUi.listSettingsHistory({ userId: 'authed', pageSize: 0, pageToken: '' }, await as('authed'));
      expect(changes.map((c) => [c.actor, c.userAsserted])).toEqual([['settings-ui', true]]);
      expect(await statusOf(anonymous.getSettings({ userId: 'authed' }))).toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      settingsUi.close();
      anonymous.close();
      await service.stop();
    }
  });

  it('settings-ui acts only for the person its user assertion names; the operator acts without one, audited as the operator', async () => {
    const service = await startTestService(consentService, { env: { SIGNAL_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const settingsUi = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
    const operator = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'operator', audience) });
    const update = (userId: string) => ({ userId, expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'DE' }), updateMask: ['region'] });
    try {
      // No assertion: refused before any handler runs, for every user-scoped call.
      expect(await statusOf(settingsUi.updateSettings(update('alice')))).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('missing user assertion') });
      expect(await statusOf(settingsUi.getSettings({ userId: 'alice' }))).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await statusOf(settingsUi.exportUserData({ userId: 'alice' }))).toMatchObject({ code: status.UNAUTHENTICATED });
      // Bob's assertion for Alice's data: PERMISSION_DENIED naming the field, on reads and writes.
      const bob = await as('bob');
      expect(await statusOf(settingsUi.updateSettings(update('alice'), bob))).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining('user_id') });
      expect(await statusOf(settingsUi.requestErasure({ userId: 'alice', scope: common.ErasureScope.ERASURE_SCOPE_ALL }, bob))).toMatchObject({ code: status.PERMISSION_DENIED });
      expect(await statusOf(settingsUi.listSettingsHistory({ userId: 'alice', pageSize: 0, pageToken: '' }, bob))).toMatchObject({ code: status.PERMISSION_DENIED });
      expect((await operator.getSettings({ userId: 'alice' })).settings?.version).toBe('0');
      // Assertions that are not the identity provider's, not for this service, or a service token in their place.
      const forged = await as('alice', { privateKey: keyRing.privateKey('settings-ui') as KeyObject });
      expect(await statusOf(settingsUi.updateSettings(update('alice'), forged))).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('invalid user assertion') });
      const elsewhere = await as('alice', { audience: 'signalpath.signal.v1.SignalService' });
      expect(await statusOf(settingsUi.updateSettings(update('alice'), elsewhere))).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('another service') });
      const serviceToken = new Metadata();
      serviceToken.set(USER_ASSERTION_METADATA_KEY, await mintToken({ issuer: 'identity-provider', audience, privateKey: keyRing.privateKey('identity-provider') as KeyObject }));
      expect(await statusOf(settingsUi.updateSettings(update('alice'), { metadata: serviceToken }))).toMatchObject({ code: status.UNAUTHENTICATED });
      // Alice for Alice: done, and her history says she made it through settings-ui.
      await settingsUi.updateSettings(update('alice'), await as('alice'));
      // Her erasure job is hers to see; Bob's assertion finds nothing.
      const { job } = await settingsUi.requestErasure({ userId: 'alice', scope: common.ErasureScope.ERASURE_SCOPE_AI_CHAT }, await as('alice'));
      expect((await settingsUi.getErasureJob({ jobId: job!.jobId }, await as('alice'))).job?.jobId).toBe(job!.jobId);
      expect(await statusOf(settingsUi.getErasureJob({ jobId: job!.jobId }, bob))).toMatchObject({ code: status.NOT_FOUND });
      // The operator acts without an assertion; the history records the operator, not a person.
      await operator.updateSettings({ ...update('alice'), expectedVersion: '1', settings: consent.Settings.fromPartial({ region: 'FR' }) });
      const { changes } = await operator.listSettingsHistory({ userId: 'alice', pageSize: 0, pageToken: '' });
      expect(changes.filter((c) => c.fieldChanges.some((f) => f.fieldPath === 'region')).map((c) => [c.version, c.actor, c.userAsserted])).toEqual([
        ['2', 'operator', false],
        ['1', 'settings-ui', true],
      ]);
    } finally {
      settingsUi.close();
      operator.close();
      await service.stop();
    }
  });
});
