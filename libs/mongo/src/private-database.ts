import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/**
 * The FerretDB v1 wrapper binary `npm test` / `npm start` provision (tools/lib/local-db.mjs sets
 * SIGNALPATH_FERRETDB_BINARY). Its file name carries a hash of its sources (tools/lib/ferretdb.cjs);
 * without the variable (a test run by hand), the most recently built one in .tools/bin.
 */
export function ferretdbBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SIGNALPATH_FERRETDB_BINARY) return env.SIGNALPATH_FERRETDB_BINARY;
  const bin = path.join(ROOT, '.tools', 'bin');
  const builds = existsSync(bin) ? readdirSync(bin).filter((name) => /^ferretdb-[0-9a-f]{12}$/.test(name)) : [];
  const newest = builds.map((name) => path.join(bin, name)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no FerretDB build in ${bin}: run npm test or node tools/local-db.mjs once to build it, or set SIGNALPATH_FERRETDB_BINARY`);
  return newest;
}

/**
 * A database a test can stop and start: a FerretDB process of its own (SQLite, a temporary data
 * directory), on a fixed port so clients reconnect to the same address after a restart.
 */
export interface PrivateDatabase {
  uri: string;
  port: number;
  running(): boolean;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * A suite's fixed port shifted by SIGNALPATH_TEST_PORT_OFFSET, as tools/lib/stack.cjs does for
 * the end-to-end suites, so two checkouts on one machine can test side by side. Keep fixed ports
 * below 32768: Linux hands out 32768–60999 to outgoing connections.
 */
export function testPort(base: number, env: NodeJS.ProcessEnv = process.env): number {
  const offset = Number(env.SIGNALPATH_TEST_PORT_OFFSET || 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 20_000) throw new Error(`SIGNALPATH_TEST_PORT_OFFSET must be a whole number 0-20000 (got "${env.SIGNALPATH_TEST_PORT_OFFSET}")`);
  return base + offset;
}

/** Every private database still running, stopped when the test process exits whatever happens. */
const live = new Set<ChildProcess>();
let exitHook = false;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts a private FerretDB on `port` (pass a suite's fixed port through testPort / the port
 * offset, below the ephemeral range). Call `close()` in afterAll; the process is also killed when
 * the test process exits, and FerretDB exits by itself when its parent dies (-exit-with-parent).
 */
export async function startPrivateDatabase(port: number): Promise<PrivateDatabase> {
  const binary = ferretdbBinary();
  if (await portOpen(port)) throw new Error(`127.0.0.1:${port} is taken; a private database needs it`);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'private-ferretdb-'));
  let child: ChildProcess | undefined;
  let closed = false;

  const start = async () => {
    if (closed) throw new Error('private database closed');
    if (child && child.exitCode === null && child.signalCode === null) return;
    const started = spawn(binary, ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataDir, '-exit-with-parent'], { stdio: 'ignore' });
    child = started;
    live.add(started);
    started.once('exit', () => live.delete(started));
    await waitFor(`private database on ${port}`, async () => started.exitCode === null && (await portOpen(port)), 30_000);
  };
  const stop = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await waitFor(`port ${port} released`, async () => !(await portOpen(port)), 10_000);
  };
  await start();
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    running: () => Boolean(child && child.exitCode === null && child.signalCode === null),
    start,
    stop,
    async close() {
      if (closed) return;
      await stop();
      closed = true;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
