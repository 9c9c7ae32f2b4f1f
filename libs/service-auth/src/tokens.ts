import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';

/**
 * Service tokens: compact JWS (JWT) signed with Ed25519 ("EdDSA"), produced and parsed by `jose`.
 * The issuer is the calling identity, the audience the called gRPC service; tokens are short-lived.
 * This module only states our policy on top of jose: which key may sign for which identity, a
 * single string audience, integer times, and a maximum lifetime.
 */
export interface TokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

export const TOKEN_ALGORITHM = 'EdDSA';
/** Lifetime of the tokens the services mint for their own calls. */
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
/** Tokens living longer than this (exp − iat) are refused, and never minted. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 600;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** Ours are ~300 characters; anything much longer is not a token of ours, so jose never sees it. */
export const MAX_TOKEN_LENGTH = 4096;

/** A public key and the identity it speaks for. Key sets map a `kid` to one of these. */
export interface VerificationKey {
  identity: string;
  key: KeyObject;
}
/** Verification keys by `kid`: several per identity while a key is being rotated. */
export type KeySet = ReadonlyMap<string, VerificationKey>;

export interface TokenPolicy {
  /** Largest accepted exp − iat, in seconds (default 600). */
  maxLifetimeSeconds?: number;
  /** Tolerated clock difference between caller and callee, in seconds (default 30). */
  skewSeconds?: number;
}

export interface MintOptions {
  audience: string;
  privateKey: KeyObject;
  /** Names the key in the verifier's key set. */
  kid?: string;
  ttlSeconds?: number;
  nowMs?: number;
  maxLifetimeSeconds?: number;
}

/** A signed JWT of `typ` from `issuer` (about `subject`), living ttl ≤ the maximum lifetime. */
export async function signJwt(options: MintOptions & { typ: string; issuer: string; subject?: string; defaultTtlSeconds: number }): Promise<string> {
  const ttl = options.ttlSeconds ?? options.defaultTtlSeconds;
  const max = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > max) throw new RangeError(`token lifetime must be a whole number of seconds in 1..${max} (got ${ttl})`);
  const iat = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: options.typ, kid: options.kid ?? options.issuer }).setIssuer(options.issuer);
  if (options.subject !== undefined) jwt.setSubject(options.subject);
  return jwt
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(options.privateKey);
}

/** A service token: `issuer` calls `audience`; kid defaults to the issuer (one key per identity). */
export function mintToken(options: MintOptions & { issuer: string }): Promise<string> {
  return signJwt({ ...options, typ: 'JWT', defaultTtlSeconds: DEFAULT_TOKEN_TTL_SECONDS });
}

export type VerifyResult = { ok: true; caller: string; claims: TokenClaims } | { ok: false; problem: string };

class UnknownSigner extends Error {}

function knownSigner(signer: VerificationKey | undefined): VerificationKey {
  if (!signer) throw new UnknownSigner();
  return signer;
}

/** A short, fixed description of why jose refused a token; never any part of the token itself. */
function problemOf(error: unknown): string {
  if (error instanceof UnknownSigner) return 'unknown signer';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unsupported token algorithm';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'token is for another service';
    if (error.claim === 'iat' && error.reason === 'check_failed') return 'token issued in the future';
    return `invalid claim ${error.claim}`;
  }
  return 'malformed token';
}

/**
 * Verifies a token for `audience`: jose checks the structure, the EdDSA signature by the key its
 * `kid` names, `typ`, audience, expiry and issue time (with clock skew); we add that the key
 * belongs to the issuer, that the audience is one string, that iat and exp are integers and that
 * the token lives no longer than the maximum. Never throws: any input gives a result.
 */
export async function verifyToken(token: string, options: { audience: string; publicKeys: KeySet; nowMs?: number } & TokenPolicy): Promise<VerifyResult> {
  const verified = await verifySignedJwt(token, { ...options, kind: 'token', typ: 'JWT', requiredClaims: ['iss', 'aud', 'iat', 'exp'], signerFor: knownSigner, problemOf });
  if (!verified.ok) return verified;
  const { iss, aud, iat, exp } = verified.claims;
  if (typeof iss !== 'string' || iss !== verified.signer.identity) return { ok: false, problem: 'issuer does not match signer' };
  return { ok: true, caller: iss, claims: { iss, aud: aud as string, iat: iat as number, exp: exp as number } };
}

/**
 * What every JWT of ours is checked for, service token or user assertion (`kind` words the
 * problems): jose verifies structure, the EdDSA signature by the key `signerFor` accepts for the
 * header's `kid` (it throws to refuse), `typ`, audience, expiry and issue time with clock skew;
 * then one string audience, integer iat and exp, and a lifetime within the maximum. Never throws.
 */
export async function verifySignedJwt(
  token: string,
  options: {
    kind: 'token' | 'assertion';
    typ: string;
    issuer?: string;
    audience: string;
    requiredClaims: string[];
    publicKeys: KeySet;
    signerFor: (signer: VerificationKey | undefined) => VerificationKey;
    problemOf: (error: unknown) => string;
    nowMs?: number;
  } & TokenPolicy,
): Promise<{ ok: true; claims: Record<string, unknown>; signer: VerificationKey } | { ok: false; problem: string }> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: `malformed ${options.kind}` };
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  let signer: VerificationKey | undefined;
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        signer = options.signerFor(typeof header.kid === 'string' ? options.publicKeys.get(header.kid) : undefined);
        return signer.key;
      },
      {
        algorithms: [TOKEN_ALGORITHM],
        typ: options.typ,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: options.requiredClaims,
        clockTolerance: options.skewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
        // No token may be older than the longest lifetime; this also refuses an iat in the future.
        maxTokenAge: maxLifetime,
        currentDate: options.nowMs === undefined ? undefined : new Date(options.nowMs),
      },
    );
    claims = verified.payload as Record<string, unknown>;
  } catch (error) {
    return { ok: false, problem: options.problemOf(error) };
  }
  const { aud, iat, exp } = claims;
  if (aud !== options.audience) return { ok: false, problem: `${options.kind} is for another service` };
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return { ok: false, problem: 'iat and exp must be integers' };
  if ((exp as number) <= (iat as number) || (exp as number) - (iat as number) > maxLifetime) return { ok: false, problem: `${options.kind} lifetime above the maximum` };
  return { ok: true, claims, signer: signer as VerificationKey };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function publicKeyOf(key: KeyObject | string): KeyObject {
  return createPublicKey(key);
}
