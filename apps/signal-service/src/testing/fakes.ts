import { createServer as createNetServer } from 'node:net';
import { GrpcServer, unary } from '@signalpath/grpc-kit';
import { consent, profile } from '@signalpath/proto';

/**
 * Tiny stand-ins for ConsentService and ProfileService, so SignalService tests run the real
 * service against real gRPC servers whose answers (and outages) the test controls.
 */

export type Decide = (query: consent.EligibilityQuery) => { allowed: boolean; reason: consent.EligibilityReason };

export const ALLOW_ALL: Decide = () => ({ allowed: true, reason: consent.EligibilityReason.ELIGIBILITY_REASON_ALLOWED });

export interface FakeConsent {
  address: string;
  /** Every query received, in order. */
  queries: consent.EligibilityQuery[];
  batchCalls: number;
  decide: Decide;
  stop(): Promise<void>;
}

export async function startFakeConsent(decide: Decide = ALLOW_ALL, port = 0): Promise<FakeConsent> {
  const state = { queries: [] as consent.EligibilityQuery[], batchCalls: 0 };
  const answer = (query: consent.EligibilityQuery): consent.EligibilityDecision => {
    state.queries.push(query);
    const { allowed, reason } = fake.decide(query);
    return { allowed, reason, settingsVersion: '1', userId: query.userId, purpose: query.purpose, surface: query.surface };
  };
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.consent.v1.ConsentService',
        definition: consent.ConsentServiceService,
        implementation: {
          checkEligibility: unary<consent.CheckEligibilityRequest, consent.CheckEligibilityResponse>(async (request) => {
            const { allowed, reason, settingsVersion } = answer(request);
            return { allowed, reason, settingsVersion };
          }),
          batchCheckEligibility: unary<consent.BatchCheckEligibilityRequest, consent.BatchCheckEligibilityResponse>(async (request) => {
            state.batchCalls++;
            return { decisions: request.queries.map(answer) };
          }),
        },
      },
    ],
  });
  const bound = await server.listen('127.0.0.1', port);
  server.setServing(true);
  const fake: FakeConsent = {
    address: `127.0.0.1:${bound}`,
    get queries() {
      return state.queries;
    },
    get batchCalls() {
      return state.batchCalls;
    },
    decide,
    stop: async () => void (await server.shutdown(200)),
  };
  return fake;
}

export interface FakeProfile {
  address: string;
  /** Every signal received, in order (duplicates included, to catch double sends). */
  received: profile.ProfileSignal[];
  calls: number;
  stop(): Promise<void>;
}

export async function startFakeProfile(port = 0): Promise<FakeProfile> {
  const fake = { received: [] as profile.ProfileSignal[], calls: 0 };
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.profile.v1.ProfileService',
        definition: profile.ProfileServiceService,
        implementation: {
          applySignals: unary<profile.ApplySignalsRequest, profile.ApplySignalsResponse>(async (request) => {
            fake.calls++;
            fake.received.push(...request.signals);
            return { appliedCount: request.signals.length, duplicateCount: 0 };
          }),
        },
      },
    ],
  });
  const bound = await server.listen('127.0.0.1', port);
  server.setServing(true);
  return Object.assign(fake, { address: `127.0.0.1:${bound}`, stop: async () => void (await server.shutdown(200)) });
}

/** A port nothing listens on (yet): for "the dependency is down" and "it comes back on the same address". */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true or the time is up. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
