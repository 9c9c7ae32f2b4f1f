import { status, type ServiceError } from '@grpc/grpc-js';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { common, consent, ranking, signal } from '@signalpath/proto';
import { startE2eStack, testPort, type E2eStack } from './stack';

/**
 * A TCP proxy on loopback between two services that adds latency to every chunk (both ways) and,
 * while `dropping`, cuts connections. It also reads the HTTP/2 frames the caller sends and records
 * when RST_STREAM frames (a cancelled call) pass, to see when a downstream call really ended.
 */
class SlowLink {
  delayMs = 0;
  dropping = false;
  readonly resets: number[] = [];
  /** Connections refused while dropping. */
  cuts = 0;
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      if (this.dropping) {
        this.cuts++;
        return client.destroy();
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const forward = (from: net.Socket, to: net.Socket, inspect: boolean) => {
        let buffered = Buffer.alloc(0);
        let prefaceSkipped = false;
        // Chunks leave in the order they came: a chunk never overtakes one delayed longer before
        // the delay changed (HTTP/2 frames out of order break HPACK state and stream ids, and the
        // connection with them — the test would measure its own proxy).
        const pending: { dueAt: number; action: () => void }[] = [];
        let timer: NodeJS.Timeout | undefined;
        const drain = () => {
          timer = undefined;
          for (let next = pending[0]; next && next.dueAt <= performance.now(); next = pending[0]) {
            pending.shift();
            next.action();
          }
          if (pending.length) timer = setTimeout(drain, pending[0].dueAt - performance.now());
        };
        const later = (action: () => void) => {
          const dueAt = Math.max(performance.now() + this.delayMs, pending.at(-1)?.dueAt ?? 0);
          pending.push({ dueAt, action });
          if (!timer) timer = setTimeout(drain, Math.max(0, dueAt - performance.now()));
        };
        from.on('data', (chunk: Buffer) => {
          if (inspect) {
            buffered = Buffer.concat([buffered, chunk]);
            if (!prefaceSkipped && buffered.length >= 24) {
              buffered = buffered.subarray(24); // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
              prefaceSkipped = true;
            }
            while (prefaceSkipped && buffered.length >= 9) {
              const length = buffered.readUIntBE(0, 3);
              if (buffered.length < 9 + length) break;
              if (buffered[3] === 0x3) this.resets.push(performance.now());
              buffered = buffered.subarray(9 + length);
            }
          }
          later(() => to.writable && to.write(chunk));
        });
        from.on('close', () => later(() => to.destroy()));
        from.on('error', () => to.destroy());
      };
      forward(client, upstream, true);
      forward(upstream, client, false);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as net.AddressInfo).port;
  }

  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const BASE = testPort(31650);
// Ports follow startE2eStack's order: consent +1, signal +2, profile +3, ranking +4.
const CONSENT_PORT = BASE + 1;
const PROFILE_PORT = BASE + 3;

