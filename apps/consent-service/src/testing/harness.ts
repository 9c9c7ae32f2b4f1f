// Helpers for this service's integration tests (not part of the service).
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { GrpcServer, RpcError, unary } from '@signalpath/grpc-kit';
import { common, profile, signal } from '@signalpath/proto';
import { createConsentClient, type ConsentClient } from '@signalpath/service-clients';
import { startTestService, type TestService } from '@signalpath/testing';
import { ACTOR_METADATA_KEY } from '../handlers/context';
import { consentService } from '../server';
import type { ConsentConfig } from '../config';

export interface DeleteCall {
  userId: string;
  scope: common.ErasureScope;
  erasureJobId: string;
  cutoffTime?: Date;
}

export interface FakeTarget {
  calls: DeleteCall[];
  /** When each DeleteUserData call arrived (ms since epoch). */
  callTimes: number[];
  exportCalls: string[];
  /** Fail this many further DeleteUserData calls with UNAVAILABLE. */
  failNext: number;
  /** Fail every DeleteUserData call while true. */
  down: boolean;
  /**
   * The failure status. UNAVAILABLE is also retried by the client channel (up to 4 tries per
   * call), so a test counting the worker's own attempts uses a code the channel does not retry.
   */
  failCode: status;
}

/** Tiny SignalService + ProfileService fakes implementing DeleteUserData and ExportUserData. */
export async function startFakeTargets(): Promise<{ address: string; signal: FakeTarget; profile: FakeTarget; stop(): Promise<void> }> {
  const fresh = (): FakeTarget => ({ calls: [], callTimes: [], exportCalls: [], failNext: 0, down: false, failCode: status.UNAVAILABLE });
  const targets = { signal: fresh(), profile: fresh() };
  const deleteHandler = (target: FakeTarget) =>
    unary<signal.DeleteUserDataRequest, signal.DeleteUserDataResponse>(async (request) => {
      target.callTimes.push(Date.now());
      target.calls.push({ userId: request.userId, scope: request.scope, erasureJobId: request.erasureJobId, cutoffTime: request.cutoffTime });
      if (target.down || target.failNext > 0) {
        target.failNext = Math.max(0, target.failNext - 1);
        throw new RpcError(target.failCode, 'fake outage');
      }
      return { deletedCount: '3' };
    });
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.signal.v1.SignalService',
        definition: signal.SignalServiceService,
        implementation: {
          deleteUserData: deleteHandler(targets.signal),
          exportUserData: unary<signal.ExportUserDataRequest, signal.ExportUserDataResponse>(async (request) => {
            targets.signal.exportCalls.push(request.userId);
            if (targets.signal.down) throw new RpcError(status.UNAVAILABLE, 'fake outage');
            return {
              signals: [
                {
                  topic: { id: '500', name: 'Climbing', tier1: 'Sports' },
                  weight: 0.8,
                  adsEligible: true,
                  contentEligible: true,
                  signalId: 'sig-1',
                  surface: common.Surface.SURFACE_MESSENGER,
                  sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT,
                  modality: common.Modality.MODALITY_TEXT,
                  eventTime: new Date('2026-01-02T03:04:05Z'),
                },
              ],
              endToEndEncryptedSkippedCount: '2',
              records: [],
              pendingDeliveries: [],
              deliveries: [],
              erasures: [],
            };
          }),
        },
      },
      {
        name: 'signalpath.profile.v1.ProfileService',
        definition: profile.ProfileServiceService,
        implementation: {
          deleteUserData: deleteHandler(targets.profile),
          exportUserData: unary<profile.ExportUserDataRequest, profile.ExportUserDataResponse>(async (request) => {
            targets.profile.exportCalls.push(request.userId);
            if (targets.profile.down) throw new RpcError(status.UNAVAILABLE, 'fake outage');
            return profile.ExportUserDataResponse.fromJSON({
              profiles: [{ surface: 'SURFACE_MESSENGER', interests: [{ topic: { id: '500', name: 'Climbing', tier1: 'Sports' }, score: 0.7 }] }],
            });
          }),
        },
      },
    ],
  });
  const port = await server.listen('127.0.0.1', 0);
  server.setServing(true);
  return { address: `127.0.0.1:${port}`, ...targets, stop: async () => void (await server.shutdown(500)) };
}

export interface ConsentUnderTest {
  service: TestService<ConsentConfig>;
  client: ConsentClient;
  stop(): Promise<void>;
}

/** Starts the real ConsentService on port 0 against a fresh database, with a client. */
export async function startConsent(env: Record<string, string> = {}, options: { dbName?: string; keepDatabase?: boolean; mongoUri?: string } = {}): Promise<ConsentUnderTest> {
  const service = await startTestService(consentService, {
    env: {
      // Nothing listens here unless a test points these at fakes.
      SIGNAL_ADDR: '127.0.0.1:9',
      PROFILE_ADDR: '127.0.0.1:9',
      CONSENT_ERASURE_POLL_INTERVAL: '100ms',
      CONSENT_ERASURE_BACKOFF_INITIAL: '50ms',
      CONSENT_ERASURE_BACKOFF_MAX: '200ms',
      CONSENT_ERASURE_CALL_TIMEOUT: '1s',
      ...env,
    },
    ...options,
  });
  const client = createConsentClient(service.address, { timeoutMs: 10_000 });
  return {
    service,
    client,
    async stop() {
      client.close();
      await service.stop();
    },
  };
}

export function asActor(actor: string): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set(ACTOR_METADATA_KEY, actor);
  return { metadata };
}

/** The gRPC status of a rejected call (fails the test if the call succeeded). */
export async function statusOf(promise: Promise<unknown>): Promise<{ code: status; details: string }> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as ServiceError;
    return { code: serviceError.code, details: serviceError.details };
  }
  throw new Error('expected the call to fail');
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
