import { execFileSync } from 'node:child_process';
import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireMongoUri } from '@signalpath/mongo';
import { ensureDevKeys, loadKeyRing, loadTlsIdentity, mintToken, type KeyRing } from '@signalpath/service-auth';
import { createConsentClient, createProfileClient, createRankingClient, createSignalClient, identityOptionsOf } from '@signalpath/service-clients';
// The same process manager `npm start` uses (CommonJS so jest can load it).
// eslint-disable-next-line @nx/enforce-module-boundaries -- the tools' process manager, plain CommonJS
const stackLib = require('../../lib/stack.cjs') as {
  SERVICES: Array<{ key: string; app: string; portVar: string; addrVar?: string }>;
  testPort(base: number): number;
  startServices(options: {
    env: NodeJS.ProcessEnv;
    quiet?: boolean;
    only?: string[];
    onExit?: (entry: { app: string; child: import('node:child_process').ChildProcess; stderrLines: string[] }, code: number | null, signal: string | null) => void;
  }): {
    processes: Array<{ key: string; app: string; child: import('node:child_process').ChildProcess; stderrLines: string[] }>;
    waitHealthy(timeoutMs?: number): Promise<void>;
    stop(graceMs?: number): Promise<void>;
  };
};

export interface E2eStack {
  env: NodeJS.ProcessEnv;
  dbPrefix: string;
  addresses: Record<'consent' | 'signal' | 'profile' | 'ranking', string>;
  clients: {
    consent: ReturnType<typeof createConsentClient>;
    signal: ReturnType<typeof createSignalClient>;
    profile: ReturnType<typeof createProfileClient>;
    ranking: ReturnType<typeof createRankingClient>;
  };
  /** A service token of the `operator` identity for `audience` (grpcurl, Python), valid 10 minutes. */
  operatorToken(audience: string): Promise<string>;
  /** The key ring of this run's development keys (every identity). */
  keyRing: KeyRing;
  /** With `tls`: the certificate directory (SIGNALPATH_TLS_DIR) made by tools/certs.mjs for this run. */
  tlsDir?: string;
  /** Log lines (stdout and stderr) of every service, for leak scans. */
  logs: string[];
  stop(): Promise<void>;
  /** Stops one service (SIGTERM, or SIGKILL when `kill`) and starts it again. */
  restart(key: string, options?: { kill?: boolean }): Promise<void>;
}

/** A suite's fixed port, shifted by SIGNALPATH_TEST_PORT_OFFSET (see tools/lib/stack.cjs). */
export const testPort = (base: number): number => stackLib.testPort(base);

/**
 * Fixed listening ports must lie outside the kernel's range for outgoing connections' local ports
 * (Linux: 32768–60999): inside it, any of the suite's many client sockets may hold the port at
 * that moment, and the service then fails to start with EADDRINUSE — now and then, on some machine.
 */
function refuseEphemeralPorts(first: number, last: number): void {
  let range: number[] = [];
  try {
    range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return; // not Linux: nothing to check against
  }
  const [low, high] = range;
  if (first <= high && last >= low) throw new Error(`ports ${first}–${last} overlap the ephemeral port range ${low}–${high}: pick a basePort below ${low - 10}`);
}

/**
 * Starts the four built services (dist/apps) as real processes on their own ports, with their
 * own database prefix, optionally exporting traces to `otlpEndpoint`.
 */
