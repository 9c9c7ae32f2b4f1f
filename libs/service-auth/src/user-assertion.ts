import { Metadata } from '@grpc/grpc-js';
import { errors } from 'jose';
import { idProblem } from '@signalpath/grpc-kit';
import { signJwt, verifySignedJwt, type KeySet, type MintOptions, type TokenPolicy, type VerificationKey } from './tokens';

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

function identityProviderKey(signer: VerificationKey | undefined): VerificationKey {
  if (!signer || signer.identity !== IDENTITY_PROVIDER) throw new NotIdentityProvider();
  return signer;
}

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
  const verified = await verifySignedJwt(token, {
    ...options,
    kind: 'assertion',
    typ: USER_ASSERTION_TYPE,
    issuer: IDENTITY_PROVIDER,
    requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp'],
    signerFor: identityProviderKey,
    problemOf,
  });
  if (!verified.ok) return verified;
  const { sub } = verified.claims;
  if (typeof sub !== 'string' || idProblem(sub) !== undefined) return { ok: false, problem: 'subject is not a valid user id' };
  return { ok: true, userId: sub };
}

/** Metadata carrying a user assertion, to merge into a call's metadata. */
export function userAssertionMetadata(assertion: string): Metadata {
  const metadata = new Metadata();
  metadata.set(USER_ASSERTION_METADATA_KEY, assertion);
  return metadata;
}
