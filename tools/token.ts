// `npm run -s token -- <service> [identity]`: prints a service token for grpcurl, e.g.
//   grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- consent)" 127.0.0.1:50051 …
// Signed with the development key of `identity` (default operator) from SIGNALPATH_KEYS_DIR (.keys/).
import path from 'node:path';
import { SERVICES, type ServiceKey } from '@signalpath/config';
import { ensureDevKeys, loadKeyRing, mintToken } from '@signalpath/service-auth';

const [service, identity = 'operator'] = process.argv.slice(2);
if (!service || !Object.hasOwn(SERVICES, service)) {
  console.error(`usage: npm run -s token -- <${Object.keys(SERVICES).join('|')}> [identity]`);
  process.exit(2);
}
const dir = path.resolve(process.env.SIGNALPATH_KEYS_DIR ?? '.keys');
ensureDevKeys(dir);
const privateKey = loadKeyRing(dir).privateKey(identity);
if (!privateKey) {
  console.error(`no key for ${identity} in ${dir}`);
  process.exit(1);
}
console.log(mintToken({ issuer: identity, audience: SERVICES[service as ServiceKey].grpcService, privateKey, ttlSeconds: 3600 }));
