import { Metadata } from '@grpc/grpc-js';
import type { KeyRing } from './keys';
import { mintToken } from './tokens';

/**
 * Metadata with a service token for `audience`, minted with `identity`'s key and reused until a
 * minute before it expires (signing is cheap, but not free on every call).
 */
export function tokenMetadataProvider(keyRing: KeyRing, identity: string, audience: string, ttlSeconds = 300): () => Metadata {
  const privateKey = keyRing.privateKey(identity);
  if (!privateKey) throw new Error(`no private key for identity ${identity}`);
  let cached: { token: string; refreshAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now >= cached.refreshAt) {
      cached = { token: mintToken({ issuer: identity, audience, privateKey, ttlSeconds }), refreshAt: now + (ttlSeconds - 60) * 1000 };
    }
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${cached.token}`);
    return metadata;
  };
}
