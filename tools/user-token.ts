// `npm run -s user-token -- <service> <user-id>`: prints an end-user assertion for local use, as the
// identity provider would mint it for a signed-in person, e.g. (settings-ui acting for alice):
//   grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- consent settings-ui)" \
//     -H "x-signalpath-user-assertion: $(npm run -s user-token -- consent alice)" \
//     -d '{"user_id":"alice"}' 127.0.0.1:50051 signalpath.consent.v1.ConsentService/GetSettings
// Signed with the identity-provider key in SIGNALPATH_KEYS_DIR (.keys/, where `npm start` generates
// development keys). Valid for SIGNALPATH_TOKEN_TTL (default 5 minutes, at most
// SIGNALPATH_TOKEN_MAX_LIFETIME).
import path from 'node:path';
import { envReader, SERVICES, type ServiceKey } from '@signalpath/config';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, DEFAULT_USER_ASSERTION_TTL_SECONDS, IDENTITY_PROVIDER, loadKeyRing, mintUserAssertion } from '@signalpath/service-auth';

async function main(): Promise<void> {
  const [service, userId] = process.argv.slice(2);
  if (!service || !Object.hasOwn(SERVICES, service) || userId === undefined) {
    console.error(`usage: npm run -s user-token -- <${Object.keys(SERVICES).join('|')}> <user-id>`);
    process.exit(2);
  }
  const env = envReader();
  const maxLifetimeSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_MAX_LIFETIME', DEFAULT_MAX_TOKEN_LIFETIME_SECONDS * 1000) / 1000);
  const ttlSeconds = Math.floor(env.durationMs('SIGNALPATH_TOKEN_TTL', Math.min(DEFAULT_USER_ASSERTION_TTL_SECONDS, maxLifetimeSeconds) * 1000) / 1000);
  env.done();
  const dir = path.resolve(process.env.SIGNALPATH_KEYS_DIR ?? '.keys');
  const signer = loadKeyRing(dir, { allowDevelopmentKeys: true }).signer(IDENTITY_PROVIDER);
  if (!signer) {
    console.error(`no private key for ${IDENTITY_PROVIDER} in ${dir} (SIGNALPATH_KEYS_DIR); \`npm start\` generates development keys there`);
    process.exit(1);
  }
  console.log(await mintUserAssertion({ userId, audience: SERVICES[service as ServiceKey].grpcService, privateKey: signer.key, kid: signer.kid, ttlSeconds, maxLifetimeSeconds }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
