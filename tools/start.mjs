#!/usr/bin/env node
// `npm start`: database + the four services, ready for grpcurl. Ctrl-C / SIGTERM stops everything.
// `--watch` (= `nx run tools:stack`): the same, but the services run through their Nx serve
// targets, rebuilt and restarted on every change (tools/lib/nx-serve.cjs).
import { spawnSync } from 'node:child_process';
import { ensureGoTool, hasGo } from './lib/go-tools.mjs';
import { startLocalDatabase } from './lib/local-db.mjs';
import { ROOT } from './lib/paths.mjs';
import { SERVICES, buildServices, replicaAddresses, replicaCount, servicePorts, startServices } from './lib/stack.cjs';
import { startNxServe } from './lib/nx-serve.cjs';

const log = (message) => console.error(message);
const watch = process.argv.includes('--watch');

// `npm start` is a development run: built-in development secrets are allowed (SIGNALPATH_ENV).
process.env.SIGNALPATH_ENV ??= 'development';

// REPLICAS runs several processes of each service (npm start only: the watch mode restarts one).
let replicas;
try {
  replicas = replicaCount(process.env);
  if (watch && replicas > 1) throw new Error('REPLICAS > 1 is for npm start; --watch runs one process of each service');
} catch (error) {
  log(`[start] ${error.message}`);
  process.exit(2);
}

// Same validation the services run at start, before anything slow happens.
const check = spawnSync(process.execPath, ['tools/run.mjs', 'tools/check-config.ts'], { cwd: ROOT, stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);

let grpcurl = 'grpcurl';
if (hasGo()) {
  try {
    grpcurl = ensureGoTool('grpcurl', log);
  } catch (error) {
    log(`[tools] grpcurl unavailable (${error.message}); the services still start`);
  }
}

let db;
let stack;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('[start] stopping services…');
  await stack?.stop();
  await db?.stop();
  log('[start] stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  db = await startLocalDatabase({ log });
  if (!watch) buildServices();
  // A local run is development: keys are generated into .keys/ unless the caller says otherwise.
  const env = { ...process.env, MONGODB_URI: db.uri, SIGNALPATH_DEV_KEYS: process.env.SIGNALPATH_DEV_KEYS ?? 'true' };
  stack = (watch ? startNxServe : startServices)({
    env,
    onExit: (entry, code, signal) => {
      if (stopping) return;
      log(`[start] ${entry.app} exited unexpectedly (code ${code}, signal ${signal})`);
      void shutdown(1);
    },
  });
  const started = Date.now();
  await stack.waitHealthy(120_000);
  const ports = servicePorts(env);
  // REPLICAS=n: n processes of each service, each replica REPLICA_PORT_STEP ports above the last;
  // the services reach each other's replicas round robin.
  const addresses = replicaAddresses(env, replicas);
  const rows = SERVICES.map((s) => `  ${s.grpcService.padEnd(40)} ${addresses[s.key].join(', ')}`);
  // grpcurl's transport flags: plaintext, or with mTLS the operator's certificate and the name of
  // the service it must reach (each server certificate carries its identity as a DNS name).
  const tlsDir = env.SIGNALPATH_TLS_DIR;
  const via = (service) =>
    tlsDir
      ? `-cacert ${tlsDir}/operator/ca.pem -cert ${tlsDir}/operator/client.pem -key ${tlsDir}/operator/client.key -servername ${service}`
      : '-plaintext';
  console.log(
    [
      '',
      `Signalpath is up (${((Date.now() - started) / 1000).toFixed(1)} s${tlsDir ? `, mTLS with certificates from ${tlsDir}` : ''}). Database: ${db.kind} at ${db.uri}`,
      '',
      '  service                                  address',
      ...rows,
      '',
      'Try:',
      `  ${grpcurl} ${via('consent-service')} 127.0.0.1:${ports.consent} list`,
      `  ${grpcurl} ${via('signal-service')} 127.0.0.1:${ports.signal} grpc.health.v1.Health/Check`,
      `  ${grpcurl} ${via('consent-service')} -H "authorization: Bearer $(npm run -s token -- consent)" -d '{"user_id":"u1"}' 127.0.0.1:${ports.consent} signalpath.consent.v1.ConsentService/GetSettings`,
      `  ${grpcurl} ${via('signal-service')} -H "authorization: Bearer $(npm run -s token -- signal)" -d '{"interaction":{"interaction_id":"i1","user_id":"u1","surface":"SURFACE_MESSENGER","modality":"MODALITY_TEXT","text":"any tips for rock climbing shoes?","event_time":"2026-01-10T10:00:00Z"}}' 127.0.0.1:${ports.signal} signalpath.signal.v1.SignalService/PreviewSignals`,
      '',
      '  npm run demo        # the whole story, step by step',
      '',
      ...(watch ? ['Watching: a change to a service or a lib it uses rebuilds and restarts that service.', ''] : []),
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
} catch (error) {
  log(`[start] ${error.message}`);
  await shutdown(1);
}
