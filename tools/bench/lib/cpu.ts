// Reporting for benchmarks that measure bytes and server CPU per request rather than latency:
// every row is also stated as a ratio to the first row, the baseline measured in the same run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

export interface CpuRow {
  name: string;
  requestBytes: number;
  responseBytes: number;
  serverCpuMs: number;
  wallMs: number;
}

const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** Prints the table (ratios against rows[0]) and saves docs/benchmarks/<file>.{json,md}. */
export function writeResult(file: string, title: string, rows: CpuRow[], setup: Record<string, unknown>): void {
  const [baseline] = rows;
  const machine = { node: process.version, cpus: require('node:os').cpus().length, loadAverage: loadavg(), time: new Date().toISOString() };
  const lines = [
    `| scenario | request B | response B | server CPU ms/req | × baseline CPU | wall ms/req (c=1) |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.requestBytes} | ${r.responseBytes} | ${fmt(r.serverCpuMs)} | ${fmt(r.serverCpuMs / baseline.serverCpuMs, 2)} | ${fmt(r.wallMs, 2)} |`),
  ];
  console.log(`\n## ${title}\n\n${lines.join('\n')}\n`);
  const out = path.resolve(process.cwd(), 'docs', 'benchmarks');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `${file}.json`), JSON.stringify({ title, machine, setup, rows }, null, 2) + '\n');
  writeFileSync(
    path.join(out, `${file}.md`),
    `# ${title}\n\nMeasured ${machine.time} on ${machine.cpus} cores, Node ${machine.node}, load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}.\n\n${lines.join('\n')}\n`,
  );
}

/**
 * CPU time of the calling process's main thread, µs: `process.threadCpuUsage()` (Node ≥ 23.9), else
 * the kernel's per-thread scheduler statistics (Linux; nanosecond resolution, unlike the 10 ms
 * ticks of /proc/<pid>/task/<tid>/stat).
 */
export function mainThreadCpuMicros(): number {
  const own = (process as unknown as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (own) {
    const usage = own.call(process);
    return usage.user + usage.system;
  }
  const [runNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  return Number(runNs) / 1000;
}
