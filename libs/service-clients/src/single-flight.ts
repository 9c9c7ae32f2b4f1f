/**
 * Shares one in-flight lookup among identical requests: while a lookup for `key` is running, a
 * second request for the same key gets the same promise instead of a second call. Nothing is kept
 * once the lookup settles (a failure is not remembered either), so the answer is never older than
 * the lookup the caller joined.
 */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  /** Lookups running now. */
  get size(): number {
    return this.inflight.size;
  }

  run(key: string, lookup: () => Promise<V>): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running;
    const started = lookup().finally(() => {
      if (this.inflight.get(key) === started) this.inflight.delete(key);
    });
    this.inflight.set(key, started);
    return started;
  }
}
