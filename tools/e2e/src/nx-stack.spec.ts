import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireMongoUri } from '@signalpath/mongo';
import stackLib = require('../../lib/stack.cjs');
import proc = require('../../lib/proc.cjs');

/**
 * `npm start` and the Nx stack (`nx run tools:stack`) must start the same processes: the same
 * node, flags, preloaded instrumentation, entry file, working directory, environment and ports.
 * Each is started as a person would (the Nx one through nx itself), its process table read from
 * /proc, and the two compared. The only differences allowed are what @nx/js:node adds to run a
 * program at all, each named below with why.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Variables Nx (not the stack) puts in a served process's environment. */
const NX_OWN_ENV = [
  /^NX_/, // Nx's task context, its loader's NX_FILE_TO_RUN / NX_MAPPINGS, and our NX_DAEMON / NX_TUI
  /^NODE_ENV$/, // @nx/js:node sets "development" when unset; no Signalpath code reads it
  /^NODE_CHANNEL_(FD|SERIALIZATION_MODE)$/, // the IPC channel of child_process.fork
  /^FORCE_COLOR$/, // Nx sets "true" for every task unless FORCE_COLOR=0 is given; the services log JSON
  /^LERNA_PACKAGE_NAME$/, // Nx sets it for every task (the project's name), for Lerna's sake
];
/** Nx's own node argument: source-map-support (npm start relies on --enable-source-maps alone). */
const isNxSourceMapSupport = (arg: string) => /[\\/]source-map-support[\\/]register\.js$/.test(arg);

interface Row {
  app: string;
  port: number;
  node: string;
  nodeArgs: string[];
  entry: string;
  cwd: string;
  env: Record<string, string>;
}

interface Started {
  child: ChildProcess;
  output: string[];
  /** Every process seen below `child`, so that nothing outlives the test. */
  seen: Set<number>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  // Its own process group, signalled as a terminal's Ctrl-C would signal the foreground group.
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  return { child, output, seen: new Set() };
}

