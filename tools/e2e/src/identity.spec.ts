import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { common, consent, profile, ranking, signal } from '@signalpath/proto';
import { createClient } from '@signalpath/grpc-kit';
import { loadTlsIdentity, tokenMetadataProvider } from '@signalpath/service-auth';
import { createConsentClient, createProfileClient, identityOptionsOf } from '@signalpath/service-clients';
import { startE2eStack, type E2eStack } from './stack';

// Issue 12 §1 and issue 13 (mTLS) against the four built services as real processes, started
// the way `npm start` starts them (tools/lib/stack.cjs) with SIGNALPATH_TLS_DIR set: health is
// checked over mTLS, so the stack only comes up if that works.
import stackLib = require('../../lib/stack.cjs');

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');
const GRPCURL = path.join(ROOT, '.tools', 'bin', 'grpcurl');
const SERVICE = {
  consent: { app: 'consent-service', grpc: 'signalpath.consent.v1.ConsentService', definition: consent.ConsentServiceService, probe: 'getSettings', request: consent.GetSettingsRequest.fromPartial({ userId: 'u' }) },
  signal: { app: 'signal-service', grpc: 'signalpath.signal.v1.SignalService', definition: signal.SignalServiceService, probe: 'listSignals', request: signal.ListSignalsRequest.fromPartial({ userId: 'u' }) },
  profile: { app: 'profile-service', grpc: 'signalpath.profile.v1.ProfileService', definition: profile.ProfileServiceService, probe: 'getProfile', request: profile.GetProfileRequest.fromPartial({ userId: 'u', limit: 10 }) },
  ranking: { app: 'ranking-service', grpc: 'signalpath.ranking.v1.RankingService', definition: ranking.RankingServiceService, probe: 'explainItem', request: ranking.ExplainItemRequest.fromPartial({ userId: 'u', itemId: 'i' }) },
} as const;
type Key = keyof typeof SERVICE;
const KEYS = Object.keys(SERVICE) as Key[];
const CLIMBING = '500';

const profileRequest = profile.GetProfileRequest.fromPartial({ userId: 'u', surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 10 });
const codeOf = (promise: Promise<unknown>) => promise.then(() => status.OK, (error: ServiceError) => error.code);

