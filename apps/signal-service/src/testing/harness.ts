import pino from 'pino';
import { SERVICES } from '@signalpath/config';
import { common, signal } from '@signalpath/proto';
import { createSignalClient, type SignalClient } from '@signalpath/service-clients';
import { FakeConsentService, startTestService, userDataClientFor, type Decide, type TestService, type TypedUserData } from '@signalpath/testing';

import type { SignalConfig } from '../config';
import { createSignalService, type SignalServiceInstance } from '../server';
import { COLLECTIONS } from '../store/signal-store';
import { eventually, freePort, startFakeProfile, type FakeProfile } from './fakes';

/** Real time plus an offset the test can move forward (leases and backoffs still expire). */
export class TestClock {
  private offsetMs = 0;
  get ms(): number {
    return Date.now() + this.offsetMs;
  }
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface SignalHarness {
  service: TestService<SignalConfig>;
  instance: SignalServiceInstance;
  client: SignalClient;
  /** The same server's UserDataService, with Export decoded to signal.UserDataExport. */
  userData: TypedUserData<signal.UserDataExport>;
  consent: FakeConsentService;
  /** Undefined while ProfileService is "down" (`profileDown: true`) until `startProfile()`. */
  profile?: FakeProfile;
  startProfile(): Promise<FakeProfile>;
  clock: TestClock;
  stop(): Promise<void>;
}

/**
 * Real SignalService on port 0 and a fresh database, with fake ConsentService and ProfileService.
 * `profileDown` leaves ProfileService's address unanswered until `startProfile()`.
 */
export async function startSignalHarness(
  options: { decide?: Decide; profileDown?: boolean; env?: Record<string, string>; clock?: TestClock; logLines?: string[]; dbName?: string; keepDatabase?: boolean; mongoUri?: string } = {},
): Promise<SignalHarness> {
  const clock = options.clock ?? new TestClock();
  const consent = new FakeConsentService();
  if (options.decide) consent.decide = options.decide;
  await consent.start();
  const profilePort = await freePort();
  let profile = options.profileDown ? undefined : await startFakeProfile(profilePort);
  const module = createSignalService({ now: clock.now });
  const logLines = options.logLines;
  if (logLines) {
    // Everything the service logs, at the most verbose level, for the "never logged" checks.
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    const create = module.create.bind(module);
    module.create = (deps) => create({ ...deps, logger });
  }
  const service = await startTestService(module, {
    dbName: options.dbName,
    keepDatabase: options.keepDatabase,
    mongoUri: options.mongoUri,
    env: {
      CONSENT_ADDR: consent.address,
      PROFILE_ADDR: `127.0.0.1:${profilePort}`,
      SIGNAL_DELIVERY_INTERVAL: '20ms',
      SIGNAL_DELIVERY_IDLE_MAX: '100ms',
      SIGNAL_DELIVERY_MAX_BACKOFF: '200ms',
      SIGNAL_DELIVERY_TIMEOUT: '2s',
      // A short erasure fence keeps DeleteUserData quick; erasure tests set what they need.
      SIGNAL_ERASURE_FENCE: '300ms',
      ...options.env,
    },
  });
  const client = createSignalClient(service.address, { timeoutMs: 10_000 });
  const userData = signalUserData(service.address);
  const harness: SignalHarness = {
    service,
    instance: service.instance as SignalServiceInstance,
    client,
    userData,
    consent,
    get profile() {
      return profile;
    },
    async startProfile() {
      profile ??= await startFakeProfile(profilePort);
      return profile;
    },
    clock,
    async stop() {
      client.close();
      userData.close();
      await service.stop();
      await consent.stop();
      await profile?.stop();
    },
  };
  return harness;
}

/** Waits until everything ingested so far is written to the outbox and delivered (or given up on). */
export async function settled(h: SignalHarness, timeoutMs = 10_000): Promise<void> {
  const db = h.service.mongo.db;
  await eventually(
    async () =>
      h.instance.outbox.pending === 0 &&
      (await db.collection(COLLECTIONS.outbox).countDocuments({})) === 0 &&
      (await db.collection(COLLECTIONS.claims).countDocuments({})) === 0,
    timeoutMs,
  );
}

let counter = 0;

/** A valid interaction; override what the test is about. */
export function interaction(overrides: Partial<signal.Interaction> = {}, clock?: TestClock): signal.Interaction {
  counter++;
  return {
    interactionId: `int-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    userId: 'user-1',
    surface: common.Surface.SURFACE_MESSENGER,
    modality: common.Modality.MODALITY_TEXT,
    endToEndEncrypted: false,
    text: 'I have been getting into rock climbing and bouldering at the gym every weekend',
    eventTime: clock ? new Date(clock.ms - 60_000) : new Date(Date.now() - 60_000),
    ...overrides,
  };
}

/** SignalService's UserDataService at `address`, Export decoded (options: e.g. a caller identity). */
export function signalUserData(address: string, options: Parameters<typeof userDataClientFor>[4] = { timeoutMs: 10_000 }): TypedUserData<signal.UserDataExport> {
  return userDataClientFor(address, SERVICES.signal.grpcService, signal.UserDataExport, `${signal.protobufPackage}.UserDataExport`, options);
}
