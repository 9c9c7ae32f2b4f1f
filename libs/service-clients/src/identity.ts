import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { SERVICES } from '@signalpath/config';
import { tokenMetadataProvider, type KeyRing, type TlsIdentity } from '@signalpath/service-auth';

/**
 * The identity this process calls other services as. Set once at start by the service host (or a
 * tool); every client made by this lib then carries a service token for the service it calls
 * (when a key ring is given), and uses mTLS when configured, accepting only a server that proves
 * the identity of the service it calls. Unset (unit tests): no credentials are sent.
 */
export interface ProcessIdentity {
  identity: string;
  keyRing?: KeyRing;
  tls?: TlsIdentity;
  /** Lifetime of the tokens it mints (default 5 minutes). */
  tokenTtlSeconds?: number;
}

let current: ProcessIdentity | undefined;

export function configureServiceIdentity(identity: ProcessIdentity | undefined): void {
  current = identity;
}

/** `signalpath.consent.v1.ConsentService` → `consent-service`: the identity that must answer. */
export function serverIdentityOf(grpcService: string): string {
  const spec = Object.values(SERVICES).find((s) => s.grpcService === grpcService);
  if (!spec) throw new Error(`unknown service ${grpcService}`);
  return spec.app;
}

export interface IdentityOptions {
  metadataProvider?: () => Metadata | Promise<Metadata>;
  credentials?: ChannelCredentials;
  channelOptions?: Record<string, string>;
}

/** Client options of `who` calling `audience`: its token provider and its mTLS channel. */
export function identityOptionsOf(who: ProcessIdentity, audience: string): IdentityOptions {
  const options: IdentityOptions = {};
  if (who.keyRing) options.metadataProvider = tokenMetadataProvider(who.keyRing, who.identity, audience, who.tokenTtlSeconds);
  if (who.tls) Object.assign(options, who.tls.clientFor(serverIdentityOf(audience)));
  return options;
}

/** Options to merge into a client's, for this process's identity (see configureServiceIdentity). */
export function identityOptions(audience: string): IdentityOptions {
  return current ? identityOptionsOf(current, audience) : {};
}
