import { Metadata, ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { statusMetadata, stderrErrorSink, type ErrorSink } from '@signalpath/grpc-kit';
import { isAllowed, isOpenMethod, METHOD_CALLERS, serviceOfPath } from './policy';
import { certificateIdentity } from './tls';
import { verifyToken, type KeySet, type TokenPolicy } from './tokens';

/** Metadata key carrying the verified caller identity to handlers (e.g. the settings history actor). */
export const CALLER_METADATA_KEY = 'x-signalpath-caller';

/**
 * A refusal carries a google.rpc.ErrorInfo `reason` (and `info`: identities and method names,
 * never user data) so a client can tell a missing token from an unknown signer without parsing.
 */
export type AuthDecision = { ok: true; caller: string } | { ok: false; code: status; details: string; reason: string; info?: Record<string, string> };

export interface AuthOptions extends TokenPolicy {
  publicKeys: KeySet;
  table?: Record<string, readonly string[]>;
  nowMs?: number;
  /**
   * mTLS is on: the caller must present a client certificate naming an identity (SAN URI
   * spiffe://signalpath/<identity>, usage clientAuth), and the token's issuer must be that identity.
   */
  requirePeerCertificate?: boolean;
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
  const verified = await verifyToken(token, { ...options, audience: serviceOfPath(path) });
  if (!verified.ok) return { ok: false, code: status.UNAUTHENTICATED, details: `invalid service token: ${verified.problem}`, reason: 'TOKEN_INVALID' };
  if (certified !== undefined && verified.caller !== certified) {
    return { ok: false, code: status.UNAUTHENTICATED, details: `token issuer ${verified.caller} is not the client certificate's identity ${certified}`, reason: 'TOKEN_ISSUER_MISMATCH' };
  }
  if (!isAllowed(path, verified.caller, options.table ?? METHOD_CALLERS)) {
    return { ok: false, code: status.PERMISSION_DENIED, details: `${verified.caller} may not call ${path}`, reason: 'METHOD_NOT_ALLOWED', info: { caller: verified.caller, method: path } };
  }
  return { ok: true, caller: verified.caller };
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
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        const listener = new ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, nextMetadata) => {
            metadata.remove(CALLER_METADATA_KEY);
            if (isOpenMethod(methodDescriptor.path)) return nextMetadata(metadata);
            const peerCertificate = options.requirePeerCertificate ? call.getAuthContext().sslPeerCertificate : undefined;
            authorizeCall(methodDescriptor.path, metadata, options, peerCertificate)
              .then((decision) => {
                if (!decision.ok) {
                  call.sendStatus({ code: decision.code, details: decision.details, metadata: statusMetadata(decision.code, decision.details, { errorInfo: { reason: decision.reason, metadata: decision.info } }) });
                  return;
                }
                metadata.set(CALLER_METADATA_KEY, decision.caller);
                nextMetadata(metadata);
              })
              .catch((error: unknown) => {
                sink.error({ method: methodDescriptor.path, error_name: error instanceof Error ? error.name : typeof error }, 'service-token check failed unexpectedly');
                try {
                  call.sendStatus({ ...INTERNAL, metadata: new Metadata() } as StatusObject);
                } catch {
                  // Nothing more can be said on this call.
                }
              });
          })
          .build();
        next(listener);
      },
    });
}

/** The verified caller of a server call (set by the interceptor), if any. */
export function callerOf(metadata: Metadata): string | undefined {
  const value = metadata.get(CALLER_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}
