// Builds and runs the four services as child processes, waits for health, and stops them
// gracefully. Shared by `npm start`, the smoke test and the end-to-end tools.
// CommonJS so that both the .mjs tools and jest (TypeScript compiled to CommonJS) can use it.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

const SERVICES = [
  { key: 'consent', app: 'consent-service', grpcService: 'signalpath.consent.v1.ConsentService', portVar: 'CONSENT_PORT', defaultPort: 50051 },
  {
    key: 'signal',
    app: 'signal-service',
    grpcService: 'signalpath.signal.v1.SignalService',
    portVar: 'SIGNAL_PORT',
    defaultPort: 50052,
    // V8 sizes its major-GC trigger from the old-space limit. With the default (~4 GB on a 24 GB
    // machine) ingest load let old space fill with garbage (heapUsed 140 MB, ~50 MB live, RSS
    // 206–222 MB); with 256 MB it collects sooner: RSS 135–138 MB for ~7% less ingest throughput
    // (noisy; 3 alternating runs each). Only here: on Rank the same limit cost 10–15%.
    nodeFlags: ['--max-old-space-size=256'],
  },
  { key: 'profile', app: 'profile-service', grpcService: 'signalpath.profile.v1.ProfileService', portVar: 'PROFILE_PORT', defaultPort: 50053 },
  { key: 'ranking', app: 'ranking-service', grpcService: 'signalpath.ranking.v1.RankingService', portVar: 'RANKING_PORT', defaultPort: 50054 },
];

/**
 * Node flags every service runs with (the apps' `serve` targets use the same), measured with
 * tools/bench/stack.ts: a 4 MB young-generation semi-space (V8's default is 16 MB) keeps fewer
 * bytes between scavenges, lowering RSS under load at no throughput cost measurable above noise.
 */
const NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=4'];

function buildServices() {
  const result = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', SERVICES.map((s) => s.app).join(','), '--output-style=static'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  if (result.status !== 0) throw new Error('build failed');
}

/** Ports from the environment (validated by the services themselves) or the defaults. */
function servicePorts(env = process.env) {
  return Object.fromEntries(SERVICES.map((s) => [s.key, Number(env[s.portVar] || s.defaultPort)]));
}

/**
 * The TLS settings a health check needs when the services run with mTLS (SIGNALPATH_TLS_DIR,
 * relative to the repository like the services resolve it): the operator's client certificate,
 * and the identity the server at that port must prove. Undefined without TLS.
 */
function healthTls(env, app) {
  const dir = env.SIGNALPATH_TLS_DIR;
  return dir ? { dir: path.resolve(ROOT, dir), serverIdentity: app } : undefined;
}

/**
 * Asks grpc.health.v1.Health/Check; resolves 'SERVING', 'NOT_SERVING', ... or 'DOWN'. With `tls`
 * ({ dir, serverIdentity }), over mTLS as the operator, accepting only a server certificate that
 * names spiffe://signalpath/<serverIdentity> for serverAuth (as libs/service-auth/src/tls.ts).
 */
function healthStatus(address, service = '', tls) {
  const grpc = require('@grpc/grpc-js');
  const { service: healthDefinition } = require('grpc-health-check');
  const Client = grpc.makeGenericClientConstructor(healthDefinition, 'Health');
  let channelCredentials = grpc.credentials.createInsecure();
  let options = {};
  if (tls) {
    const { readFileSync } = require('node:fs');
    const file = (name) => readFileSync(path.join(tls.dir, 'operator', name));
    const expected = `URI:spiffe://signalpath/${tls.serverIdentity}`;
    channelCredentials = grpc.credentials.createSsl(file('ca.pem'), file('client.key'), file('client.pem'), {
      checkServerIdentity: (_host, cert) =>
        (cert.subjectaltname ?? '').split(', ').filter((entry) => entry.startsWith('URI:spiffe://')).join() === expected &&
        (cert.ext_key_usage ?? []).includes('1.3.6.1.5.5.7.3.1')
          ? undefined
          : new Error(`server certificate is not ${expected} for serverAuth`),
    });
    options = { 'grpc.ssl_target_name_override': tls.serverIdentity };
  }
  const client = new Client(address, channelCredentials, options);
  return new Promise((resolve) => {
    client.check({ service }, { deadline: Date.now() + 1000 }, (error, response) => {
      client.close();
      if (error) return resolve('DOWN');
      const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
      resolve(typeof response.status === 'number' ? names[response.status] : response.status);
    });
  });
}

/**
 * Spawns every service with `env` (must include MONGODB_URI and the ports). Output is prefixed
 * with the service name. Returns { processes, waitHealthy, stop }.
 */
function startServices({ env, onExit, quiet = false, only } = {}) {
  const processes = [];
  for (const service of SERVICES.filter((s) => !only || only.includes(s.key))) {
    const dist = path.join(ROOT, 'dist', 'apps', service.app);
    const child = spawn(process.execPath, [...NODE_FLAGS, ...(service.nodeFlags ?? []), '--require', path.join(dist, 'instrumentation.js'), path.join(dist, 'main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderrLines = [];
    const pipe = (stream, target, keep) => {
      let buffered = '';
      stream.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
          if (keep) keep.push(line);
          if (!quiet) target.write(`[${service.key}] ${line}\n`);
        }
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr, stderrLines);
    const entry = { ...service, child, stderrLines, port: Number(env[service.portVar] || service.defaultPort) };
    child.once('exit', (code, signal) => onExit?.(entry, code, signal));
    processes.push(entry);
  }

  async function waitHealthy(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (const entry of processes) {
      for (;;) {
        if (entry.child.exitCode !== null || entry.child.signalCode !== null) {
          const how = entry.child.exitCode !== null ? `with code ${entry.child.exitCode}` : `on ${entry.child.signalCode}`;
          throw new Error(`${entry.app} exited ${how}: ${entry.stderrLines.slice(-5).join(' | ')}`);
        }
        if ((await healthStatus(`127.0.0.1:${entry.port}`, '', healthTls(env, entry.app))) === 'SERVING') break;
        if (Date.now() > deadline) throw new Error(`${entry.app} not SERVING within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** SIGTERM to each service (graceful shutdown), SIGKILL after `graceMs`. */
  async function stop(graceMs = 15_000) {
    await Promise.all(
      processes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  return { processes, waitHealthy, stop };
}

/**
 * A fixed test or benchmark port, shifted by SIGNALPATH_TEST_PORT_OFFSET (default 0) so that two
 * checkouts on one machine can run their suites side by side without sharing a port.
 */
function testPort(base, env = process.env) {
  const offset = Number(env.SIGNALPATH_TEST_PORT_OFFSET || 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 20_000) throw new Error(`SIGNALPATH_TEST_PORT_OFFSET must be a whole number 0-20000 (got "${env.SIGNALPATH_TEST_PORT_OFFSET}")`);
  return base + offset;
}

module.exports = { NODE_FLAGS, SERVICES, buildServices, servicePorts, healthStatus, healthTls, startServices, testPort };
