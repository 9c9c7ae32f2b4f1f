// The cost of the RPC metrics (rpc.server.duration + rpc.client.duration interceptors, recorded
// into the real SDK with a Prometheus reader, as the services run): the no-op echo served and
// called with the interceptors and without, in alternating rounds in one process, at 1 and 16
// calls in flight. Prints p50/p99, throughput and process CPU time per call (client and server
// both run here, so this is the cost of both ends; CPU time is what a loaded machine distorts
// least) per variant, and the ratios on/off (median over rounds). `node tools/run.mjs tools/bench/rpc-metrics.ts [rounds]`
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';
import { measure, type Stats } from './lib/harness';

const ECHO = 'signalpath.bench.v1.EchoService';

async function echo(rpcMetrics: boolean) {
  const server = new GrpcServer({
    services: [{ name: ECHO, definition: bench.EchoServiceService, implementation: { echo: unary<bench.EchoRequest, bench.EchoResponse>(async (r) => ({ payload: r.payload })) } }],
    rpcMetrics,
  });
  const port = await server.listen('127.0.0.1', 0);
  server.setServing(true);
  const client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 30_000, rpcMetrics });
  return { op: () => client.echo({ payload: Buffer.alloc(0) }), stop: async () => (client.close(), void (await server.shutdown(1000))) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  const off = await echo(false);
  const on = await echo(true);
  for (const concurrency of [1, 16]) {
    const results: Record<'off' | 'on', Array<Stats & { cpuUs: number }>> = { off: [], on: [] };
    const run = async (name: string, op: () => Promise<unknown>) => {
      await measure(name, op, { concurrency, durationMs: 300, warmupMs: 0 }); // warm-up
      const cpu = process.cpuUsage();
      const stats = await measure(name, op, { concurrency, durationMs: 2_000, warmupMs: 0 });
      const used = process.cpuUsage(cpu);
      return { ...stats, cpuUs: (used.user + used.system) / Math.max(1, stats.count) };
    };
    for (let round = 0; round < rounds; round++) {
      results.off.push(await run('echo, no RPC metrics', off.op));
      results.on.push(await run('echo, RPC metrics', on.op));
    }
    const m = (variant: 'off' | 'on', key: 'p50Ms' | 'p99Ms' | 'throughputPerSec' | 'cpuUs') => median(results[variant].map((s) => s[key]));
    process.stdout.write(
      `c=${concurrency}: off p50 ${m('off', 'p50Ms').toFixed(3)} ms p99 ${m('off', 'p99Ms').toFixed(3)} ms ${m('off', 'throughputPerSec').toFixed(0)}/s | ` +
        `on p50 ${m('on', 'p50Ms').toFixed(3)} ms p99 ${m('on', 'p99Ms').toFixed(3)} ms ${m('on', 'throughputPerSec').toFixed(0)}/s | ` +
        `on/off p50 ${(m('on', 'p50Ms') / m('off', 'p50Ms')).toFixed(2)}x, throughput ${(m('on', 'throughputPerSec') / m('off', 'throughputPerSec')).toFixed(2)}x | ` +
        `CPU per call (both ends) off ${m('off', 'cpuUs').toFixed(0)} µs, on ${m('on', 'cpuUs').toFixed(0)} µs (+${(m('on', 'cpuUs') - m('off', 'cpuUs')).toFixed(0)} µs, ${(m('on', 'cpuUs') / m('off', 'cpuUs')).toFixed(2)}x)\n`,
    );
  }
  // The recorded series, as a scrape would see them (proves the "on" variant recorded).
  const { resourceMetrics } = await exporter.collect();
  const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name));
  process.stdout.write(`recorded: ${names.join(', ')}\n`);
  await off.stop();
  await on.stop();
  await provider.shutdown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
