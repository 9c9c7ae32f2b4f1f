#!/usr/bin/env node
// `npm run bench`: the benchmark suites on the local database with the services built, then one
// summary: docs/benchmarks/results.json, results.md (issue 17's targets from the open-loop run,
// PASS/FAIL, how they were measured, the load average; then the other suites' targets) and
// results.svg (each target's measured value relative to its bound).
//   npm run bench                         the open-loop suite (every case), tokens, stack
//   npm run bench -- rank recommend       only those cases of the open-loop suite
//   npm run bench -- --quick [cases...]   a smoke check of the open-loop suite (2 s points, one
//                                         repetition): not a measurement, and labelled so
//   npm run bench -- tokens stack         other suites by name; `capacity` (minutes, no targets)
//                                         runs tools/bench/capacity.ts and then `npm run capacity`
//   node tools/bench/all.mjs --summary    rewrite results.{json,md,svg} from the suites' saved JSON
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalDatabase } from '../lib/local-db.mjs';
import { ROOT } from '../lib/paths.mjs';

// Cases of the open-loop suite (tools/bench/load.ts): one process stack serves them all.
const LOAD_CASES = ['rank', 'recommend', 'profile', 'ingest', 'consent', 'visibility'];
const SUITES = ['load', 'tokens', 'stack'];
const OPTIONAL = ['capacity'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const summaryOnly = args.includes('--summary');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((s) => !SUITES.includes(s) && !OPTIONAL.includes(s) && !LOAD_CASES.includes(s));
if (unknown.length) {
  console.error(`bench: unknown suite or case ${unknown.join(', ')} (suites: ${[...SUITES, ...OPTIONAL].join(', ')}; open-loop cases: ${LOAD_CASES.join(', ')})`);
  process.exit(2);
}
const cases = names.filter((n) => LOAD_CASES.includes(n));
// Nothing named: every default suite (--quick alone: the open-loop suite only); a case names the open-loop suite.
const suites = names.length === 0 ? (quick ? ['load'] : SUITES) : [...new Set(names.map((n) => (LOAD_CASES.includes(n) ? 'load' : n)))];
const out = path.join(ROOT, 'docs', 'benchmarks');
const resultsFile = path.join(out, 'results.json');
const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;

const outcomes = {};
if (!summaryOnly) {
  const db = await startLocalDatabase({ log: (m) => console.error(m) });
  const env = { ...process.env, MONGODB_URI: db.uri, NX_DAEMON: 'false' };
  try {
    const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'consent-service,signal-service,profile-service,ranking-service', '--output-style=static'], { cwd: ROOT, env, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
    suites.forEach((suite, index) => {
      console.error(`\n[bench ${index + 1}/${suites.length}] ${suite} …`);
      const started = Date.now();
      const extra = suite === 'load' ? [...(quick ? ['--quick'] : []), ...(cases.length ? ['--cases', cases.join(',')] : [])] : [];
      const run = spawnSync(process.execPath, ['tools/run.mjs', `tools/bench/${suite}.ts`, ...extra], { cwd: ROOT, env, stdio: 'inherit' });
      outcomes[suite] = { exitCode: run.status, seconds: (Date.now() - started) / 1000 };
      console.error(`[bench ${index + 1}/${suites.length}] ${suite} done in ${outcomes[suite].seconds.toFixed(0)} s (exit ${run.status})`);
      if (suite === 'capacity' && run.status === 0) {
        const model = spawnSync(process.execPath, ['tools/run.mjs', 'tools/capacity-model.ts'], { cwd: ROOT, env, stdio: 'inherit' });
        outcomes[suite].exitCode = model.status;
      }
    });
  } finally {
    await db.stop();
  }
}

// The summary: every default suite's latest saved results (a suite not run now keeps its last run,
// and says when that was).
const saved = {};
for (const suite of SUITES) {
  const file = path.join(out, `${suite}.json`);
  if (existsSync(file)) saved[suite] = JSON.parse(readFileSync(file, 'utf8'));
}
const targets = Object.entries(saved).flatMap(([suite, data]) => (data.targets ?? []).map((t) => ({ suite, ...t })));
const results = { time: new Date().toISOString(), outcomes, suites: saved };
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');

const previousValue = (suite, name) => previous?.suites?.[suite]?.targets?.find((t) => t.name === name)?.value;
const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3)) : '–');
const load = saved.load;
const loads = load ? load.points.flatMap((p) => p.loadAverage1m) : [];
const md = ['# Benchmark results', ''];
if (load) {
  md.push(
    `## Issue 17 targets — open-loop run of ${load.machine.time}${load.mode === 'quick' ? ' (QUICK RUN: a smoke check with 2 s points and one repetition, not a measurement)' : ''}`,
    '',
    `Cases: ${load.cases.join(', ')}. ${load.machine.commit ? `Commit ${load.machine.commit.slice(0, 12)}${load.machine.dirtyTree ? ' (with uncommitted changes)' : ''}${load.machine.commitNote ? ` (${load.machine.commitNote})` : ''}. ` : ''}${load.machine.cpus} cores (${load.machine.cpuModel}), Node ${load.machine.node}, ${Math.round(load.durationSeconds)} s. ` +
      `**Load average** (1 min) at the end of the repetitions: ${loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : '–'}, at the end of the run ${load.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} — ` +
      'the machine is shared with other work, so every figure here is noisy; ratios to baselines of the same run are the ones to compare across runs.',
    '',
    ...(load.reconstructed ? [`**Reconstructed from the run's log.** ${load.reconstructed}`, ''] : []),
    '| target | measured | bound | result | how |',
    '|---|---|---|---|---|',
    ...load.targets.map((t) => `| ${t.name} | ${fmt(t.value)} | ${t.bound} | ${t.pass ? 'PASS' : 'FAIL'} | ${t.how} |`),
    '',
    'Every point, its repetitions, the server CPU per request of each process and the load average of each repetition: [load.md](load.md) (data: load.json).',
    '',
    '### How it is measured',
    '',
    '- **Processes.** The four built services run as processes (`tools/lib/stack.cjs` `startServices`, as `npm start` runs them: tracing on, no exporter) on ports of their own and a fresh database prefix on the local database (FerretDB v1 on SQLite). `tools/bench` imports no app code.',
    '- **Load.** `tools/bench/loadgen.ts`, a Node process of its own (never the server\'s process or event loop), sends pre-serialized requests (rotating over users) at a **fixed arrival rate**: call *i* is due at start + *i*/rate whatever the earlier calls did (open loop), and its latency is measured **from that intended send time**, so a slow server cannot hide its latency by slowing the sender (no coordinated omission). Responses are not decoded. The generator\'s own lag behind its schedule is reported (send lag); it is part of the latency. Calls have a 10 s deadline; errors (including load shedding, RESOURCE_EXHAUSTED) are counted, not timed.',
    `- **Points.** Each point: ${load.plan.reps} repetition(s), each a fresh generator process with a warm-up of ${load.plan.warmupMs / 1000} s at the same rate and then ${load.plan.durationMs / 1000} s measured; the **median** of the repetitions is reported. Load average (1 min) is read at the end of every repetition.`,
    '- **Server CPU per request.** `utime + stime` of each service process from `/proc/<pid>/stat` (every thread: main, GC helpers, libuv pool) over the measured window, less the process\'s idle rate (measured with no load before the points), divided by the OK answers. Reported for every service process, since one call costs CPU in several (Rank: ranking, profile and consent).',
    '- **Baselines, same run**, each a process of its own built with grpc-kit (`tools/bench/baseline-server.ts`): Echo (a no-op; `protos/signalpath/bench` stays in the proto lib: it is part of the released 0.2.0 API, so removing it is a breaking change, and ten lib tests use it as a fixture); **echo + findOne** (one `findOne` by `_id` on the same `profiles` collection, at the same size, for the same users\' documents); **ingest floor** (echo + the real ConsentService\'s `BatchCheckEligibility` for ads and content under SignalService\'s identity + one insert of a record-shaped document).',
    `- **Cases.** Rank: ${load.plan.candidates} candidate ids spread over a ${load.plan.catalogItems}-item catalog (UpsertItems, then waiting for RankingService\'s index); Recommend: limit 20 over that catalog; users have settings and profiles from three assistant messages each. GetProfile: the \`profiles\` collection grown to ${load.plan.profileDocuments} documents (copies of a real profile document, inserted directly: ApplySignals for 500 new users did not finish in 60 s), the read users\' documents spread evenly through it — FerretDB v1 finds even an \`_id\` by a scan in insertion order, so a read scans a share of the grown collection; this case runs last, because every profile read (Rank\'s and Recommend\'s too) scans that collection. IngestInteraction: a new interaction id every call. Ingest → visible: IngestInteraction answered, then ExplainInterest polled every 2 ms until the topic shows, one user at a time, no other load. RSS: VmRSS of each service after all cases.`,
    '- **Latency–throughput curves** (one SVG per RPC, achieved OK answers/s against p50 and p99 from the intended send, log scale, echo p50 dashed): ' +
      [...new Set(load.points.map((p) => p.rpc))].map((rpc) => `[${rpc}](curve-${rpc.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.svg)`).join(', ') +
      '.',
    '',
  );
}
const others = targets.filter((t) => t.suite !== 'load');
if (others.length) {
  md.push(
    '## Other suites',
    '',
    'Each from its own last run (closed-loop harness, `tools/bench/lib/harness.ts`); `<suite>.md` has the table.',
    '',
    '| suite | run | target | measured | bound | previous | result |',
    '|---|---|---|---|---|---|---|',
    ...others.map((t) => `| ${t.suite} | ${saved[t.suite]?.machine?.time ?? '–'} | ${t.name} | ${fmt(t.value)} | ${t.bound} | ${fmt(previousValue(t.suite, t.name))} | ${t.pass ? 'PASS' : 'FAIL'} |`),
    '',
  );
}
md.push('![targets](results.svg)', '');
writeFileSync(path.join(out, 'results.md'), md.join('\n'));

