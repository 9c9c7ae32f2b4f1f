import { metrics, type BatchObservableCallback, type Counter, type Meter } from '@opentelemetry/api';
import type { SettingsCache } from '../settings/settings-cache';
import type { ErasureStore } from '../store/erasure-store';

/** Erasure jobs are read from the database at most this often, however often metrics are scraped. */
export const ERASURE_READ_INTERVAL_MS = 5_000;

/**
 * ConsentService's domain metrics (README, "Metrics"): unfinished erasure jobs by state and the
 * oldest one's age (database-wide: every replica reports the same, aggregate with max), and the
 * settings cache of this process: how stale an answer from memory may be, entries, hits, misses.
 * Labels are states and results only. Returns the unregistration.
 */
export function observeConsent(erasure: ErasureStore, cache: SettingsCache, now: () => Date, meter: Meter = metrics.getMeter('@signalpath/consent-service')): () => void {
  const jobs = meter.createObservableGauge('signalpath.erasure.jobs', { description: 'Unfinished erasure jobs, by state' });
  const oldest = meter.createObservableGauge('signalpath.erasure.oldest_unfinished_age', { unit: 's', description: 'Age of the oldest unfinished erasure job (0 when none)' });
  const feedAge = meter.createObservableGauge('signalpath.consent.settings_cache.staleness', {
    unit: 's',
    description: 'How stale a cached settings answer may be now: time since the change feed last synced (answers come from the database beyond CONSENT_SETTINGS_CACHE_MAX_STALENESS)',
  });
  const entries = meter.createObservableGauge('signalpath.consent.settings_cache.entries', { description: 'Settings held in this process' });
  const lookups = meter.createObservableCounter('signalpath.consent.settings_cache.lookups', { description: 'Settings reads, by result: hit (memory) or miss (database)' });
  let last: { readAt: number; summary: Awaited<ReturnType<ErasureStore['unfinishedSummary']>> } | undefined;
  let reading: Promise<void> | undefined;
  const callback: BatchObservableCallback = async (result) => {
    const stats = cache.stats();
    if (Number.isFinite(stats.feedAgeMs)) result.observe(feedAge, Math.max(0, stats.feedAgeMs) / 1000);
    result.observe(entries, stats.entries);
    result.observe(lookups, stats.hits, { result: 'hit' });
    result.observe(lookups, stats.misses, { result: 'miss' });
    if (!last || Date.now() - last.readAt >= ERASURE_READ_INTERVAL_MS) {
      reading ??= erasure
        .unfinishedSummary()
        .then((summary) => void (last = { readAt: Date.now(), summary }))
        .finally(() => (reading = undefined));
      await reading;
    }
    if (!last) return;
    for (const [state, count] of Object.entries(last.summary.byState)) result.observe(jobs, count, { state });
    const created = last.summary.oldestCreateTime;
    result.observe(oldest, created ? Math.max(0, now().getTime() - created.getTime()) / 1000 : 0);
  };
  const observables = [jobs, oldest, feedAge, entries, lookups];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/** What the erasure worker counts: calls to each target by outcome (a gRPC code name), jobs finished. */
export interface ErasureWorkerMeters {
  targetCalls: Counter;
  jobsSucceeded: Counter;
}

export function erasureWorkerMeters(meter: Meter = metrics.getMeter('@signalpath/consent-service')): ErasureWorkerMeters {
  return {
    targetCalls: meter.createCounter('signalpath.erasure.target_calls', { description: 'DeleteUserData calls of erasure jobs, by target service and outcome (OK or a gRPC code name)' }),
    jobsSucceeded: meter.createCounter('signalpath.erasure.jobs_succeeded', { description: 'Erasure jobs every target confirmed' }),
  };
}
