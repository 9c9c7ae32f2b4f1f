// What `npm run -s token` and `npm run -s user-token` share: the lifetime settings and the signing
// key of one identity from SIGNALPATH_KEYS_DIR (.keys/, where `npm start` generates development keys).
import path from 'node:path';
import { envReader } from '@signalpath/config';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, loadKeyRing, type SigningKey } from '@signalpath/service-auth';

export interface LocalSigner {
  signer: SigningKey;
  ttlSeconds: number;
  maxLifetimeSeconds: number;
}

/** Exits (1) naming the directory when `identity` has no private key there. */
export function localSigner(identity: string, defaultTtlSeconds?: number): LocalSigner {
  const env = envReader();
  const maxLifetimeSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_MAX_LIFETIME', DEFAULT_MAX_TOKEN_LIFETIME_SECONDS * 1000) / 1000);
  const ttlSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_TTL', Math.min(defaultTtlSeconds ?? maxLifetimeSeconds, maxLifetimeSeconds) * 1000) / 1000);
  env.done();
  const dir = path.resolve(process.env.SIGNALPATH_KEYS_DIR ?? '.keys');
  const signer = loadKeyRing(dir, { allowDevelopmentKeys: true }).signer(identity);
  if (!signer) {
    console.error(`no private key for ${identity} in ${dir} (SIGNALPATH_KEYS_DIR); \`npm start\` generates development keys there`);
    process.exit(1);
  }
  return { signer, ttlSeconds, maxLifetimeSeconds };
}

/** Runs a command's main, printing only the message of an error (never a stack with key paths). */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
