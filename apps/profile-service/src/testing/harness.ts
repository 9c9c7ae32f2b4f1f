import { common, type profile } from '@signalpath/proto';
import { createProfileClient, type ProfileClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService, type TestService } from '@signalpath/testing';

import type { ProfileConfig } from '../config';
import { createProfileService } from '../server';

export const DAY_MS = 86_400_000;
/** An arbitrary "now" after the policy's effective date. */
export const T0 = new Date('2026-03-01T12:00:00Z');

export const TOPIC = { SPORTS: '483', EXTREME_SPORTS: '498', CLIMBING: '500', SURFING: '505', SOCCER: '533', TRAVEL: '653', COOKING: '216' } as const;

export interface Harness {
  service: TestService<ProfileConfig>;
  client: ProfileClient;
  consent: FakeConsentService;
  clock: { now: Date };
  stop(): Promise<void>;
}

/** The real ProfileService on port 0 with a fresh database, a fake ConsentService and a test clock. */
export async function startHarness(env: Record<string, string> = {}, options: { mongoUri?: string } = {}): Promise<Harness> {
  const consent = new FakeConsentService();
  const consentAddress = await consent.start();
  const clock = { now: T0 };
  const service = await startTestService(createProfileService({ now: () => clock.now }), {
    // A short erasure fence keeps DeleteUserData quick; erasure tests set what they need.
    env: { CONSENT_ADDR: consentAddress, PROFILE_ELIGIBILITY_CACHE_MAX_AGE: '0', PROFILE_ERASURE_FENCE: '300ms', ...env },
    mongoUri: options.mongoUri,
  });
  const client = createProfileClient(service.address, { timeoutMs: 10_000 });
  return {
    service,
    client,
    consent,
    clock,
    async stop() {
      client.close();
      await service.stop();
      await consent.stop();
    },
  };
}

let sequence = 0;

/** A valid signal; override what the test is about. */
export function signal(overrides: Partial<profile.ProfileSignal> = {}): profile.ProfileSignal {
  sequence++;
  return {
    signalId: `sig-${process.pid}-${sequence}`,
    userId: 'user-1',
    surface: common.Surface.SURFACE_INSTAGRAM,
    topicId: TOPIC.CLIMBING,
    weight: 1,
    sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT,
    modality: common.Modality.MODALITY_TEXT,
    eventTime: T0,
    adsEligible: true,
    contentEligible: true,
    recordTime: T0,
    ...overrides,
  };
}

/** topic id → score of a profile read, for compact assertions. */
export function scoresOf(interests: profile.Interest[]): Record<string, number> {
  return Object.fromEntries(interests.map((interest) => [interest.topic?.id ?? '', interest.score]));
}
