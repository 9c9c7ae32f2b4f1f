import { credentials, ServerCredentials, ServerInterceptingCall, status, type ServerInterceptor, type ServiceError } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, GrpcServer, unary, type ClientOptions } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';
import { present } from './test-support';
import { tokenMetadataProvider } from './credentials';
import { callerOf, createAuthInterceptor } from './interceptor';
import { CALLING_IDENTITIES, generateKeyRing } from './keys';
import { loadTlsIdentity, spiffeIdOf } from './tls';

const ECHO = 'signalpath.bench.v1.EchoService';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// Real certificates from tools/certs.mjs, real servers and clients over loopback.
describe('mTLS bound to identities (certificates from tools/certs.mjs)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'certs-'));
  const dir = path.join(root, 'certs');
  const ring = generateKeyRing();
  let calls = 0;
  const seenCallers: Array<string | undefined> = [];
  const servers: GrpcServer[] = [];
  let profileAddress = '';

  /** Counts every call that reaches the server at all (before authentication). */
  const counting: ServerInterceptor = (_method, call) => {
    calls++;
    return new ServerInterceptingCall(call);
  };
  const startServer = async (serverCredentials: ServerCredentials) => {
    const server = new GrpcServer({
      services: [
        {
          name: ECHO,
          definition: bench.EchoServiceService,
          implementation: {
            echo: unary(async (request: bench.EchoRequest, call) => {
              seenCallers.push(callerOf(call.metadata));
              return { payload: request.payload };
            }),
          },
        },
      ],
      credentials: serverCredentials,
      interceptors: [counting, createAuthInterceptor({ publicKeys: ring.publicKeys, table: { [`/${ECHO}/Echo`]: ['signal-service', 'consent-service'] }, requirePeerCertificate: true })],
    });
    servers.push(server);
    return `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  };
  /** A client presenting `certOf`'s client certificate and `tokenOf`'s token, expecting `serverIdentity`. */
  const client = (address: string, certOf: string, tokenOf: string, serverIdentity = 'profile-service', extra: Partial<ClientOptions> = {}) =>
    createClient(bench.EchoServiceService, address, {
      serviceName: ECHO,
      timeoutMs: 3_000,
      ...loadTlsIdentity(dir, certOf).clientFor(serverIdentity),
      metadataProvider: tokenMetadataProvider(ring, tokenOf, ECHO),
      ...extra,
    });
  const outcome = async (c: ReturnType<typeof client>) => {
    const code = await c.echo({ payload: Buffer.from('x') }).then(() => status.OK, (e: ServiceError) => e.code);
    c.close();
    return code;
  };

  beforeAll(async () => {
    execFileSync(process.execPath, [path.resolve(__dirname, '../../../tools/certs.mjs'), dir], { stdio: 'ignore', timeout: 60_000 });
    profileAddress = await startServer(present(loadTlsIdentity(dir, 'profile-service').server, 'server credentials'));
  });
  afterAll(() => Promise.all(servers.map((s) => s.shutdown(500))));

  it('keeps the CA key apart, and gives each identity certificates that name it with a single usage', () => {
    expect(existsSync(path.join(root, 'certs-ca', 'ca.key'))).toBe(true);
    const everyFile = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? everyFile(path.join(d, e.name)) : [e.name]));
    expect(everyFile(dir).filter((name) => name.startsWith('ca.') && name !== 'ca.pem')).toEqual([]);
    for (const identity of CALLING_IDENTITIES) {
      const cert = (role: string) => new X509Certificate(readFileSync(path.join(dir, identity, `${role}.pem`)));
      expect(cert('client').subjectAltName).toBe(`URI:${spiffeIdOf(identity)}`);
      expect(cert('client').keyUsage).toEqual([CLIENT_AUTH]);
      const isService = identity.endsWith('-service');
      expect(existsSync(path.join(dir, identity, 'server.pem'))).toBe(isService);
      if (isService) {
        expect(cert('server').subjectAltName).toBe(`URI:${spiffeIdOf(identity)}, DNS:${identity}`);
        expect(cert('server').keyUsage).toEqual([SERVER_AUTH]);
      }
    }
  });

  it('happy path: the certificate and the token of the same identity are accepted, and the handler sees that caller', async () => {
    expect(await outcome(client(profileAddress, 'signal-service', 'signal-service'))).toBe(status.OK);
    expect(seenCallers.at(-1)).toBe('signal-service');
  });

  it('refuses a token of identity Y presented with the certificate of identity X', async () => {
    // Both identities may call the method; only the binding tells them apart.
    expect(await outcome(client(profileAddress, 'consent-service', 'signal-service'))).toBe(status.UNAUTHENTICATED);
    expect(await outcome(client(profileAddress, 'operator', 'signal-service'))).toBe(status.UNAUTHENTICATED);
    expect(await outcome(client(profileAddress, 'signal-service', 'consent-service'))).toBe(status.UNAUTHENTICATED);
  });

  it('a client meaning to reach ConsentService refuses a server with another identity\'s certificate, before sending anything', async () => {
    const before = calls;
    expect(await outcome(client(profileAddress, 'signal-service', 'signal-service', 'consent-service'))).toBe(status.UNAVAILABLE);
    expect(calls).toBe(before);
  });

  it('a client certificate cannot serve: a client expecting ConsentService refuses a server using ConsentService\'s client certificate', async () => {
    const own = path.join(dir, 'consent-service');
    const posing = await startServer(ServerCredentials.createSsl(readFileSync(path.join(own, 'ca.pem')), [{ cert_chain: readFileSync(path.join(own, 'client.pem')), private_key: readFileSync(path.join(own, 'client.key')) }], true));
    const before = calls;
    expect(await outcome(client(posing, 'signal-service', 'signal-service', 'consent-service'))).toBe(status.UNAVAILABLE);
    expect(calls).toBe(before);
  });

  it('a server certificate cannot act as a client: the handshake refuses it', async () => {
    // A workspace holding signal-service's server certificate in the place of its client certificate.
    const swapped = mkdtempSync(path.join(tmpdir(), 'swapped-'));
    const own = path.join(swapped, 'signal-service');
    execFileSync('mkdir', ['-p', own]);
    copyFileSync(path.join(dir, 'signal-service', 'ca.pem'), path.join(own, 'ca.pem'));
    copyFileSync(path.join(dir, 'signal-service', 'server.pem'), path.join(own, 'client.pem'));
    copyFileSync(path.join(dir, 'signal-service', 'server.key'), path.join(own, 'client.key'));
    const before = calls;
    const c = createClient(bench.EchoServiceService, profileAddress, { serviceName: ECHO, timeoutMs: 3_000, ...loadTlsIdentity(swapped, 'signal-service').clientFor('profile-service'), metadataProvider: tokenMetadataProvider(ring, 'signal-service', ECHO) });
    expect(await outcome(c)).not.toBe(status.OK);
    expect(calls).toBe(before);
  });

  it('refuses plaintext clients and TLS clients without a certificate', async () => {
    const plain = createClient(bench.EchoServiceService, profileAddress, { serviceName: ECHO, timeoutMs: 1_000 });
    expect(await outcome(plain as ReturnType<typeof client>)).not.toBe(status.OK);
    const anonymous = createClient(bench.EchoServiceService, profileAddress, {
      serviceName: ECHO,
      timeoutMs: 1_000,
      credentials: credentials.createSsl(readFileSync(path.join(dir, 'operator', 'ca.pem'))),
      channelOptions: { 'grpc.ssl_target_name_override': 'profile-service' },
    });
    expect(await outcome(anonymous as ReturnType<typeof client>)).not.toBe(status.OK);
  });

  it('refuses to load certificates from a directory holding the CA key', () => {
    const careless = path.join(mkdtempSync(path.join(tmpdir(), 'careless-')), 'certs');
    execFileSync(process.execPath, [path.resolve(__dirname, '../../../tools/certs.mjs'), careless], { stdio: 'ignore' });
    copyFileSync(path.join(`${careless}-ca`, 'ca.key'), path.join(careless, 'ca.key'));
    expect(() => loadTlsIdentity(careless, 'profile-service')).toThrow(/CA private key must not be/);
  });
});
