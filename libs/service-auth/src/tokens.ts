import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Service tokens: compact JWS (JWT) signed with Ed25519 ("EdDSA"). The issuer is the calling
 * identity, the audience the called gRPC service, and tokens expire quickly (default 5 min).
 */
export interface TokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function mintToken(options: { issuer: string; audience: string; privateKey: KeyObject; ttlSeconds?: number; nowMs?: number }): string {
  const iat = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const header = { alg: 'EdDSA', typ: 'JWT', kid: options.issuer };
  const claims: TokenClaims = { iss: options.issuer, aud: options.audience, iat, exp: iat + (options.ttlSeconds ?? 300) };
  const signingInput = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${signingInput}.${b64(sign(null, Buffer.from(signingInput), options.privateKey))}`;
}

export type VerifyResult = { ok: true; caller: string; claims: TokenClaims } | { ok: false; problem: string };

/** Verifies signature (by the issuer's public key), audience and expiry (with clock skew). */
export function verifyToken(token: string, options: { audience: string; publicKeys: ReadonlyMap<string, KeyObject>; nowMs?: number; skewSeconds?: number }): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, problem: 'malformed token' };
  let header: { alg?: string; kid?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed token' };
  }
  if (header.alg !== 'EdDSA' || typeof header.kid !== 'string') return { ok: false, problem: 'unsupported token algorithm' };
  const key = options.publicKeys.get(header.kid);
  if (!key) return { ok: false, problem: 'unknown signer' };
  if (!verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))) return { ok: false, problem: 'bad signature' };
  if (claims.iss !== header.kid) return { ok: false, problem: 'issuer does not match signer' };
  if (claims.aud !== options.audience) return { ok: false, problem: 'token is for another service' };
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const skew = options.skewSeconds ?? 30;
  if (typeof claims.exp !== 'number' || claims.exp + skew < now) return { ok: false, problem: 'token expired' };
  if (typeof claims.iat !== 'number' || claims.iat - skew > now) return { ok: false, problem: 'token issued in the future' };
  return { ok: true, caller: claims.iss, claims };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function publicKeyOf(key: KeyObject | string): KeyObject {
  return createPublicKey(key);
}
