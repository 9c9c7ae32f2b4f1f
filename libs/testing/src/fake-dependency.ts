import type { status } from '@grpc/grpc-js';
import { RpcError } from '@signalpath/grpc-kit';

/**
 * The fault knobs every fake dependency offers: a delay before answering, a status every call
 * fails with, and a count of calls. Handlers call `gate()` first; `releaseDelayed()` drops the
 * timers of calls still waiting when the fake stops.
 */
export abstract class FakeDependency {
  /** Added before answering, to simulate a slow or hanging dependency. */
  delayMs = 0;
  /** When set, every call fails with this status (UNAVAILABLE for "the dependency is down"). */
  failWith?: status;
  /** Every call received, failed ones included. */
  calls = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  protected async gate(): Promise<void> {
    this.calls++;
    if (this.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, this.delayMs);
        this.timers.add(timer);
      });
    }
    if (this.failWith !== undefined) throw new RpcError(this.failWith, `fake ${this.constructor.name} failure`);
  }

  /** A call still waiting out `delayMs` is abandoned with its server, not kept alive by its timer. */
  protected releaseDelayed(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
