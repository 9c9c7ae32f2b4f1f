import { status } from '@grpc/grpc-js';
import type { KeyObject } from 'node:crypto';
import { common, profile } from '@signalpath/proto';
import { generateKeyRing, mintUserAssertion, tokenMetadataProvider, userAssertionMetadata } from '@signalpath/service-auth';
import { createProfileClient } from '@signalpath/service-clients';
import { startTestService } from '@signalpath/testing';

import { createProfileService } from './server';
import { signal, TOPIC } from './testing/harness';

const statusOf = (call: Promise<unknown>) =>
  call.then(
    () => ({ code: status.OK, details: '' }),
    (error: { code: number; details: string }) => ({ code: error.code, details: error.details }),
  );

describe('corrections with service auth on (real database)', () => {
  const keyRing = generateKeyRing();
  const audience = 'signalpath.profile.v1.ProfileService';
  const as = async (userId: string) => ({ metadata: userAssertionMetadata(await mintUserAssertion({ userId, audience, privateKey: keyRing.privateKey('identity-provider') as KeyObject })) });

  it("settings-ui corrects only the asserted person's profile, recorded as that person's own; only RankingService marks items", async () => {
    const service = await startTestService(createProfileService(), { env: { CONSENT_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const settingsUi = createProfileClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'settings-ui', audience) });
    const rankingService = createProfileClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'ranking-service', audience) });
    const remove = (userId: string) => ({ userId, topicId: TOPIC.CLIMBING, purpose: common.Purpose.PURPOSE_UNSPECIFIED });
    try {
      expect(await statusOf(settingsUi.removeInterest(remove('alice')))).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await statusOf(settingsUi.removeInterest(remove('alice'), await as('bob')))).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining('user_id') });
      expect(await statusOf(settingsUi.listCorrections({ userId: 'alice' }, await as('bob')))).toMatchObject({ code: status.PERMISSION_DENIED });
      const mark = { userId: 'alice', itemId: 'post-1', topicIds: [TOPIC.CLIMBING], purpose: common.Purpose.PURPOSE_CONTENT, actingCaller: 'settings-ui', userAsserted: true };
      expect(await statusOf(settingsUi.markItemNotInterested(mark, await as('alice')))).toMatchObject({ code: status.PERMISSION_DENIED });
      // Only SignalService removes a deleted signal (it keeps the signal and forwards its caller).
      const removal = { signal: signal({ userId: 'alice' }), actingCaller: 'settings-ui', userAsserted: true };
      expect(await statusOf(settingsUi.removeSignal(removal, await as('alice')))).toMatchObject({ code: status.PERMISSION_DENIED });
      expect(await statusOf(rankingService.removeSignal(removal))).toMatchObject({ code: status.PERMISSION_DENIED });
      const signalService = createProfileClient(service.address, { metadataProvider: tokenMetadataProvider(keyRing, 'signal-service', audience) });
      expect((await signalService.removeSignal(removal)).correction).toMatchObject({ kind: profile.CorrectionKind.CORRECTION_KIND_DELETE_SIGNAL, actor: 'settings-ui', userAsserted: true });
      signalService.close();

      const { correction } = await settingsUi.removeInterest(remove('alice'), await as('alice'));
      expect(correction).toMatchObject({ actor: 'settings-ui', userAsserted: true });
      await rankingService.markItemNotInterested(mark);
      const { corrections } = await settingsUi.listCorrections({ userId: 'alice' }, await as('alice'));
      expect(corrections.map((c) => [c.kind, c.actor, c.userAsserted])).toEqual([
        [profile.CorrectionKind.CORRECTION_KIND_NOT_INTERESTED, 'settings-ui', true],
        [profile.CorrectionKind.CORRECTION_KIND_REMOVE_INTEREST, 'settings-ui', true],
        [profile.CorrectionKind.CORRECTION_KIND_DELETE_SIGNAL, 'settings-ui', true],
      ]);
    } finally {
      settingsUi.close();
      rankingService.close();
      await service.stop();
    }
  });
});
