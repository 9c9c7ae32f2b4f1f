/**
 * Background work a service runs on a schedule (retention sweeps, outbox recovery, cache feeds):
 * one pass at a time — the next is scheduled only when the previous has finished, so slow passes
 * never overlap — on an unref'd timer, and `stop()` waits for the pass in progress. A pass that
 * throws is reported to `onError` and the schedule goes on.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: {
      /** Delay between the end of one pass and the start of the next. */
      intervalMs: number;
      /** Delay before the first pass (default: the interval). */
      firstDelayMs?: number;
      onError: (error: unknown) => void;
    },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.options.firstDelayMs ?? this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.pass()
        .then(() => undefined, this.options.onError)
        .finally(() => {
          this.inFlight = undefined;
          if (this.running) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
