// `npm run -s user-token -- <service> <user-id>`: prints an end-user assertion for local use, as the
// identity provider would mint it for a signed-in person, e.g. (settings-ui acting for alice):
//   grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- consent settings-ui)" \
//     -H "x-signalpath-user-assertion: $(npm run -s user-token -- consent alice)" \
//     -d '{"user_id":"alice"}' 127.0.0.1:50051 signalpath.consent.v1.ConsentService/GetSettings
// Signed with the identity-provider key in SIGNALPATH_KEYS_DIR (.keys/, where `npm start` generates
// development keys). Valid for SIGNALPATH_TOKEN_TTL (default 5 minutes, at most
// SIGNALPATH_TOKEN_MAX_LIFETIME).
import { SERVICES, type ServiceKey } from '@signalpath/config';
import { DEFAULT_USER_ASSERTION_TTL_SECONDS, IDENTITY_PROVIDER, mintUserAssertion } from '@signalpath/service-auth';
import { localSigner, runMain } from './lib/local-signer';

runMain(async () => {
  const [service, userId] = process.argv.slice(2);
  if (!service || !Object.hasOwn(SERVICES, service) || userId === undefined) {
    console.error(`usage: npm run -s user-token -- <${Object.keys(SERVICES).join('|')}> <user-id>`);
    process.exit(2);
  }
  const { signer, ttlSeconds, maxLifetimeSeconds } = localSigner(IDENTITY_PROVIDER, DEFAULT_USER_ASSERTION_TTL_SECONDS);
  console.log(await mintUserAssertion({ userId, audience: SERVICES[service as ServiceKey].grpcService, privateKey: signer.key, kid: signer.kid, ttlSeconds, maxLifetimeSeconds }));
});
