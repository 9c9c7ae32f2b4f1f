import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { requireMongoUri } from '@signalpath/mongo';
import { ensureDevKeys, loadKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createConsentClient } from '@signalpath/service-clients';
import stackLib = require('../../lib/stack.cjs');
import nxServe = require('../../lib/nx-serve.cjs');
import workspaceCopy = require('../../lib/workspace-copy.cjs');
import watchEdits = require('../../nx/watch-edits.cjs');

/**
 * `nx serve consent-service` in a copy of the workspace: a one-line change to a lib the service
 * bundles, then to the service itself, each rebuilds it and restarts the process through its
 * graceful shutdown, and the new process serves the change. Source maps name the .ts file in
 * the stack of an error thrown at start.
 */
describe('nx serve: rebuild and restart on change', () => {
  const service = stackLib.SERVICES.find((s) => s.key === 'consent')!;
  const port = stackLib.testPort(31851);
  // Long enough to tell a drained shutdown from a killed process; short enough to keep the test quick.
  const drainMs = 1000;
  let copy: ReturnType<typeof workspaceCopy.copyWorkspace> | undefined;
  let stack: ReturnType<typeof nxServe.startNxServe> | undefined;
  let keysDir = '';
  let client: ReturnType<typeof createConsentClient> | undefined;
  /** How long the first start took here and now: restarts are bounded by a multiple of it. */
  let startMs = 0;

  beforeAll(async () => {
    copy = workspaceCopy.copyWorkspace('nx-watch-');
    keysDir = mkdtempSync(path.join(tmpdir(), 'nx-watch-keys-'));
    ensureDevKeys(keysDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: requireMongoUri(),
      MONGODB_DB_PREFIX: `nxwatch_${randomBytes(3).toString('hex')}_`,
      SIGNALPATH_KEYS_DIR: keysDir,
      SHUTDOWN_DRAIN: `${drainMs}ms`,
      [service.portVar]: String(port),
    };
    const started = Date.now();
    stack = nxServe.startNxServe({ env, only: ['consent'], root: copy.root, quiet: true });
    await stack.waitHealthy(600_000);
    startMs = Date.now() - started;
    const ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
    client = createConsentClient(`127.0.0.1:${port}`, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(ring, 'operator', service.grpcService) });
  }, 660_000);

  afterAll(async () => {
    client?.close();
    await stack?.stop();
    copy?.remove();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  }, 60_000);

  const linesSince = (index: number) => stack!.output.slice(index);

  /**
   * Makes edit `n` and waits for a new process to answer SERVING; returns what it measured.
   * Bounded by 10× the first start (build + start), at least two minutes.
   */
  async function editAndWaitForRestart(n: number, previous?: watchEdits.WatchEdit) {
    const oldPid = stack!.processes[0].pid();
    expect(oldPid).toBeDefined();
    const seen = stack!.output.length;
    const started = Date.now();
    const edit = watchEdits.makeEdit(copy!.root, service.app, n, previous);
    const limit = Math.max(120_000, 10 * startMs);
    let builtAt: number | undefined;
    let oldGoneAt: number | undefined;
    for (;;) {
      if (Date.now() - started > limit) throw new Error(`no restart within ${limit} ms after edit ${n}; last output: ${linesSince(seen).slice(-8).map((o) => o.line).join(' | ')}`);
      builtAt ??= linesSince(seen).find((o) => /build succeeded/.test(o.line))?.at;
      if (oldGoneAt === undefined && !processAlive(oldPid!)) oldGoneAt = Date.now();
      const pid = stack!.processes[0].pid();
      if (pid !== undefined && pid !== oldPid && (await stackLib.healthStatus(`127.0.0.1:${port}`)) === 'SERVING') {
        const totalMs = Date.now() - started;
        process.stderr.write(`[nx-watch] edit ${n} (${edit.where}): rebuilt after ${builtAt ? builtAt - started : '?'} ms, serving again after ${totalMs} ms (load ${loadavg()[0].toFixed(2)})\n`);
        return { edit, builtAt, oldGoneAt: oldGoneAt ?? Date.now(), seen };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('unreachable');
  }

  it('restarts on a change to a lib the service bundles, gracefully, and serves the change', async () => {
    const before = await client!.getSettings({ userId: watchEdits.LIB_PROBE_ID }).catch((e: { code: number; details: string }) => e);
    expect(before).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(watchEdits.LIB_MESSAGE) });
    expect((before as { details: string }).details).not.toContain('(edit 1)');

    const { edit, builtAt, oldGoneAt } = await editAndWaitForRestart(1);
    expect(edit.where).toBe('lib');
    // The old process was stopped with SIGTERM and drained (SHUTDOWN_DRAIN) before it exited: a
    // killed process would be gone right after the rebuild.
    expect(builtAt).toBeDefined();
    expect(oldGoneAt - builtAt!).toBeGreaterThanOrEqual(drainMs);

    const after = await client!.getSettings({ userId: watchEdits.LIB_PROBE_ID }).catch((e: { code: number; details: string }) => e);
    expect(after).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(`${watchEdits.LIB_MESSAGE} (edit 1)`) });
  }, 300_000);

  it("restarts on a change to the service's own source, and the new process runs it", async () => {
    const { edit, seen } = await editAndWaitForRestart(2, { where: 'lib', file: watchEdits.LIB_FILE, libMessage: `${watchEdits.LIB_MESSAGE} (edit 1)` });
    expect(edit.where).toBe('app');
    expect(linesSince(seen).some((o) => o.line.includes(edit.marker!))).toBe(true);
    expect(await stackLib.healthStatus(`127.0.0.1:${port}`)).toBe('SERVING');
  }, 300_000);

  it('names the .ts file and line in the stack of an error thrown by the rebuilt service', async () => {
    const seen = stack!.output.length;
    const main = path.join(copy!.root, 'apps', service.app, 'src', 'main.ts');
    const original = readFileSync(main, 'utf8');
    const lines = original.split('\n');
    const throwLine = lines.length; // 1-based line of the appended statement (the file ends with "\n")
    writeFileSync(main, `${original}throw new Error('watch test: thrown at start');\n`);
    const deadline = Date.now() + Math.max(120_000, 10 * startMs);
    let stackTrace: string | undefined;
    while (!stackTrace && Date.now() < deadline) {
      const text = linesSince(seen).map((o) => o.line).join('\n');
      if (/Process exited with code 1/.test(text) && text.includes('watch test: thrown at start')) stackTrace = text;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(stackTrace).toBeDefined();
    const tsFrame = new RegExp(`apps/${service.app}/src/main\\.ts:${throwLine}\\b`);
    expect(stackTrace).toMatch(tsFrame);
    // The same bundle run as npm start runs it (the stack description's flags, no Nx loader and
    // no source-map-support): the stack still names the .ts file.
    const direct = spawnSync(process.execPath, [...stackLib.serviceNodeArgs(service, copy!.root), stackLib.serviceMain(service, copy!.root)], {
      cwd: copy!.root,
      env: { ...process.env, SIGNALPATH_KEYS_DIR: keysDir, [service.portVar]: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain('watch test: thrown at start');
    expect(direct.stderr).toMatch(tsFrame);

    // Fixed again: the next build restarts it.
    writeFileSync(main, original);
    const restartDeadline = Date.now() + Math.max(120_000, 10 * startMs);
    while ((await stackLib.healthStatus(`127.0.0.1:${port}`)) !== 'SERVING') {
      if (Date.now() > restartDeadline) throw new Error('not SERVING again after the fix');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
