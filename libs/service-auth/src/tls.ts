import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TlsCredentials {
  server: ServerCredentials;
  client: ChannelCredentials;
}

/**
 * mTLS credentials for `identity` from a directory made by `node tools/certs.mjs`: the CA
 * (`ca.pem`) and the identity's certificate and key. Servers require client certificates signed
 * by the same CA; clients verify the server's.
 */
export function loadTlsCredentials(dir: string, identity: string): TlsCredentials {
  const read = (file: string) => readFileSync(path.join(dir, file));
  const ca = read('ca.pem');
  const cert = read(`${identity}.pem`);
  const key = read(`${identity}.key`);
  return {
    server: ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true),
    client: credentials.createSsl(ca, key, cert),
  };
}
