import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';
import fc from 'fast-check';
import { present, signedSegments } from './test-support';
import { tokenMetadataProvider } from './credentials';
import { createAuthInterceptor } from './interceptor';
import { generateKeyRing } from './keys';

// Issue 12 §1: any bytes in any segment of the token → UNAUTHENTICATED, and the server keeps serving.
const ECHO = 'signalpath.bench.v1.EchoService';
const ring = generateKeyRing();
const signer = present(ring.privateKey('signal-service'), 'signal-service key');
const now = () => Math.floor(Date.now() / 1000);

/** JSON texts an attacker might put in a segment: any JSON value, deep nesting, huge values. */
const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
  fc.constantFrom('null', '[]', '0', '-0', '1e999', '"x"', 'true', '{}', '{"alg":"EdDSA"}', '{"alg":null,"kid":null}', '{"alg":"EdDSA","kid":["signal-service"]}', '{"alg":"EdDSA","kid":"signal-service","crit":["b64"],"b64":false}', '{"__proto__":{"alg":"EdDSA"}}', '{"alg":"EdDSA","kid":"__proto__"}', '{"alg":"EdDSA","kid":"constructor"}'),
  fc.integer({ min: 1, max: 1_500 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 500 }).map((depth) => '{"alg":'.repeat(depth) + '"EdDSA"' + '}'.repeat(depth)),
  fc.integer({ min: 1_000, max: 12_000 }).map((length) => JSON.stringify({ alg: 'EdDSA', kid: 'signal-service', pad: 'x'.repeat(length) })),
);

/** Claims that are almost right: each has exactly one thing wrong, so none may pass. */
type MakeClaims = (t: number) => Record<string, unknown>;
const nearlyValidClaims = fc
  .constantFrom<MakeClaims>(
    ...([
      (t) => ({ iss: 'signal-service', aud: ECHO, iat: t, exp: Date.UTC(9999, 0, 1) / 1000 }),
      (t) => ({ iss: 'signal-service', aud: ECHO, iat: t + 0.5, exp: t + 60 }),
      (t) => ({ iss: 'signal-service', aud: [ECHO], iat: t, exp: t + 60 }),
      (t) => ({ iss: 'consent-service', aud: ECHO, iat: t, exp: t + 60 }),
      (t) => ({ iss: 'signal-service', aud: 'other', iat: t, exp: t + 60 }),
      (t) => ({ iss: 'signal-service', aud: ECHO, iat: t - 7_200, exp: t - 3_600 }),
      (t) => ({ iss: 'signal-service', aud: ECHO, iat: `${t}`, exp: t + 60 }),
      (t) => ({ iss: null, aud: ECHO, iat: t, exp: t + 60 }),
    ] as MakeClaims[]),
  )
  .map((make) => JSON.stringify(make(now())));

const validHeader = JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: 'signal-service' });

/** Bytes of one segment: JSON, near-valid claims, the valid header, or arbitrary bytes (often invalid UTF-8). */
const segmentBytes = fc.oneof(
  jsonText.map((text) => Buffer.from(text)),
  nearlyValidClaims.map((text) => Buffer.from(text)),
  fc.constant(Buffer.from(validHeader)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('{"alg":"EdDSA\xff"}', 'latin1')),
);

/** A whole token: segments signed validly, with a random or empty signature, or raw text between dots. */
const token = fc.oneof(
  fc.tuple(segmentBytes, segmentBytes).map(([header, payload]) => signedSegments(header, payload, signer)),
  fc.tuple(segmentBytes, segmentBytes, fc.uint8Array({ maxLength: 80 })).map(
    ([header, payload, signature]) => `${header.toString('base64url')}.${payload.toString('base64url')}.${Buffer.from(signature).toString('base64url')}`,
  ),
  fc.array(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_=+/. !~"{}'.split('')), maxLength: 60 }), { maxLength: 6 }).map((parts) => parts.join('.')),
);

describe('any token bytes against a real server (fast-check, fixed seed)', () => {
  const unexpected: unknown[] = [];
  const server = new GrpcServer({
    services: [{ name: ECHO, definition: bench.EchoServiceService, implementation: { echo: unary(async (request: bench.EchoRequest) => ({ payload: request.payload })) } }],
    interceptors: [createAuthInterceptor({ publicKeys: ring.publicKeys, table: { [`/${ECHO}/Echo`]: ['signal-service'] }, errorSink: { error: (fields) => unexpected.push(fields) } })],
    errorSink: { error: (fields) => unexpected.push(fields) },
  });
  let client: ReturnType<typeof createClient<typeof bench.EchoServiceService>>;
  let current = '';
  const codes = new Map<number, number>();

  beforeAll(async () => {
    const port = await server.listen('127.0.0.1', 0);
    client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, {
      serviceName: ECHO,
      timeoutMs: 5_000,
      metadataProvider: () => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${current}`);
        return metadata;
      },
    });
  });
  afterAll(async () => {
    client.close();
    await server.shutdown(500);
  });

  it('answers UNAUTHENTICATED to 3,000 hostile tokens and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(token, async (candidate) => {
        current = candidate;
        const code = await client.echo({ payload: Buffer.from('x') }).then(() => status.OK, (error: ServiceError) => error.code);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(code).toBe(status.UNAUTHENTICATED);
      }),
      { seed: 20_260_712, numRuns: 3_000, endOnFailure: true },
    );
    expect(unexpected).toEqual([]);
    expect([...codes.keys()]).toEqual([status.UNAUTHENTICATED]);
    const valid = createClient(bench.EchoServiceService, client.address, { serviceName: ECHO, metadataProvider: tokenMetadataProvider(ring, 'signal-service', ECHO) });
    await expect(valid.echo({ payload: Buffer.from('still serving') })).resolves.toEqual({ payload: Buffer.from('still serving') });
    valid.close();
  }, 180_000);
});