describe('slow and dropping links between services', () => {
  const toConsent = new SlowLink(CONSENT_PORT);
  const toProfile = new SlowLink(PROFILE_PORT);
  let stack: E2eStack;

  beforeAll(async () => {
    const consentProxy = await toConsent.start();
    const profileProxy = await toProfile.start();
    // SignalService and RankingService reach ConsentService and ProfileService through the links.
    stack = await startE2eStack({
      basePort: 31650,
      extraEnv: { CONSENT_ADDR: `127.0.0.1:${consentProxy}`, PROFILE_ADDR: `127.0.0.1:${profileProxy}`, SIGNAL_DELIVERY_MAX_BACKOFF: '1s' },
    });
    await stack.clients.consent.updateSettings({
      userId: 'slow-user',
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
      updateMask: ['region', 'age_band'],
      expectedVersion: '0',
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await toConsent.stop();
    await toProfile.stop();
  });

  const ingest = (id: string, timeoutMs: number) =>
    stack.clients.signal.ingestInteraction(
      { interaction: signal.Interaction.fromPartial({ interactionId: id, userId: 'slow-user', surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text: 'thinking about taking up rock climbing this spring', eventTime: new Date() }) },
      { timeoutMs },
    );

  it('a downstream call never outlives its parent: the consent call is cancelled by the ingest deadline', async () => {
    // Warm the connection first, so the call below opens its stream at once and must cancel it.
    const warmStarted = performance.now();
    await expect(ingest('slow-warm', 5_000)).resolves.toMatchObject({ status: signal.IngestStatus.INGEST_STATUS_ACCEPTED });
    // Scheduling slack for the checks below, from a measured round trip here, now (a loaded
    // machine answers everything later, deadlines included), never under 150 ms.
    const slackMs = Math.max(150, 2 * (performance.now() - warmStarted));
    toConsent.delayMs = 600; // a round trip to ConsentService now takes more than a second
    toConsent.resets.length = 0;
    const deadlineMs = 400;
    const started = performance.now();
    const code = await ingest('slow-1', deadlineMs).then(() => status.OK, (e: ServiceError) => e.code);
    const answeredAfter = performance.now() - started;
    expect(code).toBe(status.DEADLINE_EXCEEDED);
    expect(answeredAfter).toBeLessThan(deadlineMs + slackMs);
    // The RST_STREAM SignalService sent for its consent call left it no later than the parent's
    // deadline (plus scheduling slack), though the link delays it on the way to ConsentService.
    for (const waitUntil = performance.now() + 10_000; toConsent.resets.length === 0 && performance.now() < waitUntil; ) await new Promise((r) => setTimeout(r, 10));
    expect(toConsent.resets.length).toBeGreaterThan(0);
    expect(toConsent.resets[0] - started).toBeLessThan(deadlineMs + slackMs);
    // Nothing was stored: once the link is fast again the same id is ingested for the first time.
    toConsent.delayMs = 0;
    await expect(ingest('slow-1', 5_000)).resolves.toMatchObject({ status: signal.IngestStatus.INGEST_STATUS_ACCEPTED });
  });

  it('RankingService answers within the caller deadline, non-personalized and saying why, while ProfileService is behind a slow link', async () => {
    toProfile.delayMs = 500;
    const started = performance.now();
    const response = await stack.clients.ranking.recommend({ userId: 'slow-user', surface: common.Surface.SURFACE_MESSENGER, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 5 }, { timeoutMs: 1_500 });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(response.personalized).toBe(false);
    expect(response.notPersonalizedReason).toBe(ranking.NotPersonalizedReason.NOT_PERSONALIZED_REASON_DEGRADED);
    toProfile.delayMs = 0;
  });

  it('deliveries survive a link that drops connections: the outbox drains once it holds', async () => {
    toProfile.dropping = true;
    toProfile.cutAll();
    await expect(ingest('drop-1', 5_000)).resolves.toMatchObject({ status: signal.IngestStatus.INGEST_STATUS_ACCEPTED });
    // Deliveries are tried and cut while the link drops (progress, not a fixed wait).
    const cutsBefore = toProfile.cuts;
    for (const waitUntil = Date.now() + 30_000; toProfile.cuts < cutsBefore + 2 && Date.now() < waitUntil; ) await new Promise((r) => setTimeout(r, 50));
    expect(toProfile.cuts).toBeGreaterThanOrEqual(cutsBefore + 2);
    const pending = await stack.clients.signal.getOutboxStatus({});
    expect(Number(pending.pendingCount)).toBeGreaterThan(0);
    toProfile.dropping = false;
    let drained = false;
    for (const waitUntil = Date.now() + 60_000; !drained && Date.now() < waitUntil; ) {
      await new Promise((r) => setTimeout(r, 200));
      drained = Number((await stack.clients.signal.getOutboxStatus({})).pendingCount) === 0;
    }
    expect(drained).toBe(true);
    const explained = await stack.clients.profile.explainInterest({ userId: 'slow-user', topicId: '500', surface: common.Surface.SURFACE_MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT });
    expect(explained.present).toBe(true);
  });
});