// One bar per target: measured value as a fraction of its bound (≤ 1 passes); green passes, red fails.
const bound = (t) => Number(/([\d.]+)/.exec(t.bound)?.[1] ?? 1);
const rowHeight = 22;
const width = 1000;
const labelWidth = 560;
const barMax = width - labelWidth - 100;
const scale = (x) => Math.min(barMax, (x / 2) * barMax);
const bars = targets
  .map((t, i) => {
    const rel = bound(t) && Number.isFinite(t.value) ? t.value / bound(t) : 2;
    const y = 30 + i * rowHeight;
    const label = `${t.suite}: ${t.name}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${label}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, scale(rel)).toFixed(1)}" height="${rowHeight - 8}" fill="${t.pass ? '#2e7d32' : '#c62828'}"/>`,
      `<text x="${labelWidth + Math.max(1, scale(rel)) + 6}" y="${y + 15}" font-size="11">${fmt(t.value)} (${t.bound.replace(/</g, '&lt;')})</text>`,
    ].join('');
  })
  .join('\n');
const height = 50 + targets.length * rowHeight;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14" font-weight="bold">Signalpath benchmark targets — measured / bound (the grey line is the bound; bars stop at 2×)</text>
<line x1="${labelWidth + scale(1)}" y1="26" x2="${labelWidth + scale(1)}" y2="${height - 10}" stroke="#999" stroke-dasharray="4 3"/>
${bars}
</svg>
`;
writeFileSync(path.join(out, 'results.svg'), svg);

console.log(md.join('\n'));
if (previous) console.log(`(compared with the previous run of ${previous.time})`);
const failed = targets.filter((t) => !t.pass);
console.log(`bench: ${targets.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 && Object.values(outcomes).every((o) => o.exitCode === 0) ? 0 : 1);
