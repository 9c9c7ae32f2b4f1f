import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench, consent, profile, ranking, signal } from '@signalpath/proto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tokenMetadataProvider } from './credentials';
import { callerOf, createAuthInterceptor } from './interceptor';
import { ensureDevKeys, generateKeyRing, IDENTITIES, loadKeyRing } from './keys';
import { isAllowed, METHOD_CALLERS } from './policy';
import { mintToken, verifyToken } from './tokens';

const ECHO = 'signalpath.bench.v1.EchoService';
const ECHO_PATH = `/${ECHO}/Echo`;

describe('tokens', () => {
  const ring = generateKeyRing();
  const key = ring.privateKey('signal-service')!;
  const verifyFor = (token: string, audience = 'signalpath.profile.v1.ProfileService', nowMs?: number) => verifyToken(token, { audience, publicKeys: ring.publicKeys, nowMs });

  it('accepts a token signed by a known identity for this audience', () => {
    const token = mintToken({ issuer: 'signal-service', audience: 'signalpath.profile.v1.ProfileService', privateKey: key });
    expect(verifyFor(token)).toMatchObject({ ok: true, caller: 'signal-service' });
  });

  it('rejects forged, re-targeted, expired and malformed tokens', () => {
    const token = mintToken({ issuer: 'signal-service', audience: 'signalpath.profile.v1.ProfileService', privateKey: key, ttlSeconds: 60 });
    const [h, , s] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ iss: 'consent-service', aud: 'signalpath.profile.v1.ProfileService', iat: 0, exp: 9e9 })).toString('base64url');
    expect(verifyFor(`${h}.${forgedClaims}.${s}`)).toMatchObject({ ok: false });
    const otherKey = generateKeyRing().privateKey('signal-service')!;
    expect(verifyFor(mintToken({ issuer: 'signal-service', audience: 'signalpath.profile.v1.ProfileService', privateKey: otherKey }))).toEqual({ ok: false, problem: 'bad signature' });
    expect(verifyFor(token, 'signalpath.consent.v1.ConsentService')).toEqual({ ok: false, problem: 'token is for another service' });
    expect(verifyFor(token, undefined, Date.now() + 10 * 60_000)).toEqual({ ok: false, problem: 'token expired' });
    expect(verifyFor('abc')).toEqual({ ok: false, problem: 'malformed token' });
  });
});

describe('policy', () => {
  it('lets only SignalService apply signals and only ConsentService delete or export user data', () => {
    expect(isAllowed('/signalpath.profile.v1.ProfileService/ApplySignals', 'signal-service')).toBe(true);
    expect(isAllowed('/signalpath.profile.v1.ProfileService/ApplySignals', 'operator')).toBe(false);
    for (const path of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(isAllowed(path, 'operator')).toBe(false);
    for (const service of ['signal', 'profile']) {
      const Service = service[0].toUpperCase() + service.slice(1);
      expect(isAllowed(`/signalpath.${service}.v1.${Service}Service/DeleteUserData`, 'consent-service')).toBe(true);
      expect(isAllowed(`/signalpath.${service}.v1.${Service}Service/DeleteUserData`, 'operator')).toBe(false);
    }
    expect(isAllowed('/signalpath.ranking.v1.RankingService/NoSuchMethod', 'operator')).toBe(false);
  });
});

describe('dev keys', () => {
  it('are generated once and loaded by every identity', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    ensureDevKeys(dir);
    const first = loadKeyRing(dir);
    ensureDevKeys(dir);
    const second = loadKeyRing(dir);
    expect([...first.publicKeys.keys()].sort()).toEqual([...IDENTITIES].sort());
    const token = mintToken({ issuer: 'operator', audience: 'x', privateKey: first.privateKey('operator')! });
    expect(verifyToken(token, { audience: 'x', publicKeys: second.publicKeys }).ok).toBe(true);
  });
});

describe('auth interceptor on a real server', () => {
  const ring = generateKeyRing();
  const table = { [ECHO_PATH]: ['signal-service'] };
  const seenCallers: Array<string | undefined> = [];
  const server = new GrpcServer({
    services: [
      {
        name: ECHO,
        definition: bench.EchoServiceService,
        implementation: {
          echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request, call) => {
            seenCallers.push(callerOf(call.metadata));
            return { payload: request.payload };
          }),
        },
      },
    ],
    interceptors: [createAuthInterceptor({ publicKeys: ring.publicKeys, table })],
  });
  let address = '';
  const clientAs = (metadataProvider?: () => Metadata) => createClient(bench.EchoServiceService, address, { serviceName: ECHO, metadataProvider });
  const codeOf = (promise: Promise<unknown>) => promise.then(() => status.OK, (e: ServiceError) => e.code);

  beforeAll(async () => {
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    server.setServing(true);
  });
  afterAll(() => server.shutdown(500));

  it('answers UNAUTHENTICATED without a token or with a forged or expired one', async () => {
    expect(await codeOf(clientAs().echo({ payload: Buffer.from('x') }))).toBe(status.UNAUTHENTICATED);
    const forged = generateKeyRing();
    expect(await codeOf(clientAs(tokenMetadataProvider(forged, 'signal-service', ECHO)).echo({ payload: Buffer.from('x') }))).toBe(status.UNAUTHENTICATED);
    const expired = () => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${mintToken({ issuer: 'signal-service', audience: ECHO, privateKey: ring.privateKey('signal-service')!, nowMs: Date.now() - 3_600_000, ttlSeconds: 60 })}`);
      return md;
    };
    expect(await codeOf(clientAs(expired).echo({ payload: Buffer.from('x') }))).toBe(status.UNAUTHENTICATED);
  });

  it('answers PERMISSION_DENIED to a valid caller not on the allow-list', async () => {
    expect(await codeOf(clientAs(tokenMetadataProvider(ring, 'ranking-service', ECHO)).echo({ payload: Buffer.from('x') }))).toBe(status.PERMISSION_DENIED);
  });

  it('lets the allowed caller through and tells the handler who it is, ignoring a spoofed header', async () => {
    const spoofing = () => {
      const md = tokenMetadataProvider(ring, 'signal-service', ECHO)();
      md.set('x-signalpath-caller', 'consent-service');
      return md;
    };
    await expect(clientAs(spoofing).echo({ payload: Buffer.from('ok') })).resolves.toEqual({ payload: Buffer.from('ok') });
    expect(seenCallers.at(-1)).toBe('signal-service');
  });

  it('has an allow-list entry for every RPC of the four services, and none for RPCs that do not exist', () => {
    const paths = [consent.ConsentServiceService, signal.SignalServiceService, profile.ProfileServiceService, ranking.RankingServiceService].flatMap((definition) =>
      Object.values(definition).map((method) => method.path as string),
    );
    expect(Object.keys(METHOD_CALLERS).sort()).toEqual(paths.sort());
  });
});
