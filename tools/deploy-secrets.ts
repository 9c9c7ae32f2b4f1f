// `node tools/run.mjs tools/deploy-secrets.ts [--force]`: placeholder secrets for the compose stack
// and the local Kubernetes overlay, written into git-ignored directories:
//   deploy/compose/secrets/keyring/              every identity's Ed25519 pair (the operator's ring:
//                                                SIGNALPATH_KEYS_DIR=<it> npm run -s token -- consent)
//   deploy/{compose,k8s/overlays/local}/secrets/<app>/   the app's private key + every public key
//   deploy/compose/secrets/signal.env            SIGNAL_HASH_SECRET=<32 random bytes>
//   deploy/k8s/overlays/local/secrets/signal-hash-secret.env, mongodb.env
// Existing files are kept (so running it again changes nothing) unless --force. For a real cluster,
// make keys the same way on a trusted machine and store them in the cluster's secret manager.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@signalpath/config';
import { createDeploymentKeys, IDENTITIES } from '@signalpath/service-auth';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE = path.join(ROOT, 'deploy', 'compose', 'secrets');
const K8S = path.join(ROOT, 'deploy', 'k8s', 'overlays', 'local', 'secrets');
const KEYRING = path.join(COMPOSE, 'keyring');
/** The local overlay's replica set (deploy/k8s/overlays/local/mongodb.yaml). */
const LOCAL_MONGODB_URI = 'mongodb://mongo-0.mongo:27017,mongo-1.mongo:27017,mongo-2.mongo:27017/?replicaSet=rs0';

const force = process.argv.includes('--force');
if (force) for (const dir of [COMPOSE, K8S]) rmSync(dir, { recursive: true, force: true });

// The directories are closed to other users of this machine; the files inside a service's
// directory are world-readable because the container's user (uid 1000) is not this machine's user.
for (const dir of [COMPOSE, K8S]) {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
}
// Real (unmarked) keys: the containers run without SIGNALPATH_DEV_KEYS and refuse generated ones.
createDeploymentKeys(KEYRING);

for (const { app } of Object.values(SERVICES)) {
  for (const base of [COMPOSE, K8S]) {
    const dir = path.join(base, app);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const files = [`${app}.key`, ...IDENTITIES.map((identity) => `${identity}.pub`)];
    for (const file of files) {
      const target = path.join(dir, file);
      if (!existsSync(target)) copyFileSync(path.join(KEYRING, file), target);
      chmodSync(target, 0o644);
    }
  }
}

function writeOnce(file: string, content: () => string): void {
  if (!existsSync(file)) writeFileSync(file, content(), { mode: 0o600 });
}
const hashSecret = path.join(COMPOSE, 'signal.env');
writeOnce(hashSecret, () => `SIGNAL_HASH_SECRET=${randomBytes(32).toString('base64url')}\n`);
chmodSync(hashSecret, 0o644); // read by the compose CLI, passed as an environment variable
writeOnce(path.join(K8S, 'signal-hash-secret.env'), () => readFileSync(hashSecret, 'utf8'));
writeOnce(path.join(K8S, 'mongodb.env'), () => `MONGODB_URI=${LOCAL_MONGODB_URI}\n`);

console.log(`placeholder secrets in ${path.relative(ROOT, COMPOSE)} and ${path.relative(ROOT, K8S)} (git-ignored)`);
