import { Metadata } from '@grpc/grpc-js';
import type { KeyRing } from './keys';
import { DEFAULT_TOKEN_TTL_SECONDS, mintToken } from './tokens';

/**
 * Metadata with a service token for `audience`, signed with `identity`'s key and reused until a
 * minute before it expires (signing is cheap, but not free on every call). Synchronous while a
 * token is cached; a Promise while one is being signed (jose signs asynchronously), shared by
 * every call waiting for it.
 */
export function tokenMetadataProvider(keyRing: KeyRing, identity: string, audience: string, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS): () => Metadata | Promise<Metadata> {
  const signer = keyRing.signer(identity);
  if (!signer) throw new Error(`no private key for identity ${identity}`);
  const refreshBeforeMs = Math.min(60, Math.floor(ttlSeconds / 2)) * 1000;
  let cached: { token: string; refreshAt: number } | undefined;
  let minting: Promise<string> | undefined;
  const metadataOf = (token: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return metadata;
  };
  return () => {
    if (cached && Date.now() < cached.refreshAt) return metadataOf(cached.token);
    if (!minting) {
      const started = Date.now();
      minting = mintToken({ issuer: identity, kid: signer.kid, audience, privateKey: signer.key, ttlSeconds, nowMs: started }).then(
        (token) => {
          cached = { token, refreshAt: started + ttlSeconds * 1000 - refreshBeforeMs };
          minting = undefined;
          return token;
        },
        (error: unknown) => {
          minting = undefined;
          throw error;
        },
      );
    }
    return minting.then(metadataOf);
  };
}
