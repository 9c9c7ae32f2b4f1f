import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { tokenMetadataProvider, type KeyRing } from '@signalpath/service-auth';

/**
 * The identity this process calls other services as. Set once at start by the service host (or a
 * tool); every client made by this lib then carries a service token for the service it calls, and
 * uses mTLS when configured. Unset (unit tests): no credentials are sent.
 */
interface ProcessIdentity {
  identity: string;
  keyRing: KeyRing;
  channelCredentials?: ChannelCredentials;
}

let current: ProcessIdentity | undefined;

export function configureServiceIdentity(identity: ProcessIdentity | undefined): void {
  current = identity;
}

/** Options to merge into a client's: its token provider and channel credentials. */
export function identityOptions(audience: string): { metadataProvider?: () => Metadata; credentials?: ChannelCredentials } {
  if (!current) return {};
  return { metadataProvider: tokenMetadataProvider(current.keyRing, current.identity, audience), credentials: current.channelCredentials };
}
