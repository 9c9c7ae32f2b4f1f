// `npm run -s token -- <service> [identity]`: prints a service token for grpcurl, e.g.
//   grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- consent)" 127.0.0.1:50051 …
// Signed with the key of `identity` (default operator) from SIGNALPATH_KEYS_DIR (.keys/, where
// `npm start` generates development keys). Valid for SIGNALPATH_TOKEN_TTL (default and most:
// SIGNALPATH_TOKEN_MAX_LIFETIME, 10 minutes): the services refuse anything longer.
import { SERVICES, type ServiceKey } from '@signalpath/config';
import { mintToken } from '@signalpath/service-auth';
import { localSigner, runMain } from './lib/local-signer';

runMain(async () => {
  const [service, identity = 'operator'] = process.argv.slice(2);
  if (!service || !Object.hasOwn(SERVICES, service)) {
    console.error(`usage: npm run -s token -- <${Object.keys(SERVICES).join('|')}> [identity]`);
    process.exit(2);
  }
  const { signer, ttlSeconds, maxLifetimeSeconds } = localSigner(identity);
  console.log(await mintToken({ issuer: identity, kid: signer.kid, audience: SERVICES[service as ServiceKey].grpcService, privateKey: signer.key, ttlSeconds, maxLifetimeSeconds }));
});
