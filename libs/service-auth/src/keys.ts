import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { privateKeyFromPem, publicKeyOf } from './tokens';

/** The identities that sign service tokens: the four services and the external caller roles. */
export const IDENTITIES = [
  'consent-service',
  'signal-service',
  'profile-service',
  'ranking-service',
  // Callers outside Signalpath (other internal services) and people operating it.
  'assistant-backend',
  'feed-backend',
  'settings-ui',
  'operator',
] as const;
export type Identity = (typeof IDENTITIES)[number];

export interface KeyRing {
  /** Public keys of every identity, to verify tokens. */
  publicKeys: Map<string, KeyObject>;
  /** The private key of `identity`, if this key directory holds it. */
  privateKey(identity: string): KeyObject | undefined;
}

function readIfPresent(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Development keys: generated on first start into `dir` (git-ignored `.keys/`), one Ed25519 pair
 * per identity. Concurrent first starts race safely: a key file is created exclusively and whoever
 * loses reads the winner's.
 */
export function ensureDevKeys(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const identity of IDENTITIES) {
    const keyFile = path.join(dir, `${identity}.key`);
    if (existsSync(keyFile)) continue;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
      writeFileSync(path.join(dir, `${identity}.pub`), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Loads a key directory: `<identity>.pub` for every identity present (derived from `.key` when only
 * that exists), private keys where present. In production each service's directory holds only its
 * own private key and everyone's public keys.
 */
export function loadKeyRing(dir: string): KeyRing {
  const publicKeys = new Map<string, KeyObject>();
  const privateKeys = new Map<string, KeyObject>();
  for (const identity of IDENTITIES) {
    const privatePem = readIfPresent(path.join(dir, `${identity}.key`));
    const privateKey = privatePem?.trim() ? privateKeyFromPem(privatePem) : undefined;
    if (privateKey) privateKeys.set(identity, privateKey);
    const publicPem = readIfPresent(path.join(dir, `${identity}.pub`));
    if (publicPem?.trim()) publicKeys.set(identity, publicKeyOf(publicPem));
    else if (privateKey) publicKeys.set(identity, publicKeyOf(privateKey));
  }
  return { publicKeys, privateKey: (identity) => privateKeys.get(identity) };
}

/** An in-memory key ring with fresh keys for every identity (tests). */
export function generateKeyRing(): KeyRing {
  const publicKeys = new Map<string, KeyObject>();
  const privateKeys = new Map<string, KeyObject>();
  for (const identity of IDENTITIES) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    privateKeys.set(identity, privateKey);
    publicKeys.set(identity, publicKey);
  }
  return { publicKeys, privateKey: (identity) => privateKeys.get(identity) };
}
