#!/usr/bin/env node
// `npm test`: provisions the database and tools, then runs every check the project has:
// generated-code check + buf lint, lint + typecheck + unit/integration tests of every project
// (Nx; the end-to-end project alone afterwards), and a smoke test of the four services with real
// grpcurl. Prints a closing summary line, with the failure report of every failed jest test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureGoTool } from './lib/go-tools.mjs';
import { startLocalDatabase } from './lib/local-db.mjs';
import { ROOT } from './lib/paths.mjs';
import { smokeTest } from './lib/smoke.mjs';
import { buildServices } from './lib/stack.cjs';

const log = (m) => console.error(m);
const results = [];
let jestPassed = 0;
let jestFailed = 0;
// Jest's failure reports ("  ● suite › test" and the lines after it), repeated in the closing
// summary so a truncated CI log still shows which test failed and why.
const FAILURE_LINES = 30;
const failureReports = [];
let openReport;

/** The tests jest's watchdog reporter recorded as running (tools/jest/watchdog-reporter.js). */
function runningTests(stateDir) {
  const running = [];
  for (const file of existsSync(stateDir) ? readdirSync(stateDir) : []) {
    try {
      const state = JSON.parse(readFileSync(path.join(stateDir, file), 'utf8'));
      for (const test of state.running) running.push(`${state.project}: ${test}`);
    } catch {
      // A file being written as the step was stopped.
    }
  }
  return running;
}

/**
 * Runs one step. `timeoutMs` bounds it: a hung step (a test process that never exits) is killed
 * with its whole process group and fails, naming the tests that were running, instead of running
 * into CI's overall limit unexplained (each jest run is also bounded by its own watchdog, see
 * jest.preset.js). `linePrefix` is what Nx's streamed output puts before each line.
 */
function run(name, command, args, env = process.env, { timeoutMs = 30 * 60_000, linePrefix = '' } = {}) {
  log(`\n[test] ▶ ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'jest-state-'));
  return new Promise((resolve) => {
    // Its own process group, so a time-out can stop everything it started.
    const child = spawn(command, args, { cwd: ROOT, env: { ...env, SIGNALPATH_JEST_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    // Ctrl-C or a CI cancel reaches this process only (the step has its own group): pass it on.
    const forward = (signal) => {
      killGroup(signal);
      process.exitCode = 130;
    };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    let running = [];
    const limit = setTimeout(() => {
      timedOut = true;
      running = runningTests(stateDir);
      log(`\n[test] ✘ ${name}: still running after ${timeoutMs / 60_000} min; stopping it and everything it started`);
      for (const test of running) log(`[test]   was running: ${test}`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    const pending = { out: '', err: '' };
    const countSummaries = (raw) => {
      // Nx's streamed output puts "<project>: " before each line of a task.
      const line = linePrefix && raw.startsWith(linePrefix) ? raw.slice(linePrefix.length) : raw;
      const heading = /^\s*● (.+)$/.exec(line);
      if (heading) {
        openReport = heading[1].trim() === 'Console' ? undefined : { title: heading[1].trim(), lines: [] };
        if (openReport) failureReports.push(openReport);
      } else if (/^(PASS|FAIL|Test Suites:) /.test(line)) {
        openReport = undefined;
      } else if (openReport && openReport.lines.length < FAILURE_LINES) {
        openReport.lines.push(line);
      }
      // Jest's per-project summary, e.g. "Tests:       1 failed, 12 passed, 13 total".
      const summary = /Tests:\s+(?:(\d+) failed, )?(?:\d+ skipped, )?(?:\d+ todo, )?(?:(\d+) passed, )?\d+ total/.exec(line);
      if (summary) {
        jestFailed += Number(summary[1] ?? 0);
        jestPassed += Number(summary[2] ?? 0);
      }
    };
    const scan = (chunk, target, key) => {
      target.write(chunk);
      const lines = (pending[key] + chunk.toString().replace(/\u001b\[[0-9;]*m/g, '')).split('\n');
      pending[key] = lines.pop();
      lines.forEach(countSummaries);
    };
    child.stdout.on('data', (c) => scan(c, process.stdout, 'out'));
    child.stderr.on('data', (c) => scan(c, process.stderr, 'err'));
    child.on('exit', (code) => {
      clearTimeout(limit);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      // Whatever the step left behind in its group (a service a test did not stop) goes too.
      try {
        process.kill(-child.pid, 0);
        log(`[test] ${name}: processes left behind by the step; stopping them`);
        killGroup('SIGKILL');
      } catch {
        // nothing left
      }
      rmSync(stateDir, { recursive: true, force: true });
      const ok = code === 0 && !timedOut;
      if (timedOut) failureReports.push({ title: `${name}: timed out after ${timeoutMs / 60_000} min`, lines: running.map((test) => `was running: ${test}`) });
      results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
      log(`[test] ${ok ? '✔' : '✘'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      resolve(ok);
    });
  });
}

