import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';
import { loadTlsCredentials } from './tls';

const ECHO = 'signalpath.bench.v1.EchoService';

describe('mTLS with certificates from tools/certs.mjs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'certs-'));
  let server: GrpcServer;
  let address = '';

  beforeAll(async () => {
    execFileSync(process.execPath, [path.resolve(__dirname, '../../../tools/certs.mjs'), dir], { stdio: 'ignore', timeout: 60_000 });
    server = new GrpcServer({
      services: [{ name: ECHO, definition: bench.EchoServiceService, implementation: { echo: unary(async (r: bench.EchoRequest) => ({ payload: r.payload })) } }],
      credentials: loadTlsCredentials(dir, 'profile-service').server,
    });
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  afterAll(() => server.shutdown(500));

  it('accepts a client presenting a certificate from the same CA', async () => {
    const client = createClient(bench.EchoServiceService, address, { serviceName: ECHO, credentials: loadTlsCredentials(dir, 'signal-service').client });
    await expect(client.echo({ payload: Buffer.from('tls') })).resolves.toEqual({ payload: Buffer.from('tls') });
    client.close();
  });

  it('refuses plaintext clients and TLS clients without a certificate', async () => {
    const plain = createClient(bench.EchoServiceService, address, { serviceName: ECHO, timeoutMs: 1_000 });
    const code = await plain.echo({ payload: Buffer.from('x') }).then(() => status.OK, (e: ServiceError) => e.code);
    expect(code).not.toBe(status.OK);
    plain.close();
    const anonymous = createClient(bench.EchoServiceService, address, {
      serviceName: ECHO,
      timeoutMs: 1_000,
      credentials: credentials.createSsl(readFileSync(path.join(dir, 'ca.pem'))),
    });
    const anonymousCode = await anonymous.echo({ payload: Buffer.from('x') }).then(() => status.OK, (e: ServiceError) => e.code);
    expect(anonymousCode).not.toBe(status.OK);
    anonymous.close();
  });
});
