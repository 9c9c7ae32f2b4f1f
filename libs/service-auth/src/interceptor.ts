import { Metadata, ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { statusMetadata, stderrErrorSink, type ErrorSink } from '@signalpath/grpc-kit';
import { audienceOf, isAllowed, isOpenMethod, METHOD_CALLERS, USER_ASSERTING_CALLERS, userFieldOf } from './policy';
import { certificateIdentity } from './tls';
import { verifyToken, type KeySet, type TokenPolicy } from './tokens';
import { USER_ASSERTION_METADATA_KEY, verifyUserAssertion } from './user-assertion';

/** Metadata key carrying the verified caller identity to handlers (e.g. the settings history actor). */
export const CALLER_METADATA_KEY = 'x-signalpath-caller';
/** Metadata key carrying the user a verified user assertion names, to handlers. */
export const ASSERTED_USER_METADATA_KEY = 'x-signalpath-asserted-user';

/**
 * `user`: the person the call's user assertion names, when it carried a valid one. A refusal
 * carries a google.rpc.ErrorInfo `reason` (and `info`: identities and method names, never user
 * data) so a client can tell a missing token from an unknown signer without parsing.
 */
export type AuthDecision = { ok: true; caller: string; user?: string } | { ok: false; code: status; details: string; reason: string; info?: Record<string, string> };

export interface AuthOptions extends TokenPolicy {
  publicKeys: KeySet;
  table?: Record<string, readonly string[]>;
  nowMs?: number;
  /**
   * mTLS is on: the caller must present a client certificate naming an identity (SAN URI
   * spiffe://signalpath/<identity>, usage clientAuth), and the token's issuer must be that identity.
   */
  requirePeerCertificate?: boolean;
  /**
   * The gRPC service this process hosts (e.g. `signalpath.signal.v1.SignalService`): the audience
   * of its shared contracts' tokens (policy.ts, SHARED_CONTRACTS).
   */
  hostService?: string;
}

/**
 * Authenticates a call: `authorization: Bearer <token>` signed by a known identity for this
 * service (audience), unexpired, within the lifetime bound; with mTLS, issued by the identity the
 * client certificate proves. Then authorizes the caller for the method. Never throws or rejects:
 * whatever the bytes of the header, the answer is a decision.
 */
export async function authorizeCall(path: string, metadata: Metadata, options: AuthOptions, peerCertificate?: PeerCertificate): Promise<AuthDecision> {
  const headers = metadata.get('authorization');
  const header = headers.length === 1 ? headers[0] : undefined;
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!token) return { ok: false, code: status.UNAUTHENTICATED, details: 'missing service token (one authorization: Bearer … header)', reason: 'TOKEN_MISSING' };
  let certified: string | undefined;
  if (options.requirePeerCertificate) {
    certified = certificateIdentity(peerCertificate, 'clientAuth');
    if (!certified) return { ok: false, code: status.UNAUTHENTICATED, details: 'client certificate names no Signalpath identity for clientAuth', reason: 'CLIENT_CERTIFICATE_UNNAMED' };
  }
  const verified = await verifyToken(token, { ...options, audience: audienceOf(path, options.hostService) });
  if (!verified.ok) return { ok: false, code: status.UNAUTHENTICATED, details: `invalid service token: ${verified.problem}`, reason: 'TOKEN_INVALID' };
  if (certified !== undefined && verified.caller !== certified) {
    return { ok: false, code: status.UNAUTHENTICATED, details: `token issuer ${verified.caller} is not the client certificate's identity ${certified}`, reason: 'TOKEN_ISSUER_MISMATCH' };
  }
  if (!isAllowed(path, verified.caller, options.table ?? METHOD_CALLERS)) {
    return { ok: false, code: status.PERMISSION_DENIED, details: `${verified.caller} may not call ${path}`, reason: 'METHOD_NOT_ALLOWED', info: { caller: verified.caller, method: path } };
  }
  if (userFieldOf(path) === undefined) return { ok: true, caller: verified.caller };
  // A user-scoped method: the signed-in person's assertion, required from user-facing callers.
  const assertions = metadata.get(USER_ASSERTION_METADATA_KEY);
  if (assertions.length > 1) return { ok: false, code: status.UNAUTHENTICATED, details: `more than one ${USER_ASSERTION_METADATA_KEY} header`, reason: 'USER_ASSERTION_INVALID' };
  const assertion = assertions[0];
  if (assertion === undefined) {
    if ((USER_ASSERTING_CALLERS as readonly string[]).includes(verified.caller)) {
      return { ok: false, code: status.UNAUTHENTICATED, details: `missing user assertion: ${verified.caller} acts for a signed-in person and must send ${USER_ASSERTION_METADATA_KEY}`, reason: 'USER_ASSERTION_MISSING', info: { caller: verified.caller } };
    }
    return { ok: true, caller: verified.caller };
  }
  const user = typeof assertion === 'string' ? await verifyUserAssertion(assertion, { ...options, audience: audienceOf(path, options.hostService) }) : ({ ok: false, problem: 'malformed assertion' } as const);
  if (!user.ok) return { ok: false, code: status.UNAUTHENTICATED, details: `invalid user assertion: ${user.problem}`, reason: 'USER_ASSERTION_INVALID' };
  return { ok: true, caller: verified.caller, user: user.userId };
}

