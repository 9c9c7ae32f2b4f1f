#!/usr/bin/env node
// Runs a TypeScript tool (benchmarks, demo, evaluation) the way services run: bundled by esbuild
// with the workspace path aliases and the data-file loaders, npm packages left external.
// Usage: node tools/run.mjs tools/bench/load.ts [args...]
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run.mjs <file.ts> [args...]');
  process.exit(2);
}
const outdir = path.join(ROOT, 'dist', 'tools');
mkdirSync(outdir, { recursive: true });
const outfile = path.join(outdir, path.relative(ROOT, path.resolve(entry)).replace(/[\\/]/g, '__').replace(/\.ts$/, '.js'));
await build({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  packages: 'external',
  tsconfig: path.join(ROOT, 'tsconfig.base.json'),
  loader: { '.tsv': 'text', '.binpb': 'binary' },
  logLevel: 'warning',
});
const preload = process.env.SIGNALPATH_TOOL_PRELOAD ? ['--require', process.env.SIGNALPATH_TOOL_PRELOAD] : [];
// Extra flags for the tool's own process, e.g. SIGNALPATH_TOOL_NODE_FLAGS="--cpu-prof --cpu-prof-dir=prof"
// to profile a benchmark (--cpu-prof is not allowed in NODE_OPTIONS).
const extraFlags = (process.env.SIGNALPATH_TOOL_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const child = spawn(process.execPath, ['--enable-source-maps', ...extraFlags, ...preload, outfile, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
