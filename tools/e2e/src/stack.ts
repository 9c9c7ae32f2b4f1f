import { execFileSync } from 'node:child_process';
import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireMongoUri } from '@signalpath/mongo';
import { ensureDevKeys, loadKeyRing, loadTlsIdentity, mintToken, type KeyRing } from '@signalpath/service-auth';
import { createConsentClient, createProfileClient, createRankingClient, createSignalClient, identityOptionsOf } from '@signalpath/service-clients';
// The same process manager `npm start` uses (CommonJS so jest can load it).
import stackLib = require('../../lib/stack.cjs');

export interface E2eStack {
  env: NodeJS.ProcessEnv;
  dbPrefix: string;
  /** Each service's address: with replicas, the comma list of them (clients spread calls round robin). */
  addresses: Record<ServiceKey, string>;
  /** Each replica's own address, in replica order. */
  replicaAddresses: Record<ServiceKey, string[]>;
  /** Operator clients of the stack (with replicas, spread over them round robin). */
  clients: StackClients;
  /** Operator clients of each replica alone, in replica order. */
  replicaClients: StackClients[];
  /** A service token of the `operator` identity for `audience` (grpcurl, Python), valid 10 minutes. */
  operatorToken(audience: string): Promise<string>;
  /** The key ring of this run's development keys (every identity). */
  keyRing: KeyRing;
  /** With `tls`: the certificate directory (SIGNALPATH_TLS_DIR) made by tools/certs.mjs for this run. */
  tlsDir?: string;
  /** Log lines (stdout and stderr) of every service, for leak scans. */
  logs: string[];
  stop(): Promise<void>;
  /** Stops one service — every replica, or only `replica` — (SIGTERM, or SIGKILL when `kill`) and starts it again. */
  restart(key: string, options?: { kill?: boolean; replica?: number }): Promise<void>;
}

type ServiceKey = 'consent' | 'signal' | 'profile' | 'ranking';

export interface StackClients {
  consent: ReturnType<typeof createConsentClient>;
  signal: ReturnType<typeof createSignalClient>;
  profile: ReturnType<typeof createProfileClient>;
  ranking: ReturnType<typeof createRankingClient>;
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
export async function startE2eStack(options: { basePort: number; otlpEndpoint?: string; extraEnv?: Record<string, string>; tls?: boolean; replicas?: number }): Promise<E2eStack> {
  const basePort = testPort(options.basePort);
  const replicas = options.replicas ?? 1;
  refuseEphemeralPorts(basePort + 1, basePort + stackLib.SERVICES.length + (replicas - 1) * stackLib.REPLICA_PORT_STEP);
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
  stackLib.SERVICES.forEach((service, index) => (env[service.portVar] = String(basePort + index + 1)));
  const replicaAddresses = stackLib.replicaAddresses(env, replicas) as E2eStack['replicaAddresses'];
  const addresses = Object.fromEntries(Object.entries(replicaAddresses).map(([key, list]) => [key, list.join(',')])) as E2eStack['addresses'];
  // With replicas, `env` names every replica of each service, as the services get it: tools run
  // with this env (the demo) spread their calls the same way.
  if (replicas > 1) for (const service of stackLib.SERVICES) env[service.addrVar] ??= addresses[service.key as ServiceKey];
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
  // One process manager per replica, so that one replica can be stopped or killed alone.
  const startOne = async (key: string, replica: number) => {
    const stack = stackLib.startServices({ env, quiet: true, only: [key], replicas, onlyReplica: replica, onExit });
    const own: string[] = [];
    for (const p of stack.processes) {
      p.child.stdout?.on('data', (c: Buffer) => (logs.push(c.toString()), own.push(c.toString())));
      p.child.stderr?.on('data', (c: Buffer) => (logs.push(c.toString()), own.push(c.toString())));
    }
    stacks.set(`${key}#${replica}`, stack);
    await stack.waitHealthy(60_000).catch((error: Error) => {
      // Say what the process was doing: a start that never becomes SERVING is otherwise opaque.
      throw new Error(`${error.message} (replica ${replica}); its last output:\n${own.join('').split('\n').slice(-12).join('\n')}`);
    });
  };
  const replicaIndexes = Array.from({ length: replicas }, (_, replica) => replica);
  const started = await Promise.allSettled(stackLib.SERVICES.flatMap((s) => replicaIndexes.map((replica) => startOne(s.key, replica))));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Stop what did start: a process left running keeps jest from ever exiting.
    await Promise.all([...stacks.values()].map(stopStack));
    throw failed.reason;
  }
  const clientsOf = (at: Record<ServiceKey, string>): StackClients => ({
    consent: createConsentClient(at.consent, { timeoutMs: 10_000, ...operator('signalpath.consent.v1.ConsentService') }),
    signal: createSignalClient(at.signal, { timeoutMs: 10_000, ...operator('signalpath.signal.v1.SignalService') }),
    profile: createProfileClient(at.profile, { timeoutMs: 10_000, ...operator('signalpath.profile.v1.ProfileService') }),
    ranking: createRankingClient(at.ranking, { timeoutMs: 10_000, ...operator('signalpath.ranking.v1.RankingService') }),
  });
  const clients = clientsOf(addresses);
  const replicaClients = replicaIndexes.map((replica) => clientsOf({ consent: replicaAddresses.consent[replica], signal: replicaAddresses.signal[replica], profile: replicaAddresses.profile[replica], ranking: replicaAddresses.ranking[replica] }));
  return {
    env,
    dbPrefix,
    addresses,
    replicaAddresses,
    clients,
    replicaClients,
    logs,
    keyRing: ring,
    tlsDir,
    operatorToken: (audience) => mintToken({ issuer: 'operator', audience, privateKey: ring.privateKey('operator') as KeyObject, ttlSeconds: 600 }),
    async stop() {
      for (const set of [clients, ...replicaClients]) Object.values(set).forEach((c) => c.close());
      await Promise.all([...stacks.values()].map(stopStack));
    },
    async restart(key, restartOptions = {}) {
      const which = restartOptions.replica === undefined ? replicaIndexes : [restartOptions.replica];
      await Promise.all(
        which.map(async (replica) => {
          const stack = stacks.get(`${key}#${replica}`);
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
          await startOne(key, replica);
        }),
      );
    },
  };
}
