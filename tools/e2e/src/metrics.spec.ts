import { status, type ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@signalpath/grpc-kit';
import { common, consent, ranking, signal } from '@signalpath/proto';
import { loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { OtlpReceiver } from './otlp-receiver';
import { startE2eStack, type E2eStack } from './stack';
import stackLib = require('../../lib/stack.cjs');

/**
 * Metrics (issue 18 §1) from four real processes: a known workload, then each service's Prometheus
 * scrape endpoint must show exactly what happened — calls per method and status on both ends of
 * every call, ingest outcomes and suppressions as the responses reported them, calls refused by
 * load shedding — and no label may carry a user id, an interaction id or text.
 */

const BASE_PORT = 30970;
/** Scrape ports of this suite: the gRPC ports + 10, shifted with them by SIGNALPATH_TEST_PORT_OFFSET. */
const metricsEnv = (stack: { basePort: number }) =>
  Object.fromEntries(stackLib.SERVICES.map((s, i) => [s.metricsPortVar, String(stack.basePort + 10 + i + 1)]));

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of samples named `name` whose labels include `labels`. */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

const SERVICE_NAMES: Record<string, string> = {
  consent: 'signalpath.consent.v1.ConsentService',
  signal: 'signalpath.signal.v1.SignalService',
  profile: 'signalpath.profile.v1.ProfileService',
  ranking: 'signalpath.ranking.v1.RankingService',
};

const TEXTS = {
  climbing: 'I started rock climbing at an indoor gym and love bouldering',
  health: 'my depression has been rough lately and my therapist says I should rest',
  spanish: 'me encanta escalar en la montaña los fines de semana',
  cooking: 'I have been baking sourdough bread and trying new pasta recipes',
};

describe('metrics: a known workload, scraped from the four processes', () => {
  let stack: E2eStack;
  let metricsPorts: Record<string, number>;
  // Metrics are pushed over OTLP as well (every second here) to a receiver standing in for a collector.
  const receiver = new OtlpReceiver();
  const run = `m${process.pid}`;
  const users = Array.from({ length: 6 }, (_, i) => `metrics-user-${run}-${i}`);
  const interactionIds: string[] = [];
  const erasedUser = `metrics-erased-${run}`;

  beforeAll(async () => {
    const basePort = BASE_PORT + Number(process.env.SIGNALPATH_TEST_PORT_OFFSET || 0);
    const extraEnv = {
      ...metricsEnv({ basePort }),
      // One Recommend at a time and none waiting: a burst is partly shed.
      RANKING_MAX_CONCURRENT_CALLS: '1',
      RANKING_MAX_QUEUED_CALLS: '0',
      SIGNAL_DELIVERY_INTERVAL: '50ms',
      // Calls between services never hit their deadline here, even on a loaded machine: a call
      // the client gave up on is one the two ends legitimately count differently (the client
      // DEADLINE_EXCEEDED, the server CANCELLED, or never seen, or finished later).
      RANKING_DEPENDENCY_TIMEOUT: '10s',
      PROFILE_CONSENT_TIMEOUT: '10s',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    };
    metricsPorts = Object.fromEntries(stackLib.SERVICES.map((s) => [s.key, Number(extraEnv[s.metricsPortVar as keyof typeof extraEnv])]));
    stack = await startE2eStack({ basePort: BASE_PORT, extraEnv, otlpEndpoint: await receiver.start() });
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  const scrape = async (key: string): Promise<Sample[]> => {
    const response = await fetch(`http://127.0.0.1:${metricsPorts[key]}/metrics`);
    expect(response.status).toBe(200);
    return parse(await response.text());
  };
  const scrapeAll = async (): Promise<Record<string, Sample[]>> => Object.fromEntries(await Promise.all(Object.keys(SERVICE_NAMES).map(async (key) => [key, await scrape(key)] as const)));

  it('serves each service’s scrape endpoint on its <KEY>_METRICS_PORT, named after the service', async () => {
    for (const service of stackLib.SERVICES) {
      const samples = await scrape(service.key);
      expect(samples.find((s) => s.name === 'target_info')?.labels.service_name).toBe(service.app);
    }
  });

  it('counts calls per method on both ends, ingest outcomes, suppressions and shed calls exactly; no label carries a user or text', async () => {
    // What the test itself called, per method and status (its own clients record no metrics).
    const ours = new Map<string, number>();
    const note = (method: string, code: number) => ours.set(`${method} ${code}`, (ours.get(`${method} ${code}`) ?? 0) + 1);

    // Adults in the US (outside the excluded regions): their interactions can be used.
    for (const userId of users) {
      await stack.clients.consent.updateSettings({
        userId,
        settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
        updateMask: ['region', 'age_band'],
        expectedVersion: '0',
      });
      note('UpdateSettings', status.OK);
    }

    // Ingest: varied texts, an encrypted one, one before the effective date, and repeats.
    const responses: signal.IngestInteractionResponse[] = [];
    // One event time: a repeat of an interaction is the same interaction only with the same content and time.
    const eventTime = new Date();
    const ingest = async (userId: string, text: string, extra: Partial<signal.Interaction> = {}, id = `${run}-${interactionIds.length}`) => {
      if (!interactionIds.includes(id)) interactionIds.push(id);
      const interaction = signal.Interaction.fromPartial({ interactionId: id, userId, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, text, eventTime, ...extra });
      const response = await stack.clients.signal.ingestInteraction({ interaction });
      note('IngestInteraction', status.OK);
      responses.push(response);
      return id;
    };
    for (const [i, userId] of users.entries()) {
      await ingest(userId, TEXTS.climbing);
      await ingest(userId, TEXTS.cooking);
      if (i % 2 === 0) await ingest(userId, TEXTS.health);
      if (i % 3 === 0) await ingest(userId, TEXTS.spanish);
    }
    const repeated = await ingest(users[0], TEXTS.climbing);
    await ingest(users[0], TEXTS.climbing, {}, repeated); // the same interaction again: DUPLICATE
    await ingest(users[1], TEXTS.climbing, { endToEndEncrypted: true });
    await ingest(users[2], TEXTS.climbing, { eventTime: new Date('2025-01-01T00:00:00Z') });

    // A rejected call: counted as INVALID_ARGUMENT on the server, no ingest outcome.
    const invalid = await stack.clients.signal.ingestInteraction({ interaction: signal.Interaction.fromPartial({ interactionId: '', userId: users[0], text: 'x' }) }).then(
      () => status.OK,
      (error: ServiceError) => error.code,
    );
    expect(invalid).toBe(status.INVALID_ARGUMENT);
    note('IngestInteraction', invalid);

    // Reads through ranking (which calls profile and consent).
    for (const userId of users) {
      await stack.clients.ranking.recommend(ranking.RecommendRequest.fromPartial({ userId, surface: common.Surface.SURFACE_MESSENGER, limit: 5 }));
      note('Recommend', status.OK);
    }

    // A burst against one-at-a-time ranking: the rest is shed. A client without the retry policy.
    const ring = loadKeyRing(stack.env.SIGNALPATH_KEYS_DIR ?? '', { allowDevelopmentKeys: true });
    const direct = createClient(ranking.RankingServiceService, stack.addresses.ranking, {
      serviceName: SERVICE_NAMES.ranking,
      metadataProvider: tokenMetadataProvider(ring, 'operator', SERVICE_NAMES.ranking),
      timeoutMs: 20_000,
    });
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        direct.recommend(ranking.RecommendRequest.fromPartial({ userId: users[n % users.length], surface: common.Surface.SURFACE_FACEBOOK, limit: 5 })).then(
          () => status.OK,
          (error: ServiceError) => error.code,
        ),
      ),
    );
    direct.close();
    burst.forEach((code) => note('Recommend', code));
    const shed = burst.filter((code) => code === status.RESOURCE_EXHAUSTED).length;
    expect(shed).toBeGreaterThan(0);
    expect(burst.every((code) => code === status.OK || code === status.RESOURCE_EXHAUSTED)).toBe(true);

    // One erasure of everything of a user (one with no signals, so that delivery counts stay exact), through both targets.
    const requested = await stack.clients.consent.requestErasure({ userId: erasedUser, scope: common.ErasureScope.ERASURE_SCOPE_ALL });
    note('RequestErasure', status.OK);
    let jobState = requested.job!.state;
    for (const until = Date.now() + 60_000; Date.now() < until && jobState !== consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      jobState = (await stack.clients.consent.getErasureJob({ jobId: requested.job!.jobId })).job!.state;
      note('GetErasureJob', status.OK);
    }
    expect(jobState).toBe(consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED);

    // Delivery done: the backlog gauge reads 0 (read at most every 5 s) and stays so.
    let samples = await scrapeAll();
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      samples = await scrapeAll();
      const pending = samples.signal.find((s) => s.name === 'signalpath_outbox_pending_signals');
      const unfinished = sum(samples.consent, 'signalpath_erasure_jobs');
      if (pending?.value === 0 && sum(samples.signal, 'signalpath_outbox_delivered_total') > 0 && unfinished === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(samples.signal.find((s) => s.name === 'signalpath_outbox_pending_signals')?.value).toBe(0);

    // Ingest outcomes: exactly the statuses and skip reasons the responses reported.
    const tally = new Map<string, number>();
    for (const r of responses) {
      const key = `${signal.IngestStatus[r.status]} ${r.skipReason === signal.SkipReason.SKIP_REASON_UNSPECIFIED ? 'none' : signal.SkipReason[r.skipReason]}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    expect([...tally.keys()]).toEqual(expect.arrayContaining(['INGEST_STATUS_ACCEPTED none', 'INGEST_STATUS_DUPLICATE none', 'INGEST_STATUS_SKIPPED SKIP_REASON_END_TO_END_ENCRYPTED', 'INGEST_STATUS_SKIPPED SKIP_REASON_BEFORE_EFFECTIVE_DATE']));
    const scraped = new Map<string, number>();
    for (const s of samples.signal.filter((x) => x.name === 'signalpath_ingest_outcomes_total')) {
      expect(s.labels.kind).toBe('interaction');
      scraped.set(`${s.labels.status} ${s.labels.skip_reason}`, (scraped.get(`${s.labels.status} ${s.labels.skip_reason}`) ?? 0) + s.value);
    }
    expect(Object.fromEntries(scraped)).toEqual(Object.fromEntries(tally));

    // Suppressions: as reported, once per stored interaction (the duplicate's repeat is not counted).
    const suppressed = new Map<string, number>();
    for (const r of responses.filter((x) => x.status !== signal.IngestStatus.INGEST_STATUS_DUPLICATE)) {
      for (const s of r.suppressed) suppressed.set(common.SensitiveClass[s.sensitiveClass], (suppressed.get(common.SensitiveClass[s.sensitiveClass]) ?? 0) + 1);
    }
    expect(suppressed.get('SENSITIVE_CLASS_HEALTH')).toBeGreaterThan(0);
    for (const [sensitiveClass, count] of suppressed) expect(sum(samples.signal, 'signalpath_ingest_suppressions_total', { sensitive_class: sensitiveClass })).toBe(count);
    expect(sum(samples.signal, 'signalpath_ingest_suppressions_total', { sensitive_class: 'SENSITIVE_CLASS_HEALTH', language: 'en' })).toBe(suppressed.get('SENSITIVE_CLASS_HEALTH'));

    // Delivery: every accepted signal delivered, each entry's lag recorded.
    const acceptedSignals = responses.filter((r) => r.status === signal.IngestStatus.INGEST_STATUS_ACCEPTED).reduce((n, r) => n + r.signals.length, 0);
    expect(sum(samples.signal, 'signalpath_outbox_delivered_total')).toBe(acceptedSignals);
    expect(sum(samples.signal, 'signalpath_outbox_delivery_lag_count')).toBeGreaterThan(0);

    // Erasure: one job, confirmed by both targets at the first attempt; none left unfinished.
    expect(sum(samples.consent, 'signalpath_erasure_jobs_succeeded_total')).toBe(1);
    expect(sum(samples.consent, 'signalpath_erasure_target_calls_total', { outcome: 'OK' })).toBe(2);
    expect(sum(samples.consent, 'signalpath_erasure_jobs')).toBe(0);
    expect(sum(samples.consent, 'signalpath_erasure_oldest_unfinished_age')).toBe(0);
    // Data-subject requests: the gauges are reported (none open, none overdue in this run).
    expect(samples.consent.filter((s) => s.name === 'signalpath_dsr_open').map((s) => s.labels.state).sort()).toEqual(['IN_PROGRESS', 'RECEIVED', 'VERIFIED']);
    expect(samples.consent.some((s) => s.name === 'signalpath_dsr_overdue')).toBe(true);
    expect(sum(samples.consent, 'signalpath_dsr_overdue')).toBe(0);
    // The settings cache's change feed syncs continuously: its staleness bound is small.
    const staleness = samples.consent.find((s) => s.name === 'signalpath_consent_settings_cache_staleness')?.value;
    expect(staleness).toBeGreaterThanOrEqual(0);
    expect(staleness).toBeLessThan(5);
    expect(sum(samples.consent, 'signalpath_consent_settings_cache_lookups_total')).toBeGreaterThan(0);

    // Load shedding: the gate's count and the RPC metric agree with what the burst saw.
    expect(sum(samples.ranking, 'signalpath_admission_refused_total')).toBe(shed);
    expect(sum(samples.ranking, 'rpc_server_duration_count', { rpc_method: 'Recommend', rpc_grpc_status_code: String(status.RESOURCE_EXHAUSTED) })).toBe(shed);

    // Calls per method and status: what each server counted = what the other services' clients
    // counted + what this test called. Health checks (made by the tooling) are left out.
    const server = new Map<string, number>();
    const clients = new Map<string, number>();
    const add = (map: Map<string, number>, s: Sample) => {
      const key = `${s.labels.rpc_method} ${s.labels.rpc_grpc_status_code}`;
      map.set(key, (map.get(key) ?? 0) + s.value);
    };
    for (const [key, list] of Object.entries(samples)) {
      for (const s of list) {
        // Each process serves its own service and, when it holds user data, the shared UserDataService.
        if (s.name === 'rpc_server_duration_count' && (s.labels.rpc_service === SERVICE_NAMES[key] || s.labels.rpc_service === 'signalpath.userdata.v1.UserDataService')) add(server, s);
        if (s.name === 'rpc_client_duration_count' && s.labels.rpc_service !== 'grpc.health.v1.Health') add(clients, s);
      }
    }
    const expected = new Map(clients);
    for (const [key, count] of ours) expected.set(key, (expected.get(key) ?? 0) + count);
    expect(Object.fromEntries(server)).toEqual(Object.fromEntries(expected));
    expect(server.get(`IngestInteraction ${status.OK}`)).toBe(responses.length);
    // Services called each other (SignalService → ConsentService, → ProfileService; ranking → profile).
    expect(clients.get(`ApplySignals ${status.OK}`)).toBeGreaterThan(0);
    expect(sum(samples.signal, 'rpc_client_duration_count', { rpc_service: SERVICE_NAMES.consent })).toBeGreaterThan(0);

    // No label value is a user id, an interaction id, or any of the texts (nor contains one).
    const values = new Set(Object.values(samples).flatMap((list) => list.flatMap((s) => Object.values(s.labels))));
    const forbidden = [...users, erasedUser, ...interactionIds, ...Object.values(TEXTS)];
    const leaks = [...values].filter((value) => forbidden.some((f) => value.includes(f)));
    expect(leaks).toEqual([]);
    expect(values.size).toBeGreaterThan(10);

    // Every metric the Grafana dashboard queries is one the services serve (the dashboard cannot drift).
    const dashboard = readFileSync(path.resolve(__dirname, '../../../deploy/grafana/dashboards/signalpath.json'), 'utf8');
    const labelNames = new Set(Object.values(samples).flatMap((list) => list.flatMap((s) => Object.keys(s.labels))));
    const queried = new Set([...dashboard.matchAll(/\b((?:rpc|signalpath)_[a-z_]+)/g)].map((m) => m[1]).filter((name) => !labelNames.has(name)));
    const served = new Set(Object.values(samples).flatMap((list) => list.map((s) => s.name)));
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !served.has(name))).toEqual([]);
  });

  it('pushes the same metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, with no user or text in them', async () => {
    type Pushed = { resourceMetrics?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }> };
    const pushed = () => {
      const seen = new Map<string, Set<string>>();
      for (const body of receiver.rawBodies) {
        let payload: Pushed;
        try {
          payload = JSON.parse(body) as Pushed;
        } catch {
          continue;
        }
        for (const rm of payload.resourceMetrics ?? []) {
          const service = rm.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          const names = seen.get(service) ?? new Set<string>();
          for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) names.add(m.name);
          seen.set(service, names);
        }
      }
      return seen;
    };
    for (const until = Date.now() + 30_000; Date.now() < until && !stackLib.SERVICES.every((s) => pushed().get(s.app)?.has('rpc.server.duration')); ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seen = pushed();
    for (const service of stackLib.SERVICES) expect(seen.get(service.app)?.has('rpc.server.duration')).toBe(true);
    expect(seen.get('signal-service')?.has('signalpath.ingest.outcomes')).toBe(true);
    // The metric exports only (span exports to the same receiver may carry ids, as spans do).
    const raw = receiver.rawBodies.filter((body) => body.includes('"resourceMetrics"')).join('\n');
    expect(raw.length).toBeGreaterThan(0);
    for (const forbidden of [...users, erasedUser, ...interactionIds, ...Object.values(TEXTS)]) expect(raw).not.toContain(forbidden);
  });
});
