import { Metadata, ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { KeyObject } from 'node:crypto';
import { isAllowed, isOpenMethod, METHOD_CALLERS, serviceOfPath } from './policy';
import { verifyToken } from './tokens';

/** Metadata key carrying the verified caller identity to handlers (e.g. the settings history actor). */
export const CALLER_METADATA_KEY = 'x-signalpath-caller';

export type AuthDecision = { ok: true; caller: string } | { ok: false; code: status; details: string };

/**
 * Authenticates a call from its metadata: `authorization: Bearer <token>` signed by a known
 * identity for this service (audience), unexpired; then authorizes the caller for the method.
 */
export function authorizeCall(
  path: string,
  metadata: Metadata,
  options: { publicKeys: ReadonlyMap<string, KeyObject>; table?: Record<string, readonly string[]>; nowMs?: number },
): AuthDecision {
  const header = metadata.get('authorization')[0];
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!token) return { ok: false, code: status.UNAUTHENTICATED, details: 'missing service token (authorization: Bearer …)' };
  const verified = verifyToken(token, { audience: serviceOfPath(path), publicKeys: options.publicKeys, nowMs: options.nowMs });
  if (!verified.ok) return { ok: false, code: status.UNAUTHENTICATED, details: `invalid service token: ${verified.problem}` };
  if (!isAllowed(path, verified.caller, options.table ?? METHOD_CALLERS)) {
    return { ok: false, code: status.PERMISSION_DENIED, details: `${verified.caller} may not call ${path}` };
  }
  return { ok: true, caller: verified.caller };
}

/**
 * A grpc-js server interceptor enforcing `authorizeCall` before any handler runs. Health and
 * reflection stay open. A caller-supplied identity header is always replaced by the verified one.
 */
export function createAuthInterceptor(options: { publicKeys: ReadonlyMap<string, KeyObject>; table?: Record<string, readonly string[]> }): ServerInterceptor {
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        const listener = new ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, nextMetadata) => {
            metadata.remove(CALLER_METADATA_KEY);
            if (isOpenMethod(methodDescriptor.path)) return nextMetadata(metadata);
            const decision = authorizeCall(methodDescriptor.path, metadata, options);
            if (!decision.ok) {
              call.sendStatus({ code: decision.code, details: decision.details, metadata: new Metadata() });
              return;
            }
            metadata.set(CALLER_METADATA_KEY, decision.caller);
            nextMetadata(metadata);
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
