import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireMongoUri } from '@signalpath/mongo';
import { testPort } from './stack';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist', 'apps', 'signal-service');

/** Runs the built SignalService until it exits or prints `until`; returns its exit code (null: still running, stopped here) and output. */
function run(env: NodeJS.ProcessEnv, until: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', path.join(DIST, 'instrumentation.js'), path.join(DIST, 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve({ code, output });
    };
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(until)) finish(null);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => finish(code));
    const timer = setTimeout(() => finish(null), timeoutMs);
  });
}

/**
 * Issue 12 §3: outside an explicit development mode SignalService refuses to start without
 * SIGNAL_HASH_SECRET (a configuration error naming the variable, exit 78 like every other);
 * it no longer falls back silently to a constant anyone can read in the source.
 */
describe('SignalService in production without SIGNAL_HASH_SECRET', () => {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'production-config-keys-'));
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));
  const base = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, MONGODB_URI: requireMongoUri(), MONGODB_DB_PREFIX: 'production_config_', SIGNAL_PORT: String(testPort(31790)), SIGNALPATH_KEYS_DIR: keysDir, SIGNALPATH_DEV_KEYS: 'true', LOG_LEVEL: 'info' };
    delete env.SIGNALPATH_ENV;
    delete env.SIGNAL_HASH_SECRET;
    return env;
  };

  it('exits 78 naming the variable, by default and with SIGNALPATH_ENV=production', async () => {
    for (const env of [base(), { ...base(), SIGNALPATH_ENV: 'production' }]) {
      const { code, output } = await run(env, 'listening', 30_000);
      expect(code).toBe(78);
      expect(output).toContain('configuration error: SIGNAL_HASH_SECRET must be set');
    }
  });

  it('starts in development with the built-in secret, and says so', async () => {
    const { code, output } = await run({ ...base(), SIGNALPATH_ENV: 'development' }, 'listening', 30_000);
    expect(code).toBeNull();
    expect(output).toContain('SIGNAL_HASH_SECRET is not set: using the development secret');
  });
});