describe('service identity against real processes with mTLS (npm start layout)', () => {
  let stack: E2eStack;
  /** Client options of `certOf` presenting `tokenOf`'s token, for the service `key`. */
  const as = (certOf: string, tokenOf: string, key: Key) => ({
    ...identityOptionsOf({ identity: certOf, tls: loadTlsIdentity(stack.tlsDir ?? '', certOf) }, SERVICE[key].grpc),
    metadataProvider: tokenMetadataProvider(stack.keyRing, tokenOf, SERVICE[key].grpc),
    timeoutMs: 10_000,
  });
  const rawClient = (key: Key, options: Record<string, unknown>) =>
    createClient(SERVICE[key].definition, stack.addresses[key], { serviceName: SERVICE[key].grpc, timeoutMs: 10_000, ...options }) as unknown as Record<string, (request: unknown) => Promise<unknown>> & {
      close(): void;
    };
  const allServing = async () =>
    Promise.all(KEYS.map((key) => stackLib.healthStatus(stack.addresses[key], '', stackLib.healthTls(stack.env, SERVICE[key].app))));

  beforeAll(async () => {
    // startE2eStack waits for SERVING through the TLS health check of tools/lib/stack.cjs.
    stack = await startE2eStack({ basePort: 31850, tls: true });
    await stack.clients.ranking.upsertItems({
      items: [
        ranking.Item.fromPartial({ itemId: 'id-group-climbing', kind: ranking.ItemKind.ITEM_KIND_GROUP, title: 'Boulderers', topicIds: [CLIMBING], baseScore: 0.2 }),
        ranking.Item.fromPartial({ itemId: 'id-reel-climbing', kind: ranking.ItemKind.ITEM_KIND_REEL, title: 'Crux beta', topicIds: [CLIMBING], baseScore: 0.2 }),
      ],
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('comes up SERVING over mTLS and refuses plaintext callers', async () => {
    expect(await allServing()).toEqual(['SERVING', 'SERVING', 'SERVING', 'SERVING']);
    for (const key of KEYS) expect(await stackLib.healthStatus(stack.addresses[key])).toBe('DOWN');
  });

  it('serves the happy path: operator certificate and operator token, calls between services over mTLS', async () => {
    const user = 'tls-user';
    await stack.clients.consent.updateSettings({ userId: user, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    // IngestInteraction makes SignalService call ConsentService, then deliver to ProfileService.
    const ingested = await stack.clients.signal.ingestInteraction({
      interaction: signal.Interaction.fromPartial({ interactionId: 'tls-1', userId: user, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text: 'I have been getting into rock climbing lately', eventTime: new Date() }),
    });
    expect(ingested.status).toBe(signal.IngestStatus.INGEST_STATUS_ACCEPTED);
    let present = false;
    for (let attempt = 0; attempt < 80 && !present; attempt++) {
      present = (await stack.clients.profile.explainInterest({ userId: user, topicId: CLIMBING, surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT })).present;
      if (!present) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(present).toBe(true);
  });

  it('refuses a token of identity Y presented with the certificate of identity X', async () => {
    // ranking-service may read profiles: with its own certificate it gets through ...
    const own = createProfileClient(stack.addresses.profile, as('ranking-service', 'ranking-service', 'profile'));
    expect(await codeOf(own.getProfile(profileRequest))).toBe(status.OK);
    own.close();
    // ... its token presented with another identity's certificate is refused.
    for (const certOf of ['operator', 'settings-ui', 'consent-service']) {
      const stolen = createProfileClient(stack.addresses.profile, as(certOf, 'ranking-service', 'profile'));
      expect({ certOf, code: await codeOf(stolen.getProfile(profileRequest)) }).toEqual({ certOf, code: status.UNAUTHENTICATED });
      stolen.close();
    }
  });

  it('a client dialing ConsentService refuses a server presenting another identity (ProfileService at that address)', async () => {
    const misdirected = createConsentClient(stack.addresses.profile, { ...identityOptionsOf({ identity: 'operator', keyRing: stack.keyRing, tls: loadTlsIdentity(stack.tlsDir ?? '', 'operator') }, SERVICE.consent.grpc), timeoutMs: 5_000 });
    const error = await misdirected.getSettings({ userId: 'u' }).then(() => undefined, (e: ServiceError) => e);
    misdirected.close();
    expect(error?.code).toBe(status.UNAVAILABLE);
  });

  // Issue 12 §1: `Bearer bnVsbA.e30.AAAA` killed RankingService (and a validly signed null payload SignalService).
  it('regression: hostile tokens answer UNAUTHENTICATED on every service, and every process keeps serving', async () => {
    const hostile = ['bnVsbA.e30.AAAA', 'WzFd.bnVsbA.AAAA', 'MQ.MQ.MQ', 'e30.bnVsbA.', '..', 'a'.repeat(5_000)];
    for (const key of KEYS) {
      for (const token of hostile) {
        const client = rawClient(key, {
          ...identityOptionsOf({ identity: 'operator', tls: loadTlsIdentity(stack.tlsDir ?? '', 'operator') }, SERVICE[key].grpc),
          metadataProvider: () => {
            const metadata = new Metadata();
            metadata.set('authorization', `Bearer ${token}`);
            return metadata;
          },
        });
        expect({ key, token: token.slice(0, 20), code: await codeOf(client[SERVICE[key].probe](SERVICE[key].request)) }).toEqual({ key, token: token.slice(0, 20), code: status.UNAUTHENTICATED });
        client.close();
      }
    }
    expect(await allServing()).toEqual(['SERVING', 'SERVING', 'SERVING', 'SERVING']);
    await expect(stack.clients.ranking.explainItem({ userId: 'u', itemId: 'id-group-climbing', surface: common.Surface.SURFACE_INSTAGRAM })).resolves.toBeDefined();
  });

  it('grpcurl works as `npm start` prints it: the operator certificate and -servername <identity>', async () => {
    const tls = stack.tlsDir ?? '';
    const via = (identity: string) => ['-cacert', `${tls}/operator/ca.pem`, '-cert', `${tls}/operator/client.pem`, '-key', `${tls}/operator/client.key`, '-servername', identity];
    const { stdout: listed } = await run(GRPCURL, [...via('consent-service'), stack.addresses.consent, 'list']);
    expect(listed).toContain(SERVICE.consent.grpc);
    const { stdout: settings } = await run(GRPCURL, [...via('consent-service'), '-H', `authorization: Bearer ${await stack.operatorToken(SERVICE.consent.grpc)}`, '-d', '{"user_id":"grpcurl-tls"}', stack.addresses.consent, `${SERVICE.consent.grpc}/GetSettings`]);
    expect(JSON.parse(settings)).toHaveProperty('settings');
    // Asking for ConsentService's name at ProfileService's address fails the TLS name check.
    await expect(run(GRPCURL, [...via('consent-service'), stack.addresses.profile, 'list'])).rejects.toThrow();
  });

  it('the Python client (--tls-dir) ingests and gets climbing recommendations over mTLS', async () => {
    const { stdout } = await run(
      'bash',
      [
        path.join(ROOT, 'tools/clients/python/run.sh'),
        path.join(ROOT, 'tools/clients/python/ingest_and_recommend.py'),
        '--consent', stack.addresses.consent, '--signal', stack.addresses.signal, '--ranking', stack.addresses.ranking, '--user', 'py-tls-user',
        '--tls-dir', stack.tlsDir ?? '',
        '--consent-token', await stack.operatorToken(SERVICE.consent.grpc),
        '--signal-token', await stack.operatorToken(SERVICE.signal.grpc),
        '--ranking-token', await stack.operatorToken(SERVICE.ranking.grpc),
      ],
      { timeout: 170_000 },
    );
    expect(stdout).toContain('ingest: INGEST_STATUS_ACCEPTED');
    expect(stdout).toContain('recommend on Instagram: personalized');
  }, 180_000);
});
