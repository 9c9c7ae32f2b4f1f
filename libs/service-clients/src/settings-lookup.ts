import type { ParentCall } from '@signalpath/grpc-kit';
import type { consent } from '@signalpath/proto';
import type { ConsentClient } from './clients';
import { SingleFlight } from './single-flight';

/**
 * GetSettings for a server that reads a user's settings on every request (ProfileService's
 * consent gate): identical lookups in flight share one call. Nothing is cached beyond the call,
 * so a change (an unlink, a sharing opt-out) applies to every read that starts after the change
 * was acknowledged and after the lookups already running then have answered: at most one
 * ConsentService round trip later, well inside the 2 s callers may cache (docs/consent.md).
 */
export class SettingsLookup {
  private readonly flights = new SingleFlight<consent.GetSettingsResponse>();

  constructor(private readonly client: ConsentClient) {}

  /** Lookups in flight (for tests and diagnostics). */
  get inFlight(): number {
    return this.flights.size;
  }

  /**
   * The user's settings. The shared call takes the first caller's deadline but not its
   * cancellation: the others still wait for it.
   */
  get(userId: string, parent?: ParentCall): Promise<consent.GetSettingsResponse> {
    return this.flights.run(userId, () => this.client.getSettings({ userId }, { parent, detachCancellation: true }));
  }
}
