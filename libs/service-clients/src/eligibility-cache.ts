import type { ParentCall } from '@signalpath/grpc-kit';
import { common, type consent } from '@signalpath/proto';
import type { ConsentClient } from './clients';
import { SingleFlight } from './single-flight';

export interface CachedEligibility {
  allowed: boolean;
  reason: consent.EligibilityReason;
  settingsVersion: string;
}

export interface EligibilityCacheOptions {
  /** How stale an answer may be. Consent changes take effect within this bound (default 2 s). */
  maxAgeMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Caching for CheckEligibility with bounded staleness, as ConsentService documents for callers:
 * an answer is reused for at most `maxAgeMs`; nothing is cached when the call fails (callers fail
 * closed). The key includes the event's day relative to the effective date only through the full
 * request, so answers for different event times never mix. Identical checks in flight share one
 * call (single-flight), also when caching is off: a burst of reads for one user costs one call.
 */
export class EligibilityCache {
  private readonly entries = new Map<string, { value: CachedEligibility; at: number }>();
  private readonly flights = new SingleFlight<{ value: CachedEligibility; at: number }>();
  /** Per invalidated user, a stamp that keeps later checks from joining or caching earlier lookups. */
  private readonly invalidations = new Map<string, number>();
  private invalidationCount = 0;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly client: ConsentClient, options: EligibilityCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  async check(
    request: { userId: string; surface: common.Surface; purpose: common.Purpose; sourceKind?: common.SourceKind; eventTime?: Date; endToEndEncrypted?: boolean; gpc?: boolean },
    parent?: ParentCall,
  ): Promise<CachedEligibility> {
    const key = [request.userId, request.surface, request.purpose, request.sourceKind ?? 0, request.eventTime?.getTime() ?? '', request.endToEndEncrypted ? 1 : 0, request.gpc ? 1 : 0].join('|');
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at <= this.maxAgeMs) return hit.value;
    const stamp = this.invalidations.get(request.userId) ?? 0;
    const fetched = await this.flights.run(`${key}#${stamp}`, async () => {
      // Stamped when the call starts: the answer is at least this old.
      const at = this.now();
      // The first caller's deadline, not its cancellation: others may be waiting for this call.
      const response = await this.client.checkEligibility(
        {
          userId: request.userId,
          surface: request.surface,
          purpose: request.purpose,
          sourceKind: request.sourceKind ?? common.SourceKind.SOURCE_KIND_UNSPECIFIED,
          eventTime: request.eventTime,
          endToEndEncrypted: request.endToEndEncrypted ?? false,
          ...(request.gpc ? { gpc: true } : {}),
        },
        { parent, detachCancellation: true },
      );
      const value = { allowed: response.allowed, reason: response.reason, settingsVersion: response.settingsVersion };
      if (this.maxAgeMs >= 0 && (this.invalidations.get(request.userId) ?? 0) === stamp) {
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
        this.entries.set(key, { value, at });
      }
      return { value, at };
    });
    return fetched.value;
  }

  /** Drops every cached answer for a user (e.g. after this process changed their settings). */
  invalidate(userId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${userId}|`)) this.entries.delete(key);
    this.invalidations.delete(userId);
    if (this.invalidations.size >= this.maxEntries) this.invalidations.delete(this.invalidations.keys().next().value as string);
    this.invalidations.set(userId, ++this.invalidationCount);
  }
}
