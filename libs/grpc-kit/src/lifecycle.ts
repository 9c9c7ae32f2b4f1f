import type { GrpcServer } from './server';

export interface LifecycleLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ServeOptions {
  name: string;
  server: GrpcServer;
  host: string;
  port: number;
  logger: LifecycleLogger;
  /** Resolves true when dependencies (the database) answer; drives health status. */
  readiness: () => Promise<boolean>;
  readinessIntervalMs?: number;
  /** A readiness check that has not answered after this long counts as not ready (default 5 s). */
  readinessTimeoutMs?: number;
  shutdownGraceMs: number;
  /** How long to keep accepting calls after going NOT_SERVING on a shutdown signal. */
  shutdownDrainMs?: number;
  /** Run in order after the server stopped: background workers, database, telemetry flush. */
  closers: Array<() => Promise<void>>;
}

export interface RunningService {
  port: number;
  stop(reason: string): Promise<void>;
}

/**
 * Listens, keeps health in step with readiness, and on SIGTERM/SIGINT runs the shutdown
 * sequence: NOT_SERVING → drain → tryShutdown (bounded) → forceShutdown → closers.
 */
export async function serve(options: ServeOptions): Promise<RunningService> {
  const { server, logger } = options;
  const port = await server.listen(options.host, options.port);
  let lastReady: boolean | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = options.readinessTimeoutMs ?? 5_000;
  // One check at a time, the next scheduled when this one is done, each bounded: a result can
  // never overwrite a newer one, and a check that hangs cannot freeze health.
  const check = async () => {
    let bound: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      options.readiness().catch(() => false),
      new Promise<boolean>((resolve) => {
        bound = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(bound);
    if (stopping) return;
    if (ready !== lastReady) {
      server.setServing(ready);
      logger[ready ? 'info' : 'warn']({ ready }, ready ? 'serving' : 'not serving: dependencies unavailable');
      lastReady = ready;
    }
  };
  const scheduleCheck = () => {
    timer = setTimeout(() => void check().finally(() => !stopping && scheduleCheck()), options.readinessIntervalMs ?? 2_000);
    timer.unref();
  };
  await check();
  scheduleCheck();
  logger.info({ host: options.host, port }, `${options.name} listening`);

  let stopped: Promise<void> | undefined;
  const stop = (reason: string) => {
    stopped ??= (async () => {
      stopping = true;
      clearTimeout(timer);
      logger.info({ reason }, 'shutting down');
      const outcome = await server.shutdown(options.shutdownGraceMs, options.shutdownDrainMs);
      for (const close of options.closers) {
        await close().catch((error: unknown) => logger.error({ error_name: error instanceof Error ? error.name : 'unknown' }, 'error while closing'));
      }
      logger.info({ outcome }, 'stopped');
    })();
    return stopped;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop(signal).then(() => process.exit(0));
    });
  }
  return { port, stop };
}
