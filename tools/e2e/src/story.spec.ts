import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { common, consent } from '@signalpath/proto';
import { requireMongoUri } from '@signalpath/mongo';
import { startE2eStack, type E2eStack } from './stack';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Fragments of what the demo's user said: none may appear in any database, log line or error. */
const SAID = ['started rock climbing at an indoor gym', 'climbing shoes are good for a beginner', 'my depression has been rough', 'my therapist says', 'surfing in Portugal'];

async function documentsOf(prefix: string): Promise<Array<{ db: string; collection: string; json: string }>> {
  const mongo = new MongoClient(requireMongoUri());
  const out: Array<{ db: string; collection: string; json: string }> = [];
  try {
    for (const service of ['consent', 'signal', 'profile', 'ranking']) {
      const db = mongo.db(`${prefix}${service}`);
      for (const { name } of await db.listCollections().toArray()) {
        for (const doc of await db.collection(name).find({}).toArray()) out.push({ db: service, collection: name, json: JSON.stringify(doc) });
      }
    }
  } finally {
    await mongo.close();
  }
  return out;
}

// Once with one process of each service, once with two of each behind round robin (issue 18 §2).
describe.each([
  { replicas: 1, basePort: 31250 },
  { replicas: 2, basePort: 32050 },
])('the demo story, erasure everywhere, and no leaks ($replicas process(es) of each service)', ({ replicas, basePort }) => {
  let stack: E2eStack;
  let demoOutput = '';

  beforeAll(async () => {
    stack = await startE2eStack({ basePort, replicas, extraEnv: { RANKING_SEED_DEMO_CATALOG: 'true' } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('npm run demo tells the story and every expectation holds', async () => {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'tools/run.mjs'), path.join(ROOT, 'tools/demo.ts')], { cwd: ROOT, env: stack.env, timeout: 110_000 }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      // The story so far says which step failed.
      throw new Error(`${error.message}\n--- demo output ---\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    demoOutput = stdout;
    expect(stdout).toContain('Every expectation held.');
    expect(stdout).not.toContain('✘');
  });

  it('erasing everything leaves no document about the user outside the consent record of the erasure', async () => {
    const user = /Meet (demo-[0-9a-f]+)/.exec(demoOutput)?.[1];
    expect(user).toBeDefined();
    const requested = await stack.clients.consent.requestErasure({ userId: user!, scope: common.ErasureScope.ERASURE_SCOPE_ALL });
    const jobId = requested.job!.jobId;
    let state = requested.job!.state;
    // Until the job succeeds (progress), bounded generously: a loaded machine erases later.
    for (const waitUntil = Date.now() + 60_000; Date.now() < waitUntil && state !== consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED; ) {
      await new Promise((r) => setTimeout(r, 250));
      state = (await stack.clients.consent.getErasureJob({ jobId })).job!.state;
    }
    expect(state).toBe(consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED);

    const mentioning = (await documentsOf(stack.dbPrefix)).filter((d) => d.json.includes(user!));
    const outsideConsent = mentioning.filter((d) => d.db !== 'consent');
    expect(outsideConsent).toEqual([]);
    // What ConsentService keeps: the erasure jobs and the minimal record of the withdrawal.
    for (const doc of mentioning) expect(['erasure_jobs', 'settings', 'settings_history']).toContain(doc.collection);
  });

  it('no database document, log line or demo output carries what the user said', async () => {
    const documents = (await documentsOf(stack.dbPrefix)).map((d) => d.json).join('\n');
    const logs = stack.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const fragment of SAID) {
      expect(documents).not.toContain(fragment);
      expect(logs).not.toContain(fragment);
    }
  });
});
