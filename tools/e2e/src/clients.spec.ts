import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { status, type ServiceError } from '@grpc/grpc-js';
import { readStatus, type ReadStatus } from '@signalpath/grpc-kit';
import { common, ranking, signal } from '@signalpath/proto';
import { startE2eStack, type E2eStack } from './stack';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');
const GRPCURL = path.join(ROOT, '.tools', 'bin', 'grpcurl');
const CLIMBING = '500';
const CONSENT = 'signalpath.consent.v1.ConsentService';
const SIGNAL = 'signalpath.signal.v1.SignalService';
const RANKING = 'signalpath.ranking.v1.RankingService';

/** Catalog items the clients should find once the climbing interest is learned. */
const ITEMS: ranking.Item[] = [
  ranking.Item.fromPartial({ itemId: 'e2e-group-climbing', kind: ranking.ItemKind.ITEM_KIND_GROUP, title: 'Boulderers', topicIds: [CLIMBING], baseScore: 0.2 }),
  ranking.Item.fromPartial({ itemId: 'e2e-reel-climbing', kind: ranking.ItemKind.ITEM_KIND_REEL, title: 'Crux beta', topicIds: [CLIMBING], baseScore: 0.2 }),
  ranking.Item.fromPartial({ itemId: 'e2e-post-cooking', kind: ranking.ItemKind.ITEM_KIND_POST, title: 'Pasta', topicIds: ['210'], baseScore: 0.5 }),
];

