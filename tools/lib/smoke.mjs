// Smoke test with real grpcurl: starts the four built services as processes on spare ports and
// checks, for each, that reflection lists its service and health answers SERVING.
import { execFileSync } from 'node:child_process';
import { SERVICES, healthTls, startServices, testPort } from './stack.cjs';

export async function smokeTest({ grpcurl, mongoUri, basePort = testPort(30050), log = console.error }) {
  // Development keys: the services generate them into SIGNALPATH_KEYS_DIR (.keys/ by default).
  const env = { ...process.env, MONGODB_URI: mongoUri, MONGODB_DB_PREFIX: 'smoke_', LOG_LEVEL: 'warn', RANKING_SEED_DEMO_CATALOG: 'false', SIGNALPATH_DEV_KEYS: 'true' };
  SERVICES.forEach((s, i) => {
    env[s.portVar] = String(basePort + i + 1);
  });
  const stack = startServices({ env, quiet: true });
  const failures = [];
  try {
    await stack.waitHealthy(120_000);
    for (const s of SERVICES) {
      const address = `127.0.0.1:${env[s.portVar]}`;
      // With mTLS, as the operator, verifying that this port answers as the service it should.
      const tls = healthTls(env, s.app);
      const via = tls
        ? ['-cacert', `${tls.dir}/operator/ca.pem`, '-cert', `${tls.dir}/operator/client.pem`, '-key', `${tls.dir}/operator/client.key`, '-servername', s.app]
        : ['-plaintext'];
      // Bounded: a grpcurl that hangs would otherwise block this process for good.
      const listed = execFileSync(grpcurl, [...via, address, 'list'], { encoding: 'utf8', timeout: 30_000 }).split('\n');
      const health = JSON.parse(execFileSync(grpcurl, [...via, address, 'grpc.health.v1.Health/Check'], { encoding: 'utf8', timeout: 30_000 }));
      const ok = listed.includes(s.grpcService) && listed.includes('grpc.health.v1.Health') && health.status === 'SERVING';
      log(`[smoke] ${s.app} @ ${address}: list → ${listed.filter(Boolean).join(', ')}; health → ${health.status} ${ok ? 'ok' : 'FAILED'}`);
      if (!ok) failures.push(s.app);
    }
  } finally {
    await stack.stop();
  }
  return failures;
}
