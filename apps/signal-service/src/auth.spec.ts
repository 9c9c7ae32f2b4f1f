import { status, type ServiceError } from '@grpc/grpc-js';
import { common } from '@signalpath/proto';
import type { KeyObject } from 'node:crypto';
import { generateKeyRing, mintUserAssertion, tokenMetadataProvider, userAssertionMetadata } from '@signalpath/service-auth';
import { createSignalClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { createSignalService } from './server';
import { freePort } from './testing/fakes';
import { interaction, signalUserData } from './testing/harness';

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as ServiceError).code;
  }
}

describe('SignalService with service auth on', () => {
  const keyRing = generateKeyRing();
  const audience = 'signalpath.signal.v1.SignalService';

  it('lets only ConsentService erase and export, and refuses calls without a token', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const service = await startTestService(createSignalService(), { env: { CONSENT_ADDR: nowhere, PROFILE_ADDR: nowhere, SIGNAL_ERASURE_FENCE: '100ms' }, auth: keyRing, startBackground: false });
    const consentService = signalUserData(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'consent-service', audience) });
    const assistant = createSignalClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'assistant-backend', audience) });
    const assistantUserData = signalUserData(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'assistant-backend', audience) });
    // ConsentService's tokens for another implementer of the contract, or for the contract itself.
    const forProfile = signalUserData(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'consent-service', 'signalpath.profile.v1.ProfileService') });
    const forContract = signalUserData(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'consent-service', 'signalpath.userdata.v1.UserDataService') });
    const anonymous = createSignalClient(service.address);
    try {
      const erase = { userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: 'job', cutoffTime: undefined };
      expect(await consentService.deleteUserData(erase)).toEqual({ deletedCount: '0' });
      expect(await consentService.exportUserData({ userId: 'u' })).toMatchObject({ signals: [], endToEndEncryptedSkippedCount: '0', records: [] });
      expect(await codeOf(assistantUserData.deleteUserData(erase))).toBe(status.PERMISSION_DENIED);
      expect(await codeOf(assistantUserData.exportUserData({ userId: 'u' }))).toBe(status.PERMISSION_DENIED);
      // A UserDataService token names the hosting service: one made for ProfileService is refused here.
      expect(await codeOf(forProfile.deleteUserData(erase))).toBe(status.UNAUTHENTICATED);
      expect(await codeOf(forContract.exportUserData({ userId: 'u' }))).toBe(status.UNAUTHENTICATED);
      expect((await assistant.previewSignals({ interaction: interaction({ text: 'I love climbing' }) })).signals.length).toBeGreaterThan(0);
      expect(await codeOf(anonymous.previewSignals({ interaction: interaction() }))).toBe(status.UNAUTHENTICATED);
      // settings-ui previews for the signed-in person only: the user sits inside the interaction.
      const settingsUi = createSignalClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
      const as = async (userId: string) => ({ metadata: userAssertionMetadata(await mintUserAssertion({ userId, audience, privateKey: keyRing.privateKey('identity-provider') as KeyObject })) });
      const preview = { interaction: interaction({ userId: 'alice', text: 'I love climbing' }) };
      expect(await codeOf(settingsUi.previewSignals(preview))).toBe(status.UNAUTHENTICATED);
      expect(await codeOf(settingsUi.previewSignals(preview, await as('bob')))).toBe(status.PERMISSION_DENIED);
      expect((await settingsUi.previewSignals(preview, await as('alice'))).signals.length).toBeGreaterThan(0);
      expect(await codeOf(settingsUi.listSignals({ userId: 'alice', pageSize: 0, pageToken: '' }, await as('bob')))).toBe(status.PERMISSION_DENIED);
      // DeleteSignal is user-scoped like ListSignals: the person's own signals only.
      expect(await codeOf(settingsUi.deleteSignal({ userId: 'alice', signalId: 'sig-1' }))).toBe(status.UNAUTHENTICATED);
      expect(await codeOf(settingsUi.deleteSignal({ userId: 'alice', signalId: 'sig-1' }, await as('bob')))).toBe(status.PERMISSION_DENIED);
      expect(await codeOf(settingsUi.deleteSignal({ userId: 'alice', signalId: 'sig-1' }, await as('alice')))).toBe(status.NOT_FOUND);
      expect(await codeOf(assistant.deleteSignal({ userId: 'alice', signalId: 'sig-1' }))).toBe(status.PERMISSION_DENIED);
      settingsUi.close();
    } finally {
      consentService.close();
      assistant.close();
      assistantUserData.close();
      forProfile.close();
      forContract.close();
      anonymous.close();
      await service.stop();
    }
  });
});
