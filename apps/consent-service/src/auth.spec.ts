import { status } from '@grpc/grpc-js';
import { consent } from '@signalpath/proto';
import { generateKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createConsentClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';
import { consentService } from './server';
import { asActor, statusOf } from './test-support';

describe('ConsentService with service auth on (real database)', () => {
  const keyRing = generateKeyRing();
  const audience = 'signalpath.consent.v1.ConsentService';

  it('records the verified caller in the history, not a claimed actor, and refuses calls without a token', async () => {
    const service = await startTestService(consentService, { env: { SIGNAL_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const settingsUi = createConsentClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
    const anonymous = createConsentClient(service.address);
    try {
      await settingsUi.updateSettings({ userId: 'authed', expectedVersion: '0', settings: consent.Settings.fromPartial({ region: 'US' }), updateMask: ['region'] }, asActor('someone-else'));
      const { changes } = await settingsUi.listSettingsHistory({ userId: 'authed', pageSize: 0, pageToken: '' });
      expect(changes.map((c) => c.actor)).toEqual(['settings-ui']);
      expect(await statusOf(anonymous.getSettings({ userId: 'authed' }))).toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      settingsUi.close();
      anonymous.close();
      await service.stop();
    }
  });
});