/** The value at a dotted field path of a decoded request (own properties only). */
function fieldAt(message: unknown, fieldPath: string): unknown {
  let value: unknown = message;
  for (const key of fieldPath.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const INTERNAL: Partial<StatusObject> = { code: status.INTERNAL, details: 'internal error' };

/**
 * A grpc-js server interceptor enforcing `authorizeCall` before any handler runs. Health and
 * reflection stay open (docs/reliability.md says why). A caller-supplied identity header is
 * always replaced by the verified one. Verification is asynchronous (jose), so its outcome is
 * handled here whatever happens, including a failure further along the chain: an unexpected
 * error answers INTERNAL and is logged, it never becomes an unhandled rejection.
 */
export function createAuthInterceptor(options: AuthOptions & { errorSink?: ErrorSink }): ServerInterceptor {
  const sink = options.errorSink ?? stderrErrorSink;
  return (methodDescriptor, call) => {
    // The decision, once made: the request message is checked against its user (if any).
    let decided: Promise<Extract<AuthDecision, { ok: true }> | undefined> | undefined;
    const fail = (error: unknown) => {
      sink.error({ method: methodDescriptor.path, error_name: error instanceof Error ? error.name : typeof error }, 'service-token check failed unexpectedly');
      try {
        call.sendStatus({ ...INTERNAL, metadata: new Metadata() } as StatusObject);
      } catch {
        // Nothing more can be said on this call.
      }
    };
    return new ServerInterceptingCall(call, {
      start: (next) => {
        const listener = new ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, nextMetadata) => {
            metadata.remove(CALLER_METADATA_KEY);
            metadata.remove(ASSERTED_USER_METADATA_KEY);
            if (isOpenMethod(methodDescriptor.path)) return nextMetadata(metadata);
            const peerCertificate = options.requirePeerCertificate ? call.getAuthContext().sslPeerCertificate : undefined;
            decided = authorizeCall(methodDescriptor.path, metadata, options, peerCertificate).then(
              (decision) => {
                if (!decision.ok) {
                  call.sendStatus({ code: decision.code, details: decision.details, metadata: statusMetadata(decision.code, decision.details, { errorInfo: { reason: decision.reason, metadata: decision.info } }) });
                  return undefined;
                }
                metadata.set(CALLER_METADATA_KEY, decision.caller);
                if (decision.user !== undefined) metadata.set(ASSERTED_USER_METADATA_KEY, decision.user);
                nextMetadata(metadata);
                return decision;
              },
              (error: unknown) => {
                fail(error);
                return undefined;
              },
            );
          })
          .withOnReceiveMessage((message, nextMessage) => {
            if (!decided) return nextMessage(message);
            decided
              .then((decision) => {
                if (!decision) return; // already answered
                const field = userFieldOf(methodDescriptor.path);
                // The handler checks what the request does not name (a job's user).
                if (decision.user !== undefined && field !== undefined && field !== 'handler' && fieldAt(message, field) !== decision.user) {
                  const details = `the user assertion names another user than ${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
                  call.sendStatus({ code: status.PERMISSION_DENIED, details, metadata: statusMetadata(status.PERMISSION_DENIED, details, { errorInfo: { reason: 'USER_MISMATCH' } }) });
                  return;
                }
                nextMessage(message);
              })
              .catch(fail);
          })
          .build();
        next(listener);
      },
    });
  };
}

/** The verified caller of a server call (set by the interceptor), if any. */
export function callerOf(metadata: Metadata): string | undefined {
  const value = metadata.get(CALLER_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The user a verified user assertion named on this call, if any (set by the interceptor). */
export function assertedUserOf(metadata: Metadata): string | undefined {
  const value = metadata.get(ASSERTED_USER_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}