export async function startE2eStack(options: { basePort: number; otlpEndpoint?: string; extraEnv?: Record<string, string>; tls?: boolean }): Promise<E2eStack> {
  const basePort = testPort(options.basePort);
  refuseEphemeralPorts(basePort + 1, basePort + stackLib.SERVICES.length);
  const dbPrefix = `e2e_${randomBytes(3).toString('hex')}_`;
  // Service identity as in production: the processes check tokens; development keys (hence
  // SIGNALPATH_DEV_KEYS=true) are made for this run, and with `tls` certificates as well.
  const keysDir = mkdtempSync(path.join(tmpdir(), 'e2e-keys-'));
  ensureDevKeys(keysDir);
  const ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
  let tlsDir: string | undefined;
  if (options.tls) {
    tlsDir = path.join(mkdtempSync(path.join(tmpdir(), 'e2e-tls-')), 'certs');
    execFileSync(process.execPath, [path.resolve(__dirname, '../../certs.mjs'), tlsDir], { stdio: 'ignore' });
  }
  const operatorIdentity = { identity: 'operator', keyRing: ring, tls: tlsDir ? loadTlsIdentity(tlsDir, 'operator') : undefined };
  const operator = (audience: string) => identityOptionsOf(operatorIdentity, audience);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SIGNALPATH_KEYS_DIR: keysDir,
    SIGNALPATH_DEV_KEYS: 'true',
    ...(tlsDir ? { SIGNALPATH_TLS_DIR: tlsDir } : {}),
    MONGODB_URI: requireMongoUri(),
    MONGODB_DB_PREFIX: dbPrefix,
    LOG_LEVEL: 'info',
    RANKING_SEED_DEMO_CATALOG: 'false',
    // Suites erase many users: a short erasure fence keeps each DeleteUserData quick (finality
    // under racing writes is tested with the services in-process, tools/integration).
    SIGNAL_ERASURE_FENCE: '300ms',
    PROFILE_ERASURE_FENCE: '300ms',
    ...(options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '200' } : {}),
    ...options.extraEnv,
  };
  const addresses = {} as E2eStack['addresses'];
  stackLib.SERVICES.forEach((service, index) => {
    const port = basePort + index + 1;
    env[service.portVar] = String(port);
    addresses[service.key as keyof E2eStack['addresses']] = `127.0.0.1:${port}`;
  });
  const logs: string[] = [];
  const stacks = new Map<string, ReturnType<typeof stackLib.startServices>>();
  // Processes this stack stops or kills on purpose; any other exit is reported at once (straight
  // to stderr, so it reaches a CI log even if the suite then times out) with the last stderr lines.
  const expectedExits = new Set<import('node:child_process').ChildProcess>();
  const onExit = (entry: { app: string; child: import('node:child_process').ChildProcess; stderrLines: string[] }, code: number | null, signal: string | null) => {
    if (expectedExits.has(entry.child)) return;
    process.stderr.write(`[e2e] ${entry.app} exited unexpectedly (code ${code}, signal ${signal}); last stderr lines:\n${entry.stderrLines.slice(-10).join('\n')}\n`);
  };
  const stopStack = async (stack: ReturnType<typeof stackLib.startServices>) => {
    stack.processes.forEach((p) => expectedExits.add(p.child));
    await stack.stop();
  };
  const startOne = async (key: string) => {
    const stack = stackLib.startServices({ env, quiet: true, only: [key], onExit });
    for (const p of stack.processes) {
      p.child.stdout?.on('data', (c: Buffer) => logs.push(c.toString()));
      p.child.stderr?.on('data', (c: Buffer) => logs.push(c.toString()));
    }
    stacks.set(key, stack);
    await stack.waitHealthy(60_000);
  };
  const started = await Promise.allSettled(stackLib.SERVICES.map((s) => startOne(s.key)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Stop what did start: a process left running keeps jest from ever exiting.
    await Promise.all([...stacks.values()].map(stopStack));
    throw failed.reason;
  }
  const clients = {
    consent: createConsentClient(addresses.consent, { timeoutMs: 10_000, ...operator('signalpath.consent.v1.ConsentService') }),
    signal: createSignalClient(addresses.signal, { timeoutMs: 10_000, ...operator('signalpath.signal.v1.SignalService') }),
    profile: createProfileClient(addresses.profile, { timeoutMs: 10_000, ...operator('signalpath.profile.v1.ProfileService') }),
    ranking: createRankingClient(addresses.ranking, { timeoutMs: 10_000, ...operator('signalpath.ranking.v1.RankingService') }),
  };
  return {
    env,
    dbPrefix,
    addresses,
    clients,
    logs,
    keyRing: ring,
    tlsDir,
    operatorToken: (audience) => mintToken({ issuer: 'operator', audience, privateKey: ring.privateKey('operator') as KeyObject, ttlSeconds: 600 }),
    async stop() {
      Object.values(clients).forEach((c) => c.close());
      await Promise.all([...stacks.values()].map(stopStack));
    },
    async restart(key, restartOptions = {}) {
      const stack = stacks.get(key);
      if (stack) {
        if (restartOptions.kill) {
          stack.processes.forEach((p) => expectedExits.add(p.child));
          const exited = Promise.all(stack.processes.map((p) => new Promise((r) => p.child.once('exit', r))));
          stack.processes.forEach((p) => p.child.kill('SIGKILL'));
          await exited;
        } else {
          await stopStack(stack);
        }
      }
      await startOne(key);
    },
  };
}
