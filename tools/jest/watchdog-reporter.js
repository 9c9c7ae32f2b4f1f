// A jest reporter that keeps every jest run bounded and says what was running when it was not:
//
// - it knows which test files and tests are running (onTestFileStart / onTestCaseStart), and, when
//   SIGNALPATH_JEST_STATE_DIR is set (npm test sets it), keeps that list in <dir>/<pid>.json, so a
//   step killed from outside (tools/test.mjs) can still name the test that was running;
// - `maxRunMs` bounds the whole run of one project: past it, the running tests and the process's
//   open handles are printed and jest exits non-zero (tools/test.mjs kills the step's process group,
//   so whatever the tests started goes too);
// - after the run, if jest is still alive `exitGraceMs` later (something a test started was not
//   stopped — jest's "did not exit one second after the test run has completed"), the open handles
//   are printed and the process exits non-zero.
//
// Why not jest's forceExit: it exits 0 and hides the leak, so a test that leaves a process or a
// timer behind would pass for ever. This exits too (a CI run must end), but fails, and says what
// was left open; the fix belongs in the test's teardown.
const fs = require('node:fs');
const path = require('node:path');

const DEFAULT_MAX_RUN_MS = 15 * 60_000;
const DEFAULT_EXIT_GRACE_MS = 10_000;

function describeHandles() {
  // Counts by kind (Timeout, TCPWRAP, PROCESSWRAP, ...): enough to say what kind of thing was left
  // open; jest --detectOpenHandles (SIGNALPATH_DETECT_OPEN_HANDLES=1 in tools/test.mjs) shows where.
  const counts = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return Object.entries(counts)
    .map(([kind, n]) => `${kind} ×${n}`)
    .join(', ');
}

class WatchdogReporter {
  constructor(globalConfig, options = {}) {
    this.maxRunMs = Number(process.env.SIGNALPATH_JEST_MAX_RUN_MS || options.maxRunMs || DEFAULT_MAX_RUN_MS);
    this.exitGraceMs = Number(options.exitGraceMs || DEFAULT_EXIT_GRACE_MS);
    this.project = options.project || path.basename(globalConfig.rootDir || process.cwd());
    this.files = new Map(); // test file path → Set of running test names
    this.stateDir = process.env.SIGNALPATH_JEST_STATE_DIR;
    this.stateFile = this.stateDir ? path.join(this.stateDir, `${process.pid}.json`) : undefined;
  }

  running() {
    const out = [];
    for (const [file, tests] of this.files) {
      const relative = path.relative(process.cwd(), file);
      if (tests.size === 0) out.push(relative);
      for (const name of tests) out.push(`${relative} › ${name}`);
    }
    return out;
  }

  save() {
    if (!this.stateFile) return;
    try {
      fs.mkdirSync(this.stateDir, { recursive: true });
      fs.writeFileSync(this.stateFile, JSON.stringify({ project: this.project, running: this.running() }));
    } catch {
      // Best effort: the state file only helps explain a time-out.
    }
  }

  report(headline) {
    const lines = [`[jest watchdog] ${this.project}: ${headline}`];
    const running = this.running();
    lines.push(running.length ? `[jest watchdog] running: ${running.join('; ')}` : '[jest watchdog] no test was running');
    lines.push(`[jest watchdog] open handles: ${describeHandles() || 'none'}`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  onRunStart() {
    this.timer = setTimeout(() => {
      this.report(`still running after ${Math.round(this.maxRunMs / 1000)} s (the project's bound); stopping`);
      process.exit(1);
    }, this.maxRunMs);
    this.timer.unref();
    this.save();
  }

  onTestFileStart(test) {
    this.files.set(test.path, new Set());
    this.save();
  }

  onTestCaseStart(test, info) {
    this.files.get(test.path)?.add(info.fullName);
    this.save();
  }

  onTestCaseResult(test, result) {
    this.files.get(test.path)?.delete(result.fullName);
    this.save();
  }

  onTestFileResult(test) {
    this.files.delete(test.path);
    this.save();
  }

  onRunComplete() {
    clearTimeout(this.timer);
    if (this.stateFile) fs.rmSync(this.stateFile, { force: true });
    // Unref'd: it fires only if something else keeps the process alive.
    const grace = setTimeout(() => {
      this.report(`jest did not exit ${Math.round(this.exitGraceMs / 1000)} s after the run completed: a test left something open`);
      process.exit(1);
    }, this.exitGraceMs);
    grace.unref();
  }
}

module.exports = WatchdogReporter;
