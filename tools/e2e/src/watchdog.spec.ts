import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * `npm test` never hangs (issue 12 §7): jest itself, run on small test files written here, with
 * the watchdog reporter every project uses (tools/jest/watchdog-reporter.js). A test that leaves a
 * timer open and a run that overruns its bound must both end the process, non-zero, naming what was
 * open or running — without the reporter the first never exits ("Jest did not exit one second after
 * the test run has completed") and the second runs as long as its test's own timeout.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const REPORTER = path.join(ROOT, 'tools', 'jest', 'watchdog-reporter.js');
/** Bound on one inner jest run: far beyond what each needs, so a hang fails instead of holding the suite. */
const RUN_BOUND_MS = 120_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
  killedAtBound: boolean;
}

describe('jest watchdog: a run that leaks or overruns ends, fails and says why', () => {
  let dir = '';
  const children = new Set<ReturnType<typeof spawn>>();

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'watchdog-'));
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `files` and a jest config using the reporter with `options`, and runs jest on them. */
  function runJest(name: string, files: Record<string, string>, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, onStart?: (pid: number) => void): Promise<Run> {
    const root = path.join(dir, name);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, file), text);
    writeFileSync(
      path.join(root, 'jest.config.js'),
      `module.exports = ${JSON.stringify({ rootDir: root, testEnvironment: require.resolve('jest-environment-node'), testMatch: ['<rootDir>/*.test.js'], transform: {}, watchman: false, reporters: ['default', [REPORTER, options]] })};\n`,
    );
    // The outer run's state directory (npm test) is not the inner run's.
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv.SIGNALPATH_JEST_STATE_DIR;
    delete childEnv.SIGNALPATH_JEST_MAX_RUN_MS;
    Object.assign(childEnv, env);
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [JEST, '-c', path.join(root, 'jest.config.js'), '--runInBand', '--ci'], { cwd: root, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      children.add(child);
      if (child.pid !== undefined) onStart?.(child.pid);
      let stderr = '';
      let killedAtBound = false;
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const bound = setTimeout(() => {
        killedAtBound = true;
        child.kill('SIGKILL');
      }, RUN_BOUND_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(bound);
        children.delete(child);
        resolve({ code, signal, stderr, ms: Date.now() - started, killedAtBound });
      });
    });
  }

  it('a test that leaves a timer running: jest exits non-zero shortly after the run, naming the open handle', async () => {
    const result = await runJest('leak', { 'leak.test.js': "test('starts a timer it never stops', () => { setInterval(() => {}, 1_000); });\n" }, { exitGraceMs: 1_000, project: 'leak' });
    expect(result.killedAtBound).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 passed'); // the test itself passed: the failure is the leak
    expect(result.stderr).toMatch(/\[jest watchdog\] leak: jest did not exit 1 s after the run completed/);
    expect(result.stderr).toMatch(/\[jest watchdog\] open handles: .*Timeout/);
  }, RUN_BOUND_MS + 10_000);

  it('a run past its bound: stopped non-zero, naming the test that was running, which npm test can read too', async () => {
    const stateDir = path.join(dir, 'state');
    let pid = 0;
    const states: string[] = [];
    // npm test (tools/test.mjs) reads the running tests from this directory when it stops a step.
    const poll = setInterval(() => {
      try {
        if (pid) states.push(readFileSync(path.join(stateDir, `${pid}.json`), 'utf8'));
      } catch {
        // not written yet, or removed at the end
      }
    }, 50);
    let result: Run;
    try {
      result = await runJest(
        'overrun',
        { 'overrun.test.js': "test('waits for ever', () => new Promise(() => {}), 600_000);\n" },
        { project: 'overrun' },
        { SIGNALPATH_JEST_MAX_RUN_MS: '3000', SIGNALPATH_JEST_STATE_DIR: stateDir },
        (started) => (pid = started),
      );
    } finally {
      clearInterval(poll);
    }
    expect(result.killedAtBound).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[jest watchdog\] overrun: still running after 3 s \(the project's bound\); stopping/);
    expect(result.stderr).toMatch(/\[jest watchdog\] running: overrun\.test\.js › waits for ever/);
    expect(states.some((s) => (JSON.parse(s) as { running: string[] }).running.includes('overrun.test.js › waits for ever'))).toBe(true);
    // Stopped by the run's bound, long before the test's own 10-minute timeout.
    expect(result.ms).toBeLessThan(RUN_BOUND_MS);
    expect(readdirSync(stateDir).length).toBeLessThanOrEqual(1);
  }, RUN_BOUND_MS + 10_000);

  it('a clean run is left alone: exit 0, nothing from the watchdog', async () => {
    const result = await runJest('clean', { 'clean.test.js': "test('adds', () => { expect(1 + 1).toBe(2); });\n" }, { exitGraceMs: 1_000, project: 'clean' });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('[jest watchdog]');
  }, RUN_BOUND_MS + 10_000);
});
