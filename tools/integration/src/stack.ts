import { createServer } from 'node:net';
import { createConsentClient, createProfileClient, createSignalClient, type ConsentClient, type ProfileClient, type SignalClient } from '@signalpath/service-clients';
import { startTestService, uniqueDbName, type TestService } from '@signalpath/testing';
import type { ServerConfig } from '@signalpath/config';
import type { ServiceModule } from '@signalpath/service-host';

// The apps through their public factories (server.ts create<Area>Service, the service template), never their internals.
import { createConsentService } from '../../../apps/consent-service/src/server';
import { createProfileService } from '../../../apps/profile-service/src/server';
import { createSignalService, type SignalServiceInstance } from '../../../apps/signal-service/src/server';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface InProcessStack {
  /** Database names: `<prefix>consent`, `<prefix>signal`, `<prefix>profile`. */
  prefix: string;
  consent: ConsentClient;
  signals: SignalClient[];
  profiles: ProfileClient[];
  signalServices: Array<TestService<ServerConfig>>;
  consentService: TestService<ServerConfig>;
  signalInstances: SignalServiceInstance[];
  stop(): Promise<void>;
}

/**
 * ConsentService, `signals` SignalService and `profiles` ProfileService instances in this process,
 * each a real gRPC server on its own port against one database per service (instances of a
 * service share it, as processes would). Signal instance i delivers to profile instance
 * i mod profiles; ConsentService erases through the first SignalService and the last
 * ProfileService, so the erasure and the deliveries run in different instances.
 */
export async function startInProcessStack(options: { signals: number; profiles: number; env?: Record<string, string>; mongoUri?: string }): Promise<InProcessStack> {
  const prefix = `${uniqueDbName('stack')}_`;
  const [consentPort, ...ports] = await Promise.all(Array.from({ length: 1 + options.signals + options.profiles }, () => freePort()));
  const signalPorts = ports.slice(0, options.signals);
  const profilePorts = ports.slice(options.signals);
  const address = (port: number) => `127.0.0.1:${port}`;
  const common = { CONSENT_ADDR: address(consentPort), ...options.env };
  const started: Array<TestService<ServerConfig>> = [];
  const start = async <C extends ServerConfig>(module: ServiceModule<C>, port: number, db: string, first: boolean, env: Record<string, string>) => {
    const service = await startTestService(module, { port, dbName: `${prefix}${db}`, keepDatabase: !first, env, mongoUri: options.mongoUri });
    started.push(service as unknown as TestService<ServerConfig>);
    return service;
  };
  try {
    const profileServices = [];
    for (const [i, port] of profilePorts.entries()) profileServices.push(await start(createProfileService(), port, 'profile', i === 0, { ...common }));
    const signalServices = [];
    for (const [i, port] of signalPorts.entries()) {
      signalServices.push(
        await start(createSignalService(), port, 'signal', i === 0, {
          SIGNAL_DELIVERY_INTERVAL: '20ms',
          SIGNAL_DELIVERY_IDLE_MAX: '100ms',
          SIGNAL_DELIVERY_MAX_BACKOFF: '200ms',
          SIGNAL_DELIVERY_TIMEOUT: '5s',
          ...common,
          PROFILE_ADDR: address(profilePorts[i % profilePorts.length]),
        }),
      );
    }
    const consentServiceUnderTest = await start(createConsentService(), consentPort, 'consent', true, {
      CONSENT_ERASURE_POLL_INTERVAL: '100ms',
      CONSENT_ERASURE_BACKOFF_INITIAL: '100ms',
      CONSENT_ERASURE_BACKOFF_MAX: '500ms',
      CONSENT_ERASURE_CALL_TIMEOUT: '10s',
      ...common,
      SIGNAL_ADDR: address(signalPorts[0]),
      PROFILE_ADDR: address(profilePorts[profilePorts.length - 1]),
    });
    const clients = {
      consent: createConsentClient(address(consentPort), { timeoutMs: 20_000 }),
      signals: signalPorts.map((port) => createSignalClient(address(port), { timeoutMs: 20_000 })),
      profiles: profilePorts.map((port) => createProfileClient(address(port), { timeoutMs: 20_000 })),
    };
    return {
      prefix,
      ...clients,
      signalServices: signalServices as unknown as Array<TestService<ServerConfig>>,
      consentService: consentServiceUnderTest as unknown as TestService<ServerConfig>,
      signalInstances: signalServices.map((s) => s.instance as SignalServiceInstance),
      async stop() {
        clients.consent.close();
        for (const client of [...clients.signals, ...clients.profiles]) client.close();
        // Instances that keep their database first, then the ones that drop it.
        for (const service of [...started].reverse()) await service.stop();
      },
    };
  } catch (error) {
    for (const service of [...started].reverse()) await service.stop().catch(() => undefined);
    throw error;
  }
}
