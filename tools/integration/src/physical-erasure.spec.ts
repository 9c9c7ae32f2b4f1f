import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { common, consent } from '@signalpath/proto';

import { eventually, freePort, startInProcessStack, type InProcessStack } from './stack';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const { ferretdbBinary } = require('../../lib/ferretdb.cjs') as { ferretdbBinary(): string };

/**
 * Issue 13, "erasure is logical only": after an ALL erasure the local store must physically
 * forget. A FerretDB of its own (the project's wrapper: SQLite secure_delete, WAL checkpoint and
 * truncate every second) holds a user's signals; the user is erased through ConsentService; the
 * raw SQLite files (main file, -wal, -shm) are then scanned byte by byte.
 */
describe('an ALL erasure leaves none of the user in the SQLite files of the local database', () => {
  let dataDir: string;
  let child: ChildProcess;
  let stack: InProcessStack;
  let uri: string;

  beforeAll(async () => {
    const binary = ferretdbBinary();
    if (!existsSync(binary)) {
      // npm test builds it when it provisions the database; a lone run of this file builds it here.
      const built = spawnSync(process.execPath, ['-e', "import('./tools/lib/go-tools.mjs').then((m) => m.ensureGoTool('ferretdb'))"], { cwd: ROOT, stdio: 'inherit' });
      if (built.status !== 0) throw new Error('could not build the FerretDB wrapper (needs Go >= 1.24)');
    }
    dataDir = mkdtempSync(path.join(tmpdir(), 'physical-erasure-'));
    const port = await freePort();
    child = spawn(binary, ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataDir, '-wal-checkpoint-interval', '1s'], { stdio: ['ignore', 'ignore', 'inherit'] });
    uri = `mongodb://127.0.0.1:${port}/`;
    stack = await eventually(
      () => startInProcessStack({ signals: 1, profiles: 1, mongoUri: uri, env: { SIGNAL_ERASURE_FENCE: '300ms', PROFILE_ERASURE_FENCE: '300ms' } }).catch(() => undefined),
      30_000,
      200,
    );
  });
  afterAll(async () => {
    await stack?.stop();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The files of the databases whose name ends with one of `services`, and which of `needles` each holds. */
  const scan = (services: string[], needles: string[]) => {
    const hits: string[] = [];
    for (const file of readdirSync(dataDir)) {
      if (!services.some((service) => file.startsWith(`${stack.prefix}${service}.sqlite`))) continue;
      const bytes = readFileSync(path.join(dataDir, file));
      for (const needle of needles) if (bytes.includes(Buffer.from(needle, 'utf8'))) hits.push(`${file}: ${needle}`);
    }
    return hits;
  };

  it('finds the user in the files before, and neither the user id nor any signal, record or operation id after', async () => {
    const userId = `phys-${randomBytes(6).toString('hex')}`;
    const bystander = `phys-bystander-${randomBytes(6).toString('hex')}`;
    for (const user of [userId, bystander]) {
      await stack.consent.updateSettings({ userId: user, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
      for (const [i, text] of ['rock climbing and bouldering at the gym every weekend', 'a road trip through Portugal, hotels in Lisbon'].entries()) {
        await stack.signals[0].ingestInteraction({
          interaction: { interactionId: `${user}-${i}`, userId: user, surface: common.Surface.SURFACE_MESSENGER, modality: common.Modality.MODALITY_TEXT, endToEndEncrypted: false, text, eventTime: new Date(Date.now() - 60_000) },
        });
      }
    }
    await eventually(async () => Number((await stack.signals[0].getOutboxStatus({})).pendingCount) === 0, 30_000);
    const before = JSON.parse((await stack.consent.exportUserData({ userId })).documentJson);
    const distinctive: string[] = [
      userId,
      ...before.services.signal.document.records.map((r: { recordKey: string }) => r.recordKey),
      ...before.services.signal.document.signals.map((s: { signalId: string }) => s.signalId),
      ...before.services.profile.document.appliedOperations.map((op: { operationId: string }) => op.operationId),
    ];
    expect(distinctive.length).toBeGreaterThan(6);
    // The scan sees what is there: the user is in the signal and profile files (WAL or main file).
    await eventually(async () => scan(['signal', 'profile'], [userId]).length >= 2, 10_000);

    const { job } = await stack.consent.requestErasure({ userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL });
    await eventually(async () => (await stack.consent.getErasureJob({ jobId: job?.jobId ?? '' })).job?.state === consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED, 30_000);
    const erased = Date.now();
    // Within a few checkpoint intervals nothing is left: not in free pages, not in the WAL.
    await eventually(async () => scan(['signal', 'profile'], distinctive).length === 0 && scan(['consent'], distinctive.slice(1)).length === 0, 30_000, 250).catch(() => undefined);
    expect({ signalAndProfile: scan(['signal', 'profile'], distinctive), consent: scan(['consent'], distinctive.slice(1)) }).toEqual({ signalAndProfile: [], consent: [] });
    process.stderr.write(`physical erasure: files clean ${Date.now() - erased} ms after the job succeeded\n`);
    // The bystander is still there, in the main database files after the checkpoint: the scan reads them.
    expect(scan(['signal'], [bystander]).some((hit) => hit.includes('.sqlite:'))).toBe(true);
  });
});
