// `npm run -s token -- <service> [identity]`: prints a service token for grpcurl, e.g.
//   grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- consent)" 127.0.0.1:50051 …
// Signed with the key of `identity` (default operator) from SIGNALPATH_KEYS_DIR (.keys/, where
// `npm start` generates development keys). Valid for SIGNALPATH_TOKEN_TTL (default and most:
// SIGNALPATH_TOKEN_MAX_LIFETIME, 10 minutes): the services refuse anything longer.
import path from 'node:path';
import { envReader, SERVICES, type ServiceKey } from '@signalpath/config';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, loadKeyRing, mintToken } from '@signalpath/service-auth';

async function main(): Promise<void> {
  const [service, identity = 'operator'] = process.argv.slice(2);
  if (!service || !Object.hasOwn(SERVICES, service)) {
    console.error(`usage: npm run -s token -- <${Object.keys(SERVICES).join('|')}> [identity]`);
    process.exit(2);
  }
  const env = envReader();
  const maxLifetimeSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_MAX_LIFETIME', DEFAULT_MAX_TOKEN_LIFETIME_SECONDS * 1000) / 1000);
  const ttlSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_TTL', maxLifetimeSeconds * 1000) / 1000);
  env.done();
  const dir = path.resolve(process.env.SIGNALPATH_KEYS_DIR ?? '.keys');
  const signer = loadKeyRing(dir, { allowDevelopmentKeys: true }).signer(identity);
  if (!signer) {
    console.error(`no private key for ${identity} in ${dir} (SIGNALPATH_KEYS_DIR); \`npm start\` generates development keys there`);
    process.exit(1);
  }
  console.log(await mintToken({ issuer: identity, kid: signer.kid, audience: SERVICES[service as ServiceKey].grpcService, privateKey: signer.key, ttlSeconds, maxLifetimeSeconds }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
