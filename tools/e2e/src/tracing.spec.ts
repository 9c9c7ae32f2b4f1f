import { common, consent, signal } from '@signalpath/proto';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { startE2eStack, type E2eStack } from './stack';

const TEXT = 'Planning a bouldering trip to Fontainebleau, which climbing shoes grip best on sandstone?';
const DISTINCTIVE = ['Fontainebleau', 'sandstone', 'bouldering trip'];

function servicesIn(spans: ReceivedSpan[], traceId: string): Set<string> {
  return new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service));
}

describe('tracing across processes (OTLP/HTTP to a receiver in the test)', () => {
  const receiver = new OtlpReceiver();
  let stack: E2eStack;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    stack = await startE2eStack({ basePort: 31050, otlpEndpoint: endpoint });
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('follows one IngestInteraction through Signal, Consent and Profile, then one Recommend through Ranking, Profile and Consent — and no span carries the text', async () => {
    const userId = 'trace-user-1';
    await stack.clients.consent.updateSettings({
      userId,
      settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
      updateMask: ['region', 'age_band'],
      expectedVersion: '0',
    });

    const ingest = await stack.clients.signal.ingestInteraction({
      interaction: signal.Interaction.fromPartial({
        interactionId: 'trace-interaction-1',
        userId,
        surface: common.Surface.SURFACE_MESSENGER,
        modality: common.Modality.MODALITY_TEXT,
        text: TEXT,
        eventTime: new Date(),
      }),
    });
    expect(ingest.status).toBe(signal.IngestStatus.INGEST_STATUS_ACCEPTED);

    // The server span of the ingest call roots the trace; delivery to ProfileService continues it.
    await receiver.waitFor((spans) => {
      const root = spans.find((s) => s.service === 'signal-service' && s.name.includes('IngestInteraction') && s.kind === 2);
      if (!root) return false;
      const services = servicesIn(spans, root.traceId);
      return services.has('consent-service') && services.has('profile-service');
    }, 20_000);
    const ingestTrace = receiver.spans.find((s) => s.service === 'signal-service' && s.name.includes('IngestInteraction') && s.kind === 2)!.traceId;
    const ingestSpans = receiver.spans.filter((s) => s.traceId === ingestTrace);
    expect(ingestSpans.some((s) => s.service === 'signal-service' && s.attributes['db.system.name'] === 'mongodb')).toBe(true);
    expect(ingestSpans.some((s) => s.service === 'profile-service' && s.name.includes('ApplySignals'))).toBe(true);

    await stack.clients.ranking.recommend({ userId, surface: common.Surface.SURFACE_MESSENGER, kind: 0, limit: 10 });
    await receiver.waitFor((spans) => {
      const root = spans.find((s) => s.service === 'ranking-service' && s.name.includes('Recommend') && s.kind === 2);
      if (!root) return false;
      const services = servicesIn(spans, root.traceId);
      return services.has('profile-service') && services.has('consent-service');
    }, 20_000);

    // Invariant 1: nothing a person wrote reaches a span, in attributes, events or the raw export.
    const exported = receiver.rawBodies.join('\n');
    for (const fragment of [TEXT, ...DISTINCTIVE]) expect(exported).not.toContain(fragment);
    for (const span of receiver.spans) {
      const serialized = JSON.stringify([span.name, span.attributes, span.events]);
      for (const fragment of DISTINCTIVE) expect(serialized).not.toContain(fragment);
    }
  });
});
