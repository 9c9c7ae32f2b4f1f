import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import path from 'node:path';

/**
 * mTLS with certificates bound to identities (tools/certs.mjs makes them):
 * - every certificate names exactly one identity as a SAN URI `spiffe://signalpath/<identity>`;
 * - a server certificate has extendedKeyUsage serverAuth only, a client certificate clientAuth
 *   only, so neither can stand in for the other (OpenSSL enforces the usage during the
 *   handshake; we check it again);
 * - a client accepts a server only if its certificate names the identity it meant to reach;
 * - the server's auth interceptor requires the token issuer to equal the client certificate's
 *   identity (interceptor.ts).
 * Layout of SIGNALPATH_TLS_DIR: one directory per identity with `ca.pem`, `client.pem`,
 * `client.key` and, for the four services, `server.pem`, `server.key`. The CA's private key is
 * never in it (tools/certs.mjs keeps it in its own directory; loadTlsIdentity refuses one found).
 */
export const TRUST_DOMAIN = 'signalpath';
const SPIFFE_PREFIX = `spiffe://${TRUST_DOMAIN}/`;
const USAGE_OID = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;
export type CertificateUsage = keyof typeof USAGE_OID;

export function spiffeIdOf(identity: string): string {
  return `${SPIFFE_PREFIX}${identity}`;
}

/**
 * The identity a certificate proves for `usage`: its one `spiffe://signalpath/<identity>` URI,
 * provided its extended key usage allows `usage`. Undefined for anything else (no certificate,
 * no or another usage, no or several such URIs).
 */
export function certificateIdentity(cert: PeerCertificate | undefined, usage: CertificateUsage): string | undefined {
  if (!cert || !Array.isArray(cert.ext_key_usage) || !cert.ext_key_usage.includes(USAGE_OID[usage])) return undefined;
  const ours = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith(`URI:${SPIFFE_PREFIX}`))
    .map((entry) => entry.slice(`URI:${SPIFFE_PREFIX}`.length));
  if (ours.length !== 1 || !/^[a-z][a-z0-9-]{0,62}$/.test(ours[0])) return undefined;
  return ours[0];
}

/** Channel settings for reaching one server: credentials that verify it is `serverIdentity`. */
export interface TlsChannel {
  credentials: ChannelCredentials;
  channelOptions: Record<string, string>;
}

export interface TlsIdentity {
  identity: string;
  /** Serves with this identity's server certificate and requires CA-signed client certificates. */
  server?: ServerCredentials;
  /** Presents this identity's client certificate; talks only to a server proving `serverIdentity`. */
  clientFor(serverIdentity: string): TlsChannel;
}

/** The refusal a client reports when the server is not the identity it meant to reach. */
export function checkServerIsIdentity(expected: string): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    const actual = certificateIdentity(cert, 'serverAuth');
    return actual === expected ? undefined : new Error(`server certificate does not prove ${spiffeIdOf(expected)} for serverAuth (it names ${actual ? spiffeIdOf(actual) : 'no usable identity'})`);
  };
}

/** Loads `identity`'s certificates from `<dir>/<identity>/` (see the layout above). */
export function loadTlsIdentity(dir: string, identity: string): TlsIdentity {
  const own = path.join(dir, identity);
  for (const caKey of [path.join(dir, 'ca.key'), path.join(own, 'ca.key')]) {
    if (existsSync(caKey)) throw new Error(`${caKey}: the CA private key must not be in a certificate directory services read (SIGNALPATH_TLS_DIR); keep it apart`);
  }
  const read = (file: string) => {
    const full = path.join(own, file);
    if (!existsSync(full)) throw new Error(`${full} is missing (SIGNALPATH_TLS_DIR=${dir}; make certificates with node tools/certs.mjs)`);
    return readFileSync(full);
  };
  const ca = read('ca.pem');
  const clientCert = read('client.pem');
  const clientKey = read('client.key');
  const hasServer = existsSync(path.join(own, 'server.pem'));
  return {
    identity,
    server: hasServer ? ServerCredentials.createSsl(ca, [{ cert_chain: read('server.pem'), private_key: read('server.key') }], true) : undefined,
    clientFor: (serverIdentity) => ({
      credentials: credentials.createSsl(ca, clientKey, clientCert, { checkServerIdentity: checkServerIsIdentity(serverIdentity) }),
      // TLS server name = the identity (also a DNS SAN of its server certificate), not the address.
      channelOptions: { 'grpc.ssl_target_name_override': serverIdentity },
    }),
  };
}
