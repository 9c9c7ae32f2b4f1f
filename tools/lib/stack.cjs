// Builds and runs the four services as child processes, waits for health, and stops them
// gracefully. Shared by `npm start`, the smoke test and the end-to-end tools.
// CommonJS so that both the .mjs tools and jest (TypeScript compiled to CommonJS) can use it.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

// The stack description (services, gRPC names, ports, variable names, node flags, and why each
// flag): the one source npm start, the Nx targets (tools/nx/service-targets.cjs), the tests, the
// benchmarks and @signalpath/config read.
const STACK = require('../../libs/config/src/stack.json');

/** The services in start order: { key, app, grpcService, userData?, portVar, addrVar, defaultPort, metricsPortVar, defaultMetricsPort, nodeFlags? }. */
const SERVICES = STACK.services;

/** Node flags every service runs with (stack.json says why); a service may add its own. */
const NODE_FLAGS = STACK.nodeFlags;

/**
 * The node arguments before the entry file for `service`: the flags, then the preloaded
 * OpenTelemetry instrumentation (it must patch grpc-js and mongodb before main requires them).
 * `root` is the workspace root the dist/ paths are under. The Nx serve targets use the same.
 */
function serviceNodeArgs(service, root = ROOT, nodeFlags = NODE_FLAGS) {
  return [...nodeFlags, ...(service.nodeFlags ?? []), '--require', path.join(root, 'dist', 'apps', service.app, 'instrumentation.js')];
}

/** The built entry file of `service`. */
function serviceMain(service, root = ROOT) {
  return path.join(root, 'dist', 'apps', service.app, 'main.js');
}

function buildServices() {
  const result = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', SERVICES.map((s) => s.app).join(','), '--output-style=static'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    // Bounded like every step of npm test (a build normally takes seconds).
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) throw new Error(result.error ? `build failed: ${result.error.message}` : 'build failed');
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
 * The scrape endpoint settings for a run: a service moved off its default gRPC port (a test, a
 * benchmark, a second stack beside `npm start`) gets no scrape endpoint unless the caller names
 * its port, so parallel runs never fight over 9461–9464. `npm start` keeps the defaults.
 */
function metricsPortEnv(env) {
  const extra = {};
  for (const s of SERVICES) {
    const moved = env[s.portVar] && Number(env[s.portVar]) !== s.defaultPort;
    if (moved && env[s.metricsPortVar] === undefined) extra[s.metricsPortVar] = 'off';
  }
  return extra;
}

/** Replica r (from 0) of a service listens this many ports × r above the service's port, its scrape endpoint likewise. */
const REPLICA_PORT_STEP = 10;

/** How many processes of each service to run: REPLICAS (default 1), a whole number 1–9. */
function replicaCount(env = process.env) {
  const value = env.REPLICAS === undefined || env.REPLICAS === '' ? 1 : Number(env.REPLICAS);
  if (!Number.isInteger(value) || value < 1 || value > 9) throw new Error(`REPLICAS must be a whole number 1-9 (got "${env.REPLICAS}")`);
  return value;
}

/** The addresses of every replica of each service: { consent: ['127.0.0.1:50051', '127.0.0.1:50061'], … }. */
function replicaAddresses(env, replicas) {
  const ports = servicePorts(env);
  return Object.fromEntries(SERVICES.map((s) => [s.key, Array.from({ length: replicas }, (_, r) => `127.0.0.1:${ports[s.key] + r * REPLICA_PORT_STEP}`)]));
}

/**
 * The environment of replica `replica` of `service`: its own gRPC and scrape ports, and — with
 * several replicas — every caller's address of each service as the comma list of its replicas,
 * which the clients spread calls over (round robin, libs/grpc-kit/src/clients.ts). An address
 * the caller set (*_ADDR) is kept.
 */
function replicaEnv(env, service, replica, replicas) {
  const merged = { SIGNALPATH_ENV: 'development', SIGNALPATH_DEV_KEYS: 'true', ...metricsPortEnv(env), ...env };
  if (replicas > 1) {
    const addresses = replicaAddresses(env, replicas);
    for (const s of SERVICES) if (s.addrVar && !env[s.addrVar]) merged[s.addrVar] = addresses[s.key].join(',');
  }
  if (replica > 0) {
    merged[service.portVar] = String(servicePorts(env)[service.key] + replica * REPLICA_PORT_STEP);
    const metricsPort = merged[service.metricsPortVar] ?? String(service.defaultMetricsPort);
    if (/^\d+$/.test(metricsPort)) merged[service.metricsPortVar] = String(Number(metricsPort) + replica * REPLICA_PORT_STEP);
  }
  return merged;
}

/**
 * Spawns every service with `env` (must include MONGODB_URI and the ports), `replicas` processes
 * of each (default: REPLICAS from env, else 1); `only` names services, `onlyReplica` one replica
 * index. Output is prefixed with the service name (and replica). Returns { processes, waitHealthy, stop }.
 */
function startServices({ env, onExit, quiet = false, only, replicas = replicaCount(env), onlyReplica } = {}) {
  const processes = [];
  const starts = SERVICES.filter((s) => !only || only.includes(s.key)).flatMap((service) =>
    Array.from({ length: replicas }, (_, replica) => ({ service, replica })).filter(({ replica }) => onlyReplica === undefined || replica === onlyReplica),
  );
  for (const { service, replica } of starts) {
    const childEnv = replicaEnv(env, service, replica, replicas);
    const label = replicas > 1 ? `${service.key}#${replica}` : service.key;
    const child = spawn(process.execPath, [...serviceNodeArgs(service), serviceMain(service)], {
      cwd: ROOT,
      // npm start, the smoke test, the end-to-end suites and the benchmarks are development runs
      // (built-in secrets and generated development keys allowed) unless the caller says otherwise.
      env: childEnv,
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
          if (!quiet) target.write(`[${label}] ${line}\n`);
        }
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr, stderrLines);
    const entry = { ...service, replica, child, stderrLines, port: Number(childEnv[service.portVar] || service.defaultPort) };
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

module.exports = { NODE_FLAGS, REPLICA_PORT_STEP, SERVICES, STACK, metricsPortEnv, replicaAddresses, replicaCount, serviceNodeArgs, serviceMain, buildServices, servicePorts, healthStatus, healthTls, startServices, testPort };
