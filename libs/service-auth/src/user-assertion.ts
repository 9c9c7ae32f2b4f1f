import { Metadata } from '@grpc/grpc-js';
import { errors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { idProblem } from '@signalpath/grpc-kit';
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LENGTH, signJwt, TOKEN_ALGORITHM, type KeySet, type MintOptions, type TokenPolicy } from './tokens';

/**
 * End-user assertions: a short-lived JWT naming one user (`sub`), signed by the identity provider,
 * for one gRPC service (`aud`). A user-facing caller (settings-ui) presents the signed-in person's
 * assertion beside its own service token; the service checks that the request's user id is that
 * person. A distinct `typ` keeps the two kinds of token apart: neither verifies as the other.
 */
export const USER_ASSERTION_METADATA_KEY = 'x-signalpath-user-assertion';
export const USER_ASSERTION_TYPE = 'signalpath-user+jwt';
/** The only identity whose keys sign user assertions. */
export const IDENTITY_PROVIDER = 'identity-provider';
/** Lifetime of an assertion minted by `npm run -s user-token` and the tests. */
export const DEFAULT_USER_ASSERTION_TTL_SECONDS = 300;

export async function mintUserAssertion(options: MintOptions & { userId: string }): Promise<string> {
  const problem = idProblem(options.userId);
  if (problem) throw new RangeError(`user id ${problem}`);
  return signJwt({ ...options, typ: USER_ASSERTION_TYPE, issuer: IDENTITY_PROVIDER, subject: options.userId, defaultTtlSeconds: DEFAULT_USER_ASSERTION_TTL_SECONDS });
}

export type UserAssertionResult = { ok: true; userId: string } | { ok: false; problem: string };

class NotIdentityProvider extends Error {}

function problemOf(error: unknown): string {
  if (error instanceof NotIdentityProvider) return 'not signed by the identity provider';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWTExpired) return 'assertion expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'assertion is for another service';
    if (error.claim === 'typ') return 'not a user assertion';
    return `invalid claim ${error.claim}`;
  }
  return 'malformed assertion';
}

/**
 * Verifies a user assertion for `audience`: signed by a key of the identity provider, typ
 * USER_ASSERTION_TYPE, one audience, integer iat/exp within the lifetime bound, and a subject that
 * is a valid user id. Never throws; the problem never quotes the assertion.
 */
export async function verifyUserAssertion(token: string, options: { audience: string; publicKeys: KeySet; nowMs?: number } & TokenPolicy): Promise<UserAssertionResult> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'malformed assertion' };
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const signer = typeof header.kid === 'string' ? options.publicKeys.get(header.kid) : undefined;
        if (!signer || signer.identity !== IDENTITY_PROVIDER) throw new NotIdentityProvider();
        return signer.key;
      },
      {
        algorithms: [TOKEN_ALGORITHM],
        typ: USER_ASSERTION_TYPE,
        issuer: IDENTITY_PROVIDER,
        audience: options.audience,
        requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp'],
        clockTolerance: options.skewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
        maxTokenAge: maxLifetime,
        currentDate: options.nowMs === undefined ? undefined : new Date(options.nowMs),
      },
    );
    claims = verified.payload as Record<string, unknown>;
  } catch (error) {
    return { ok: false, problem: problemOf(error) };
  }
  const { sub, aud, iat, exp } = claims;
  if (aud !== options.audience) return { ok: false, problem: 'assertion is for another service' };
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return { ok: false, problem: 'iat and exp must be integers' };
  if ((exp as number) <= (iat as number) || (exp as number) - (iat as number) > maxLifetime) return { ok: false, problem: 'assertion lifetime above the maximum' };
  if (typeof sub !== 'string' || idProblem(sub) !== undefined) return { ok: false, problem: 'subject is not a valid user id' };
  return { ok: true, userId: sub };
}

/** Metadata carrying a user assertion, to merge into a call's metadata. */
export function userAssertionMetadata(assertion: string): Metadata {
  const metadata = new Metadata();
  metadata.set(USER_ASSERTION_METADATA_KEY, assertion);
  return metadata;
}
