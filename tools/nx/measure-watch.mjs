#!/usr/bin/env node
// Measures `nx serve <app>`'s rebuild + restart after a one-line change, in a workspace copy:
// from writing the file to the new process answering health SERVING. Alternates an edit in the
// app with one in a lib it bundles (tools/nx/watch-edits.cjs).
//   MONGODB_URI=… node tools/nx/measure-watch.mjs [app-key] [edits]     (default: consent 6)
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { SERVICES, healthStatus, testPort } = require('../lib/stack.cjs');
const { startNxServe } = require('../lib/nx-serve.cjs');
const { descendants, processInfo } = require('../lib/proc.cjs');
const { copyWorkspace } = require('../lib/workspace-copy.cjs');
const { makeEdit } = require('./watch-edits.cjs');

const key = process.argv[2] ?? 'consent';
const edits = Number(process.argv[3] ?? 6);
const service = SERVICES.find((s) => s.key === key);
if (!service || !process.env.MONGODB_URI) {
  console.error('usage: MONGODB_URI=… node tools/nx/measure-watch.mjs [consent|signal|profile|ranking] [edits]');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const copy = copyWorkspace('measure-watch-');
const keysDir = mkdtempSync(path.join(tmpdir(), 'measure-watch-keys-'));
const port = testPort(31871);
const env = { ...process.env, [service.portVar]: String(port), MONGODB_DB_PREFIX: 'measure_watch_', SIGNALPATH_KEYS_DIR: keysDir, RANKING_SEED_DEMO_CATALOG: 'false' };
const stack = startNxServe({ env, only: [key], root: copy.root, quiet: true });
const results = [];
try {
  await stack.waitHealthy(300_000);
  let previous;
  for (let n = 1; n <= edits; n++) {
    const oldPid = stack.processes[0].pid();
    const seen = stack.output.length;
    const started = Date.now();
    previous = makeEdit(copy.root, service.app, n, previous);
    let built;
    let oldGone;
    let newProcess;
    let listening;
    for (;;) {
      if (Date.now() - started > 120_000) throw new Error(`no restart within 120 s after edit ${n}`);
      built ??= stack.output.slice(seen).find((o) => o.key === key && /build succeeded/.test(o.line))?.at;
      if (!oldGone && !existsSync(`/proc/${oldPid}`)) oldGone = Date.now();
      if (!newProcess && descendants(stack.child.pid).some((p) => p !== oldPid && processInfo(p)?.argv.some((a) => a.endsWith('node-with-require-overrides')))) newProcess = Date.now();
      const pid = stack.processes[0].pid();
      if (pid && pid !== oldPid) {
        listening ??= Date.now();
        if ((await healthStatus(`127.0.0.1:${port}`)) === 'SERVING') break;
      }
      await sleep(20);
    }
    console.log(`  old process gone ${oldGone - started} ms, new process ${newProcess - started} ms, listening ${listening - started} ms`);
    const total = Date.now() - started;
    results.push({ n, where: previous.where, rebuildMs: built ? built - started : NaN, totalMs: total, load: loadavg()[0] });
    console.log(`edit ${n} (${previous.where}): rebuilt after ${built ? built - started : '?'} ms, serving again after ${total} ms (load ${loadavg()[0].toFixed(2)})`);
    await sleep(1000);
  }
} finally {
  await stack.stop();
  copy.remove();
  rmSync(keysDir, { recursive: true, force: true });
}
const totals = results.map((r) => r.totalMs).sort((a, b) => a - b);
console.log(`${service.app}: rebuild + restart ${totals.join(', ')} ms; median ${totals[Math.floor(totals.length / 2)]} ms; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