/** Runs an in-process step, bounded like the others (its own parts have bounds too). */
async function step(name, fn, { timeoutMs = 10 * 60_000 } = {}) {
  const started = Date.now();
  log(`\n[test] ▶ ${name}`);
  let limit;
  try {
    const ok = await Promise.race([
      fn(),
      new Promise((_, reject) => {
        limit = setTimeout(() => reject(new Error(`still running after ${timeoutMs / 60_000} min`)), timeoutMs);
      }),
    ]);
    results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
    log(`[test] ${ok ? '✔' : '✘'} ${name}`);
  } catch (error) {
    results.push({ name, ok: false, seconds: (Date.now() - started) / 1000 });
    failureReports.push({ title: `${name}: ${error.message}`, lines: [] });
    log(`[test] ✘ ${name}: ${error.message}`);
  } finally {
    clearTimeout(limit);
  }
}

const grpcurl = ensureGoTool('grpcurl', log);
const db = await startLocalDatabase({ log });
const env = { ...process.env, MONGODB_URI: db.uri, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' };
try {
  if (existsSync(path.join(ROOT, '.git'))) {
    await run('generated code is up to date (buf format, buf lint, regenerate, git status)', 'bash', ['tools/proto-generate.sh', '--check'], env, { timeoutMs: 10 * 60_000 });
  } else {
    await run('buf lint', 'npx', ['buf', 'lint'], env, { timeoutMs: 10 * 60_000 });
  }
  await run('API change discipline (buf breaking against protos/released, CHANGELOG.md)', 'node', ['tools/api-check.mjs'], env, { timeoutMs: 2 * 60_000 });
  const nxTargets = ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--skip-nx-cache'];
  await run('lint, typecheck and tests of every project but e2e', 'npx', [...nxTargets, '--output-style=static', '--exclude=e2e'], env);
  // The end-to-end suites time restarts, deadlines and drains of real processes: they run alone,
  // not beside another project's tests on a 2-core machine. Streamed, so that if they ever hang,
  // what they printed so far is in the log when the time limit stops them.
  await run('end-to-end suites (real processes), run alone', 'npx', [...nxTargets, '--output-style=stream', '--projects=e2e', '--parallel=1'], env, { timeoutMs: 25 * 60_000, linePrefix: 'e2e: ' });
  await step('smoke test: four services, grpcurl list + health', async () => {
    buildServices();
    const failures = await smokeTest({ grpcurl, mongoUri: db.uri, log });
    return failures.length === 0;
  });
} finally {
  await db.stop();
}

const failed = results.filter((r) => !r.ok);
log('\n[test] summary');
for (const r of results) log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(1)} s)`);
log(`  jest: ${jestPassed} tests passed, ${jestFailed} failed`);
for (const report of failureReports) {
  log(`\n[test] failed: ${report.title}`);
  for (const line of report.lines) if (line.trim()) log(`    ${line}`);
}
console.log(`tests: ${jestPassed + results.length - failed.length} passed, ${jestFailed + failed.length} failed`);
process.exit(failed.length === 0 && jestFailed === 0 ? 0 : 1);