async function grpcurl(token: string, address: string, method: string, body: unknown): Promise<Record<string, unknown>> {
  // Bounded: a grpcurl that hangs is killed instead of holding the suite.
  const { stdout } = await run(GRPCURL, ['-plaintext', '-H', `authorization: Bearer ${token}`, '-d', JSON.stringify(body), address, method], { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('clients in other languages against the running services', () => {
  let stack: E2eStack;

  beforeAll(async () => {
    // RankingService runs one call at a time with no queue, so a burst is shed at once (nothing
    // else in this suite calls it concurrently).
    stack = await startE2eStack({ basePort: 31150, extraEnv: { RANKING_MAX_CONCURRENT_CALLS: '1', RANKING_MAX_QUEUED_CALLS: '0' } });
    await stack.clients.ranking.upsertItems({ items: ITEMS });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('Python (grpcio stubs generated from protos/) ingests on Messenger and gets climbing recommendations on Instagram', async () => {
    const { stdout } = await run(
      'bash',
      [path.join(ROOT, 'tools/clients/python/run.sh'), path.join(ROOT, 'tools/clients/python/ingest_and_recommend.py'),
        '--consent', stack.addresses.consent, '--signal', stack.addresses.signal, '--ranking', stack.addresses.ranking, '--user', 'py-e2e-user',
        '--consent-token', await stack.operatorToken(CONSENT), '--signal-token', await stack.operatorToken(SIGNAL), '--ranking-token', await stack.operatorToken(RANKING),
        '--invalid-example'],
      { timeout: 110_000 },
    );
    // An INVALID_ARGUMENT read with grpcio-status's standard helper: the google.rpc.BadRequest names the field.
    expect(stdout).toContain('invalid example: INVALID_ARGUMENT: interaction.user_id: must not be empty');
    expect(stdout).toContain('  field violation: interaction.user_id: must not be empty');
    expect(stdout).toContain('ingest: INGEST_STATUS_ACCEPTED');
    expect(stdout).toContain('recommend on Instagram: personalized');
  });

  it('an INVALID_ARGUMENT carries a google.rpc.BadRequest naming the field: grpcurl prints it, grpc-js reads it', async () => {
    const bad = { interaction: { interaction_id: 'grpcurl-bad-1', user_id: '', surface: 'SURFACE_MESSENGER', modality: 'MODALITY_TEXT', text: 'x', event_time: new Date().toISOString() } };
    const failed = await run(
      GRPCURL,
      ['-plaintext', '-H', `authorization: Bearer ${await stack.operatorToken(SIGNAL)}`, '-d', JSON.stringify(bad), stack.addresses.signal, 'signalpath.signal.v1.SignalService/IngestInteraction'],
      { timeout: 30_000 },
    ).then(
      () => undefined,
      (error: { stderr?: string; stdout?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    // grpcurl resolves the Any through reflection and prints it as JSON.
    expect(failed).toContain('Code: InvalidArgument');
    expect(failed).toContain('Message: interaction.user_id: must not be empty');
    expect(failed).toContain('"@type": "type.googleapis.com/google.rpc.BadRequest"');
    expect(failed).toMatch(/"field": "interaction\.user_id",\s+"description": "must not be empty"/);

    const error = await stack.clients.signal
      .ingestInteraction(signal.IngestInteractionRequest.fromPartial({ interaction: { interactionId: 'grpcjs-bad-1', userId: 'u', surface: 0, modality: 1, text: 'x', eventTime: new Date() } }))
      .then(() => undefined, (e: unknown) => e);
    expect(readStatus(error)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'interaction.surface: must be specified',
      details: { fieldViolations: [{ field: 'interaction.surface', description: 'must be specified' }], unknownTypes: [] },
    });
  });

  it('a load-shed RESOURCE_EXHAUSTED carries google.rpc.RetryInfo (the pushback, as a detail) and ErrorInfo OVERLOADED', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stack.clients.ranking.recommend(ranking.RecommendRequest.fromPartial({ userId: `shed-user-${i}`, surface: common.Surface.SURFACE_INSTAGRAM, limit: 5 })).then(
          (): { code: number; pushback?: string; read?: ReadStatus } => ({ code: status.OK }),
          (error: ServiceError) => ({ code: error.code, pushback: error.metadata?.get('grpc-retry-pushback-ms')[0]?.toString(), read: readStatus(error) }),
        ),
      ),
    );
    const shed = outcomes.filter((o) => o.code === status.RESOURCE_EXHAUSTED);
    expect(outcomes.filter((o) => o.code !== status.OK && o.code !== status.RESOURCE_EXHAUSTED)).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    for (const o of shed) {
      expect(Number(o.pushback)).toBeGreaterThan(0);
      expect(o.read?.details.retryDelayMs).toBe(Number(o.pushback));
      expect(o.read?.details.errorInfo).toEqual({ reason: 'OVERLOADED', domain: 'signalpath.dev', metadata: { cause: 'queue_full' } });
    }
  });

  it('grpcurl JSON calls do the same through reflection, with no proto files', async () => {
    const user = 'grpcurl-e2e-user';
    const got = await grpcurl(await stack.operatorToken(CONSENT), stack.addresses.consent, 'signalpath.consent.v1.ConsentService/UpdateSettings', {
      user_id: user,
      settings: { region: 'US', age_band: 'AGE_BAND_ADULT' },
      update_mask: { paths: ['region', 'age_band'] },
      expected_version: '0',
    });
    expect((got.settings as { region: string }).region).toBe('US');
    const ingest = await grpcurl(await stack.operatorToken(SIGNAL), stack.addresses.signal, 'signalpath.signal.v1.SignalService/IngestInteraction', {
      interaction: { interaction_id: 'grpcurl-1', user_id: user, surface: 'SURFACE_MESSENGER', modality: 'MODALITY_VOICE', text: 'um so i have been getting into rock climbing lately', event_time: new Date().toISOString() },
    });
    expect(ingest.status).toBe('INGEST_STATUS_ACCEPTED');
    let recommended: Record<string, unknown> = {};
    // Until the ingest shows (progress), bounded generously: a loaded machine delivers later.
    for (const waitUntil = Date.now() + 60_000; Date.now() < waitUntil; ) {
      recommended = await grpcurl(await stack.operatorToken(RANKING), stack.addresses.ranking, 'signalpath.ranking.v1.RankingService/Recommend', { user_id: user, surface: 'SURFACE_MESSENGER', limit: 5 });
      const items = (recommended.items as Array<{ item: { itemId: string } }>) ?? [];
      if (recommended.personalized && items[0]?.item.itemId.includes('climbing')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(recommended.personalized).toBe(true);
    const first = (recommended.items as Array<{ item: { itemId: string } }>)[0];
    expect(first.item.itemId).toMatch(/climbing/);
  });
});
