import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadKeyRing, loadTlsIdentity } from '@signalpath/service-auth';
import { identityOptionsOf, type IdentityOptions } from '@signalpath/service-clients';

/**
 * Credentials for tools run by a person (demo, benchmarks) against `npm start`: service tokens of
 * the `operator` identity, signed with the key in SIGNALPATH_KEYS_DIR (default `.keys/`, the
 * development keys `npm start` generates), and with SIGNALPATH_TLS_DIR set, the operator's client
 * certificate and a check that each server is the service it should be. Without keys, no token.
 */
export function operatorCredentials(identity = 'operator'): (audience: string) => IdentityOptions {
  const dir = process.env.SIGNALPATH_KEYS_DIR ?? path.resolve('.keys');
  const tlsDir = process.env.SIGNALPATH_TLS_DIR;
  const tls = tlsDir ? loadTlsIdentity(path.resolve(tlsDir), identity) : undefined;
  const keyRing = existsSync(path.join(dir, `${identity}.key`)) ? loadKeyRing(dir, { allowDevelopmentKeys: true }) : undefined;
  return (audience) => identityOptionsOf({ identity, keyRing, tls }, audience);
}