async function waitServing(started: Started, ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      proc.descendants(started.child.pid!).forEach((pid) => started.seen.add(pid));
      if (started.child.exitCode !== null) throw new Error(`exited with code ${started.child.exitCode}: ${started.output.join('').slice(-2000)}`);
      if ((await stackLib.healthStatus(`127.0.0.1:${port}`)) === 'SERVING') break;
      if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} not SERVING within ${timeoutMs} ms: ${started.output.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The process listening on each service's port, as /proc shows it, normalised for comparison. */
function processTable(started: Started, ports: number[]): Row[] {
  const below = proc.descendants(started.child.pid!);
  below.forEach((pid) => started.seen.add(pid));
  return stackLib.SERVICES.map((service, i) => {
    const pid = proc.listeningPid(ports[i], below);
    if (pid === undefined) throw new Error(`nothing started by this run listens on ${ports[i]} (${service.app})`);
    const info = proc.processInfo(pid)!;
    const [node, ...rest] = info.argv;
    // npm start: node <args> main.js. Nx: node <args> -r source-map-support/register.js <loader>,
    // the loader importing NX_FILE_TO_RUN.
    const viaNx = info.env.NX_FILE_TO_RUN !== undefined;
    const args = rest.slice(0, -1).filter((arg, j, all) => !isNxSourceMapSupport(arg) && !(arg === '-r' && isNxSourceMapSupport(all[j + 1] ?? '')));
    const env = Object.fromEntries(Object.entries(info.env).filter(([name]) => !NX_OWN_ENV.some((own) => own.test(name))));
    return { app: service.app, port: ports[i], node, nodeArgs: args, entry: viaNx ? info.env.NX_FILE_TO_RUN : rest[rest.length - 1], cwd: info.cwd, env };
  });
}

/**
 * Ctrl-C, then waits for everything the run started to be gone; SIGKILLs what is left after
 * `graceMs` and returns those (none, when the run stops as it should).
 */
async function stopAll(started: Started, graceMs: number): Promise<string[]> {
  proc.descendants(started.child.pid!).forEach((pid) => started.seen.add(pid));
  const alive = (pid: number) => proc.processInfo(pid) !== undefined;
  if (started.child.exitCode === null) {
    try {
      process.kill(-started.child.pid!, 'SIGINT');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while ([started.child.pid!, ...started.seen].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = [started.child.pid!, ...started.seen].filter(alive);
  const described = left.map((pid) => `${pid} ${proc.processInfo(pid)?.argv.join(' ').slice(0, 160)}`);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return described;
}

describe('npm start and the Nx stack start the same process table', () => {
  const basePort = stackLib.testPort(31860);
  const ports = stackLib.SERVICES.map((_, i) => basePort + i + 1);
  let keysDir = '';
  let env: NodeJS.ProcessEnv;
  const runs: Started[] = [];
  let npmStart: Row[] = [];
  let nxStack: Row[] = [];
  /** What was still running a minute after Ctrl-C, per run. */
  const leftAfterCtrlC: Record<string, string[]> = {};

  beforeAll(async () => {
    keysDir = mkdtempSync(path.join(tmpdir(), 'nx-stack-keys-'));
    env = {
      ...process.env,
      MONGODB_URI: requireMongoUri(),
      MONGODB_DB_PREFIX: `nxstack_${randomBytes(3).toString('hex')}_`,
      SIGNALPATH_KEYS_DIR: keysDir,
      LOG_LEVEL: 'warn',
      RANKING_SEED_DEMO_CATALOG: 'false',
      ...Object.fromEntries(stackLib.SERVICES.map((s, i) => [s.portVar, String(ports[i])])),
    };
    // One after the other: the same ports, and half the load on a small machine.
    const plain = start(['tools/start.mjs'], env);
    runs.push(plain);
    await waitServing(plain, ports, 600_000);
    npmStart = processTable(plain, ports);
    leftAfterCtrlC['npm start'] = await stopAll(plain, 60_000);

    const nx = start([require.resolve('nx/bin/nx.js', { paths: [ROOT] }), 'run', 'tools:stack'], { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' });
    runs.push(nx);
    await waitServing(nx, ports, 600_000);
    nxStack = processTable(nx, ports);
    leftAfterCtrlC['nx run tools:stack'] = await stopAll(nx, 60_000);
  }, 1_500_000);

  afterAll(async () => {
    for (const run of runs) await stopAll(run, 30_000);
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  }, 120_000);

  it('runs the same node with the same flags, preload and entry file, in the same directory', () => {
    expect(nxStack.map(({ app, port, node, nodeArgs, entry, cwd }) => ({ app, port, node, nodeArgs, entry, cwd }))).toEqual(
      npmStart.map(({ app, port, node, nodeArgs, entry, cwd }) => ({ app, port, node, nodeArgs, entry, cwd })),
    );
    // And those are the stack description's: its flags, the service's own, the instrumentation first.
    for (const [i, service] of stackLib.SERVICES.entries()) {
      expect(npmStart[i].nodeArgs).toEqual(stackLib.serviceNodeArgs(service, ROOT));
      expect(npmStart[i].entry).toBe(stackLib.serviceMain(service, ROOT));
    }
  });

  it('gives every service the same environment (names and values), besides what Nx adds to run a program', () => {
    // Both were started from the same environment; what differs is what each launcher adds.
    const names = (rows: Row[]) => rows.map((r) => ({ app: r.app, names: Object.keys(r.env).sort() }));
    expect(names(nxStack)).toEqual(names(npmStart));
    const ignoredValues = new Set(['_', 'OLDPWD']); // the shell's last command and previous directory
    // Nx's run-commands puts node_modules/.bin and node's own directory (again) before PATH: the
    // same directories, so PATH compares as the set of its entries.
    const pathSet = (value: string) => [...new Set(value.split(':'))].sort().join(':');
    const values = (rows: Row[]) =>
      rows.map((r) => Object.fromEntries(Object.entries(r.env).filter(([name]) => !ignoredValues.has(name)).map(([name, value]) => [name, name === 'PATH' ? pathSet(value) : value])));
    expect(values(nxStack)).toEqual(values(npmStart));
    for (const row of npmStart) expect(row.env.MONGODB_URI).toBe(env.MONGODB_URI);
  });

  it('stops everything it started on Ctrl-C', () => {
    expect(leftAfterCtrlC).toEqual({ 'npm start': [], 'nx run tools:stack': [] });
    for (const port of ports) expect(proc.listeningPid(port)).toBeUndefined();
  });
});

describe('REPLICAS=2 npm start', () => {
  const basePort = stackLib.testPort(31860);
  const ports = stackLib.SERVICES.map((_, i) => basePort + i + 1);
  const replicaPorts = ports.map((port) => port + stackLib.REPLICA_PORT_STEP);
  let run: Started | undefined;

  afterAll(async () => {
    if (run) await stopAll(run, 30_000);
  }, 120_000);

  it('runs two processes of each service, each reaching the others through both replicas, and Ctrl-C stops all eight', async () => {
    const keysDir = mkdtempSync(path.join(tmpdir(), 'replicas-keys-'));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MONGODB_URI: requireMongoUri(),
        MONGODB_DB_PREFIX: `replicas_${randomBytes(3).toString('hex')}_`,
        SIGNALPATH_KEYS_DIR: keysDir,
        LOG_LEVEL: 'warn',
        RANKING_SEED_DEMO_CATALOG: 'false',
        REPLICAS: '2',
        ...Object.fromEntries(stackLib.SERVICES.map((s, i) => [s.portVar, String(ports[i])])),
      };
      run = start(['tools/start.mjs'], env);
      await waitServing(run, [...ports, ...replicaPorts], 600_000);
      const below = proc.descendants(run.child.pid!);
      for (const [i, service] of stackLib.SERVICES.entries()) {
        const pids = [ports[i], replicaPorts[i]].map((port) => proc.listeningPid(port, below));
        expect(pids.every((pid) => pid !== undefined)).toBe(true);
        expect(new Set(pids).size).toBe(2);
        for (const pid of pids) {
          const serviceEnv = proc.processInfo(pid!)!.env;
          // Every other service named as the comma list of its two replicas.
          for (const [j, other] of stackLib.SERVICES.entries()) {
            if (other.key !== service.key) expect(serviceEnv[other.addrVar]).toBe(`127.0.0.1:${ports[j]},127.0.0.1:${replicaPorts[j]}`);
          }
        }
      }
      // The printed table names both replicas of each service. npm start prints it once its own
      // health checks pass, which may be a moment after ours: wait for it (progress, bounded).
      for (const until = Date.now() + 60_000; !run.output.join('').includes('Signalpath is up') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      for (const [i] of stackLib.SERVICES.entries()) expect(run.output.join('')).toContain(`127.0.0.1:${ports[i]}, 127.0.0.1:${replicaPorts[i]}`);
      expect(await stopAll(run, 60_000)).toEqual([]);
      for (const port of [...ports, ...replicaPorts]) expect(proc.listeningPid(port)).toBeUndefined();
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  }, 900_000);
});
