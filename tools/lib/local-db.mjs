// Provides a MongoDB-compatible server for local runs and tests:
//   MONGODB_URI set → use it; a server already on the port → reuse it; `mongod` on PATH → start it;
//   else FerretDB v1 with SQLite (built once into .tools/bin); else explain how to set MONGODB_URI.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DATA_DIR } from './paths.mjs';
import { ensureGoTool, hasGo } from './go-tools.mjs';

export function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(host, port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`database process exited with code ${child.exitCode}`);
    if (await portOpen(host, port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`database did not open ${host}:${port} within ${timeoutMs} ms`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts (or finds) the database. Returns { uri, kind, stop }. `stop` is a no-op for servers this
 * call did not start. The child also exits by itself if this process dies.
 */
export async function startLocalDatabase({ log = (m) => console.error(m), port = Number(process.env.LOCAL_DB_PORT ?? 27017) } = {}) {
  const host = '127.0.0.1';
  // Tests that stop and restart a database of their own (libs/mongo private-database) run this
  // FerretDB build, whatever serves MONGODB_URI; they find it through the environment.
  if (!process.env.SIGNALPATH_FERRETDB_BINARY && hasGo()) process.env.SIGNALPATH_FERRETDB_BINARY = ensureGoTool('ferretdb', log);
  if (process.env.MONGODB_URI) {
    log(`[db] using MONGODB_URI from the environment`);
    return { uri: process.env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }
  const uri = `mongodb://${host}:${port}/`;
  if (await portOpen(host, port)) {
    log(`[db] a server is already listening on ${host}:${port}; using it`);
    return { uri, kind: 'existing', stop: async () => {} };
  }
  let child;
  let kind;
  if (onPath('mongod')) {
    kind = 'mongod';
    const dbPath = path.join(DATA_DIR, 'mongod');
    mkdirSync(dbPath, { recursive: true });
    child = spawn('mongod', ['--dbpath', dbPath, '--port', String(port), '--bind_ip', host, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (hasGo()) {
    kind = 'ferretdb (sqlite)';
    const binary = ensureGoTool('ferretdb', log);
    const dataDir = path.join(DATA_DIR, 'ferretdb');
    child = spawn(binary, ['-listen-addr', `${host}:${port}`, '-data-dir', dataDir, '-exit-with-parent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    throw new Error(
      'no database available: set MONGODB_URI to a MongoDB server (e.g. mongodb://127.0.0.1:27017/), ' +
        'put `mongod` on PATH, or install Go >= 1.24 so FerretDB can be built',
    );
  }
  await waitForPort(host, port, child, 60_000);
  log(`[db] started ${kind} on ${uri}`);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { uri, kind, stop, child };
}
