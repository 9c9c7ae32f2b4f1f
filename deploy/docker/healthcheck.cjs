// Container health check over the gRPC health protocol (grpc.health.v1.Health/Check, overall
// service ""): exits 0 when the service answers SERVING, 1 otherwise (NOT_SERVING while the
// database is unreachable or during shutdown drain, or no answer within the deadline).
// Usage: node healthcheck.cjs <port variable> <default port> <identity>
// e.g.   node healthcheck.cjs CONSENT_PORT 50051 consent-service
// It reads the same port variable as the service, so an overridden port is checked where the
// service listens. With SIGNALPATH_TLS_DIR set it speaks mTLS as the service's own identity.
// Kubernetes does not use this (it has native gRPC probes); Docker and Compose do.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { service: healthDefinition } = require('grpc-health-check');

const [portVar, defaultPort, identity] = process.argv.slice(2);
if (!portVar || !defaultPort || !identity) {
  process.stderr.write('usage: node healthcheck.cjs <port variable> <default port> <identity>\n');
  process.exit(2);
}
const port = process.env[portVar]?.trim() || defaultPort;
const tlsDir = process.env.SIGNALPATH_TLS_DIR?.trim();
const credentials = tlsDir
  ? grpc.credentials.createSsl(
      readFileSync(path.join(tlsDir, 'ca.pem')),
      readFileSync(path.join(tlsDir, `${identity}.key`)),
      readFileSync(path.join(tlsDir, `${identity}.pem`)),
    )
  : grpc.credentials.createInsecure();
const deadlineMs = Number(process.env.HEALTHCHECK_DEADLINE_MS || 2000);

const Client = grpc.makeGenericClientConstructor(healthDefinition, 'Health');
const client = new Client(`127.0.0.1:${port}`, credentials);
client.check({ service: '' }, { deadline: Date.now() + deadlineMs }, (error, response) => {
  client.close();
  if (error) {
    process.stdout.write(`health: no answer from 127.0.0.1:${port} (${grpc.status[error.code] ?? error.code})\n`);
    process.exit(1);
  }
  const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
  const status = typeof response.status === 'number' ? names[response.status] : response.status;
  process.stdout.write(`health: ${status}\n`);
  process.exit(status === 'SERVING' ? 0 : 1);
});
