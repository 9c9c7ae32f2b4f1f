import { createServer as createNetServer } from 'node:net';
import { GrpcServer, InvalidArgumentError, unary } from '@signalpath/grpc-kit';
import { profile } from '@signalpath/proto';

/**
 * A tiny stand-in for ProfileService, so SignalService tests run the real service against a real
 * gRPC server whose answers (and outages) the test controls. ConsentService's is the shared
 * FakeConsentService in @signalpath/testing.
 */

export interface FakeProfile {
  address: string;
  /** Every signal received, in order (duplicates included, to catch double sends). */
  received: profile.ProfileSignal[];
  calls: number;
  /** While set, every ApplySignals call waits for it before answering (a slow ProfileService). */
  gate?: Promise<void>;
  /** A call carrying a signal of one of these users is refused whole with INVALID_ARGUMENT (version skew, a bug). */
  refuseUsers: Set<string>;
  /** While set, every ApplySignals call fails with what it returns (thrown through the error map). */
  refuse?: () => Error;
  /** Every RemoveSignal request, in order. */
  removed: profile.RemoveSignalRequest[];
  /** While set, every RemoveSignal call fails with what it returns. */
  refuseRemove?: () => Error;
  stop(): Promise<void>;
}

export async function startFakeProfile(port = 0): Promise<FakeProfile> {
  const fake: { received: profile.ProfileSignal[]; calls: number; gate?: Promise<void>; refuseUsers: Set<string>; refuse?: () => Error; removed: profile.RemoveSignalRequest[]; refuseRemove?: () => Error } = {
    received: [],
    calls: 0,
    refuseUsers: new Set(),
    removed: [],
  };
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.profile.v1.ProfileService',
        definition: profile.ProfileServiceService,
        implementation: {
          applySignals: unary<profile.ApplySignalsRequest, profile.ApplySignalsResponse>(async (request) => {
            fake.calls++;
            await fake.gate;
            if (fake.refuse) throw fake.refuse();
            const refused = request.signals.findIndex((s) => fake.refuseUsers.has(s.userId));
            if (refused >= 0) throw new InvalidArgumentError(`signals[${refused}].user_id`, 'refused by the test');
            fake.received.push(...request.signals);
            return { appliedCount: request.signals.length, duplicateCount: 0 };
          }),
          removeSignal: unary<profile.RemoveSignalRequest, profile.RemoveSignalResponse>(async (request) => {
            if (fake.refuseRemove) throw fake.refuseRemove();
            fake.removed.push(request);
            return { wasApplied: fake.received.some((s) => s.signalId === request.signal?.signalId), correction: undefined };
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
