#!/usr/bin/env node
// `npm run deploy:image -- <app>`: builds deploy/docker/<app>.Dockerfile with
// buildah (Debian's package; no Docker engine needed) and runs the image's own health check:
// the service is started from the image as its user with keys mounted read-only, against
// MONGODB_URI (a prefixed database), must turn SERVING, must answer NOT_SERVING during the
// shutdown drain, and must stop gracefully on SIGTERM.
// Here buildah runs with `--isolation chroot` (the OCI runtime cannot: this sandbox's cgroups are
// in hybrid mode) on vfs storage, so the container shares the host network, and ports are host ports.
// Where Docker Hub is unreachable the pinned base cannot be pulled: docs/deploy.md says how a local
// stand-in under the same name was made here to build and run the Dockerfile anyway.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const require = createRequire(import.meta.url);
const { SERVICES, testPort } = require('./lib/stack.cjs');
const { NODE_IMAGE, dockerfilePath } = require('./deploy/dockerfile.cjs');

const [app] = process.argv.slice(2);
const service = SERVICES.find((s) => s.app === app);
if (!service) {
  console.error(`usage: npm run deploy:image -- <${SERVICES.map((s) => s.app).join('|')}>`);
  process.exit(2);
}
const env = { ...process.env, STORAGE_DRIVER: 'vfs' };
const buildah = (args, options = {}) => execFileSync('buildah', args, { env, encoding: 'utf8', ...options });
const log = (m) => console.error(`[deploy-image] ${m}`);
const image = `localhost/signalpath/${app}:dev`;
const baseRef = `docker.io/library/${NODE_IMAGE}`;

if (spawnSync('buildah', ['--version'], { env }).status !== 0) {
  console.error('buildah is not installed: apt-get install -y buildah');
  process.exit(1);
}

log(`building ${image} from ${dockerfilePath(app)}`);
// --format docker: the OCI image format has no HEALTHCHECK, and buildah drops it with a warning.
const built = spawnSync('buildah', ['bud', '--isolation', 'chroot', '--layers', '--format', 'docker', '-f', dockerfilePath(app), '-t', image, '.'], { cwd: ROOT, env, stdio: 'inherit' });
if (built.status !== 0) {
  log(`build failed (exit ${built.status}); if it could not pull ${baseRef}, see docs/deploy.md ("What is validated where")`);
  process.exit(1);
}
const config = JSON.parse(buildah(['inspect', '--type', 'image', image])).Docker.config;
log(`image user ${config.User}, health check ${JSON.stringify(config.Healthcheck?.Test)}, command ${JSON.stringify(config.Cmd)}`);

// Keys as a Secret would mount them: this service's private key and every public key.
execFileSync(process.execPath, [path.join(ROOT, 'tools', 'run.mjs'), 'tools/deploy-secrets.ts'], { cwd: ROOT, stdio: 'ignore' });
const keys = path.join(ROOT, 'deploy', 'compose', 'secrets', app);
if (!process.env.MONGODB_URI) throw new Error('set MONGODB_URI (e.g. the local database: npm run db)');
const port = String(testPort(31790));
const container = buildah(['from', image]).trim();
const runEnv = ['--env', `${service.portVar}=${port}`];
const health = () => spawnSync('buildah', ['run', '--isolation', 'chroot', ...runEnv, container, '--', ...config.Healthcheck.Test.slice(1)], { env, encoding: 'utf8' });
let failed = false;
async function waitFor(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
const expect = (what, ok) => {
  log(`${ok ? '✔' : '✘'} ${what}`);
  if (!ok) failed = true;
};
// SignalService's hash secret, as compose passes it (the placeholder tools/deploy-secrets.ts made).
const signalEnv = path.join(ROOT, 'deploy', 'compose', 'secrets', 'signal.env');
const secretEnv = service.key === 'signal' ? ['--env', readFileSync(signalEnv, 'utf8').trim()] : [];
const run = spawn(
  'buildah',
  ['run', '--isolation', 'chroot', '-v', `${keys}:/etc/signalpath/keys:ro`, ...runEnv, ...secretEnv, '--env', `MONGODB_URI=${process.env.MONGODB_URI}`, '--env', `MONGODB_DB_PREFIX=image_${process.pid}_`, '--env', 'SHUTDOWN_DRAIN=3s', container, '--', ...config.Cmd],
  { env, stdio: ['ignore', 'pipe', 'pipe'] },
);
const lines = [];
for (const stream of [run.stdout, run.stderr]) stream.on('data', (chunk) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
try {
  let status;
  const deadline = Date.now() + 120_000;
  do {
    await new Promise((r) => setTimeout(r, 500));
    status = health();
  } while (status.status !== 0 && Date.now() < deadline && run.exitCode === null);
  expect(`health check in the image: ${status.stdout.trim()} (exit ${status.status})`, status.status === 0);
  // Log lines may reach the pipe a little after health turned SERVING.
  await waitFor(() => lines.some((l) => l.includes('listening')), 10_000);
  expect('listens on 0.0.0.0', lines.some((l) => l.includes('"host":"0.0.0.0"')));
  // The service's process: node as uid 1000 running the image's bundle (chroot isolation puts a
  // buildah-chroot-exec wrapper with the same arguments above it; the stack runs dist/apps/…).
  const pids = spawnSync('pgrep', ['-u', '1000', '-f', '--', `^/usr/local/bin/node .*${config.Cmd.slice(-3).join(' ')}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  expect(`one service process, running as uid 1000 (found ${pids.length})`, pids.length === 1);
  const pid = pids[0];
  if (pids.length !== 1) throw new Error('cannot tell which process to stop');
  process.kill(Number(pid), 'SIGTERM');
  if (!(await waitFor(() => lines.some((l) => l.includes('"msg":"shutting down"')), 10_000))) throw new Error('no "shutting down" log line after SIGTERM');
  const draining = health();
  expect(`during the drain: ${draining.stdout.trim()} (exit ${draining.status})`, draining.status === 1 && draining.stdout.includes('NOT_SERVING'));
  const code = await new Promise((resolve) => (run.exitCode !== null ? resolve(run.exitCode) : run.once('exit', resolve)));
  expect(`stopped gracefully (exit ${code}): ${lines.filter((l) => l.includes('"msg":"stopped"')).join('')}`, code === 0);
} finally {
  if (run.exitCode === null) run.kill('SIGKILL');
  buildah(['rm', container], { stdio: 'ignore' });
}
console.log(`deploy-image: ${app} ${failed ? 'FAILED' : 'built and healthy'}`);
process.exitCode = failed ? 1 : 0;
