#!/usr/bin/env node
// Makes a development CA and one certificate per identity for mTLS (openssl), into .certs/ or
// the directory given: ca.pem, <identity>.pem, <identity>.key. Then: SIGNALPATH_TLS_DIR=.certs.
// Usage: node tools/certs.mjs [dir]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const IDENTITIES = ['consent-service', 'signal-service', 'profile-service', 'ranking-service', 'assistant-backend', 'feed-backend', 'settings-ui', 'operator'];
const dir = path.resolve(process.argv[2] ?? path.join(ROOT, '.certs'));
mkdirSync(dir, { recursive: true, mode: 0o700 });
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });

openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-subj', '/CN=Signalpath development CA');
for (const identity of IDENTITIES) {
  // Services listen on loopback; the SAN lets clients verify 127.0.0.1 and localhost.
  writeFileSync(path.join(dir, `${identity}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${identity}.key`, '-out', `${identity}.csr`, '-subj', `/CN=${identity}`);
  openssl('x509', '-req', '-in', `${identity}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${identity}.pem`, '-days', '365', '-extfile', `${identity}.ext`);
}
console.log(`certificates for ${IDENTITIES.length} identities in ${dir}; set SIGNALPATH_TLS_DIR=${path.relative(process.cwd(), dir) || '.'}`);
