#!/usr/bin/env node
// Makes development certificates for mTLS (openssl): a CA, and per identity a client certificate
// and (the services of the stack description) a server certificate, each naming the identity as a SAN URI
// spiffe://signalpath/<identity> and allowing one usage only (clientAuth or serverAuth).
//   <dir>/<identity>/{ca.pem, client.pem, client.key[, server.pem, server.key]}   (SIGNALPATH_TLS_DIR=<dir>)
//   <ca-dir>/{ca.pem, ca.key}   the CA, apart from every directory a service reads; reused if present
// Usage: node tools/certs.mjs [dir=.certs] [--ca-dir <dir>=<dir>-ca]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

// The services of the stack description (a service added by the generator gets certificates too).
const SERVICES = JSON.parse(readFileSync(path.join(ROOT, 'libs/config/src/stack.json'), 'utf8')).services.map((s) => s.app);
const IDENTITIES = [...SERVICES, 'assistant-backend', 'feed-backend', 'settings-ui', 'operator'];

const args = process.argv.slice(2);
const caFlag = args.indexOf('--ca-dir');
const caDirArg = caFlag >= 0 ? args.splice(caFlag, 2)[1] : undefined;
const dir = path.resolve(args[0] ?? path.join(ROOT, '.certs'));
const caDir = path.resolve(caDirArg ?? `${dir}-ca`);
if (caDir === dir || caDir.startsWith(`${dir}${path.sep}`)) {
  console.error(`the CA directory (${caDir}) must lie outside ${dir}, which services read`);
  process.exit(2);
}
const openssl = (...argv) => {
  try {
    execFileSync('openssl', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    console.error(`openssl ${argv[0]} failed:\n${error.stderr?.toString() ?? error.message}`);
    process.exit(1);
  }
};

mkdirSync(caDir, { recursive: true, mode: 0o700 });
const caKey = path.join(caDir, 'ca.key');
const caPem = path.join(caDir, 'ca.pem');
if (!existsSync(caKey) || !existsSync(caPem)) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caPem, '-days', '365',
    '-subj', '/CN=Signalpath development CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

/** One certificate for `identity` and `usage`, signed by the CA, into `<dir>/<identity>/<role>.{pem,key}`. */
function issue(identity, role) {
  const out = path.join(dir, identity);
  const usage = role === 'server' ? 'serverAuth' : 'clientAuth';
  // Servers also carry the identity as a DNS name: clients that check names rather than URIs
  // (Python's grpcio, grpcurl -servername) then verify the identity too. No IP address: an address
  // says nothing about which service answers.
  const san = role === 'server' ? `URI:spiffe://signalpath/${identity},DNS:${identity}` : `URI:spiffe://signalpath/${identity}`;
  const ext = path.join(out, `${role}.ext`);
  const csr = path.join(out, `${role}.csr`);
  writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=critical,${usage}\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(out, `${role}.key`), '-out', csr, '-subj', `/CN=${identity}`);
  openssl('x509', '-req', '-in', csr, '-CA', caPem, '-CAkey', caKey, '-CAcreateserial', '-CAserial', path.join(caDir, 'ca.srl'),
    '-out', path.join(out, `${role}.pem`), '-days', '365', '-extfile', ext);
  rmSync(ext);
  rmSync(csr);
}

for (const identity of IDENTITIES) {
  const out = path.join(dir, identity);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  copyFileSync(caPem, path.join(out, 'ca.pem'));
  issue(identity, 'client');
  if (SERVICES.includes(identity)) issue(identity, 'server');
}
console.log(`certificates for ${IDENTITIES.length} identities in ${dir}/<identity>/ (the CA key stays in ${caDir}); set SIGNALPATH_TLS_DIR=${dir}`);
