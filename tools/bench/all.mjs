#!/usr/bin/env node
// `npm run bench`: every benchmark suite in one run, on the local database, then one summary:
// docs/benchmarks/results.json, results.md (every target, PASS/FAIL) and results.svg (a chart of
// each target's measured value relative to its bound), compared with the previous results.json.
// Each suite states its figures as ratios to baselines measured in the same run (machines here are
// shared and noisy). Usage: npm run bench [-- consent signal ...]
// `npm run bench -- capacity` runs the capacity benchmark (not in the default set: it takes minutes
// and has no targets) and then `npm run capacity`, which rewrites docs/capacity.md from it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureGoTool } from '../lib/go-tools.mjs';
import { startLocalDatabase } from '../lib/local-db.mjs';
import { ROOT } from '../lib/paths.mjs';

const SUITES = ['consent', 'signal', 'profile', 'ranking', 'stack', 'tokens'];
const OPTIONAL = ['capacity'];
const selected = process.argv.slice(2).length ? process.argv.slice(2) : SUITES;
const unknown = selected.filter((s) => !SUITES.includes(s) && !OPTIONAL.includes(s));
if (unknown.length) {
  console.error(`bench: unknown suite ${unknown.join(', ')} (known: ${[...SUITES, ...OPTIONAL].join(', ')})`);
  process.exit(2);
}
const out = path.join(ROOT, 'docs', 'benchmarks');
const resultsFile = path.join(out, 'results.json');
const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;

// ghz generates the load of the suites whose client work would otherwise share the CPU with the server.
ensureGoTool('ghz', (m) => console.error(m));
const db = await startLocalDatabase({ log: (m) => console.error(m) });
const env = { ...process.env, MONGODB_URI: db.uri, NX_DAEMON: 'false' };
const outcomes = {};
try {
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'consent-service,signal-service,profile-service,ranking-service', '--output-style=static'], { cwd: ROOT, env, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  selected.forEach((suite, index) => {
    console.error(`\n[bench ${index + 1}/${selected.length}] ${suite} …`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['tools/run.mjs', `tools/bench/${suite}.ts`], { cwd: ROOT, env, stdio: 'inherit' });
    outcomes[suite] = { exitCode: run.status, seconds: (Date.now() - started) / 1000 };
    console.error(`[bench ${index + 1}/${selected.length}] ${suite} done in ${outcomes[suite].seconds.toFixed(0)} s (exit ${run.status})`);
    if (suite === 'capacity' && run.status === 0) {
      const model = spawnSync(process.execPath, ['tools/run.mjs', 'tools/capacity-model.ts'], { cwd: ROOT, env, stdio: 'inherit' });
      outcomes[suite].exitCode = model.status;
    }
  });
} finally {
  await db.stop();
}

const suites = {};
for (const suite of SUITES) {
  const file = path.join(out, `${suite}.json`);
  if (existsSync(file)) suites[suite] = JSON.parse(readFileSync(file, 'utf8'));
}
const targets = Object.entries(suites).flatMap(([suite, data]) => (data.targets ?? []).map((t) => ({ suite, ...t })));
const results = { time: new Date().toISOString(), outcomes, suites };
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');

const previousValue = (suite, name) => previous?.suites?.[suite]?.targets?.find((t) => t.name === name)?.value;
const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3)) : '–');
const md = [
  '# Benchmark results',
  '',
  `Run ${results.time}. Regenerate with \`npm run bench\`; each suite's own table is in \`<suite>.md\`.`,
  '',
  '| suite | target | measured | bound | previous | result |',
  '|---|---|---|---|---|---|',
  ...targets.map((t) => `| ${t.suite} | ${t.name} | ${fmt(t.value)} | ${t.bound} | ${fmt(previousValue(t.suite, t.name))} | ${t.pass ? 'PASS' : 'FAIL'} |`),
  '',
  '![targets](results.svg)',
  '',
];
writeFileSync(path.join(out, 'results.md'), md.join('\n'));

// One bar per target: measured value as a fraction of its bound (≤ 1 is good for upper bounds,
// ≥ 1 for lower bounds); green passes, red fails.
const bound = (t) => Number(/([\d.]+)/.exec(t.bound)?.[1] ?? 1);
const rowHeight = 22;
const width = 900;
const labelWidth = 430;
const barMax = width - labelWidth - 80;
const scale = (x) => Math.min(barMax, (x / 2) * barMax);
const bars = targets
  .map((t, i) => {
    const rel = bound(t) ? t.value / bound(t) : 0;
    const y = 30 + i * rowHeight;
    const label = `${t.suite}: ${t.name}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${label}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, scale(rel)).toFixed(1)}" height="${rowHeight - 8}" fill="${t.pass ? '#2e7d32' : '#c62828'}"/>`,
      `<text x="${labelWidth + Math.max(1, scale(rel)) + 6}" y="${y + 15}" font-size="11">${fmt(t.value)} (${t.bound})</text>`,
    ].join('');
  })
  .join('\n');
const height = 50 + targets.length * rowHeight;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14" font-weight="bold">Signalpath benchmark targets — measured / bound (the grey line is the bound)</text>
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
