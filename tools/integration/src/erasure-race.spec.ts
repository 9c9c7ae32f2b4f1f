import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { requireMongoUri } from '@signalpath/testing';
import { common, consent, signal } from '@signalpath/proto';

import { eventually, startInProcessStack, type InProcessStack } from './stack';

/**
 * Issue 12 §2, DESIGN.md invariant 7: erasure is final. Each round, a burst of ingests (two
 * SignalService instances) and deliveries (to two ProfileService instances) runs for a user;
 * midway an erasure is requested through ConsentService, which erases through the other
 * instances while batches are claimed, in flight and being applied. No new call starts once the
 * erasure is requested; the calls already made run to their end. After the job has succeeded,
 * and again once everything in flight has landed and callers' retries came back, every
 * collection of every database is scanned: nothing derived from data before the cut-off may be
 * left (for AI_CHAT: nothing derived from the AI chats).
 */
const ROUNDS = Number(process.env.ERASURE_RACE_ROUNDS ?? 10);
const WORKERS = 6;
const TEXTS = [
  'I have been getting into rock climbing and bouldering at the gym every weekend',
  'looking for a good sourdough starter and a dutch oven for baking bread',
  'planning a road trip through Portugal next summer, any tips for Lisbon hotels',
  'which running shoes are best for marathon training on asphalt',
  'thinking about adopting a puppy, what dog breeds are good for small apartments',
];
const { SOURCE_KIND_AI_CHAT: AI } = common.SourceKind;

interface Violation {
  db: string;
  collection: string;
  doc: string;
}

/** Every document of every database on the server that mentions the user and must not exist. */
async function violations(client: MongoClient, prefix: string, userId: string, scope: common.ErasureScope): Promise<Violation[]> {
  const found: Violation[] = [];
  const { databases } = await client.db('admin').admin().listDatabases();
  for (const { name } of databases) {
    const db = client.db(name);
    // Other suites create and drop their databases meanwhile; only ours must be readable.
    const ours = name.startsWith(prefix);
    const collections = await db
      .listCollections()
      .toArray()
      .catch((error: unknown) => {
        if (ours) throw error;
        return [];
      });
    for (const { name: collection } of collections) {
      const docs = await db
        .collection(collection)
        .find({})
        .toArray()
        .catch((error: unknown) => {
          if (ours) throw error;
          return [];
        });
      for (const doc of docs) {
        const json = JSON.stringify(doc);
        if (!json.includes(userId)) continue;
        // ConsentService keeps the consent record and the erasure job (DESIGN.md, ErasureScope).
        if (name === `${prefix}consent`) continue;
        if (scope === common.ErasureScope.ERASURE_SCOPE_AI_CHAT && !derivedFromAiChat(name.slice(prefix.length), collection, doc)) continue;
        found.push({ db: name, collection, doc: json.slice(0, 300) });
      }
    }
  }
  return found;
}

/** Whether a document of the user (SignalService or ProfileService) holds anything from an AI chat. */
function derivedFromAiChat(service: string, collection: string, doc: Record<string, unknown>): boolean {
  if (service === 'signal') {
    if (collection === 'records') return doc.kind !== 'activity';
    if (['outbox', 'outbox_delivered', 'outbox_claims'].includes(collection)) return doc.sourceKind === AI;
    return true; // e2e_skips and anything else
  }
  if (service === 'profile') {
    if (collection === 'profiles') return Object.prototype.hasOwnProperty.call(doc.kinds ?? {}, String(AI));
    if (collection === 'applied_signals') return doc.source_kind === AI;
    // One record per profile write, naming no topic or source (kept by an AI_CHAT erasure: docs/erasure.md).
    if (collection === 'applied_ops') return false;
    return true;
  }
  return true;
}

describe('erasure is final while ingests and deliveries race it (in-process services, real database)', () => {
  let stack: InProcessStack;
  let mongo: MongoClient;

  beforeAll(async () => {
    // A short fence keeps rounds quick; the write bound is half of it, so late writes do happen.
    stack = await startInProcessStack({ signals: 2, profiles: 2, env: { SIGNAL_ERASURE_FENCE: '600ms', PROFILE_ERASURE_FENCE: '600ms' } });
    mongo = new MongoClient(requireMongoUri());
  });
  afterAll(async () => {
    await mongo?.close();
    await stack?.stop();
  });

  it(`leaves nothing derived from pre-cut-off data, over ${ROUNDS} rounds of AI_CHAT and ALL erasures`, async () => {
    const found: Violation[] = [];
    const stats = { calls: 0, inFlightAtRequest: 0, pendingAtRequest: 0, refusedAsErased: 0, retried: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const scope = round % 2 === 0 ? common.ErasureScope.ERASURE_SCOPE_AI_CHAT : common.ErasureScope.ERASURE_SCOPE_ALL;
      const userId = `race-${round}-${randomBytes(4).toString('hex')}`;
      await stack.consent.updateSettings({
        userId,
        settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }),
        updateMask: ['region', 'age_band'],
        expectedVersion: '0',
      });
      // Every event of the burst happened before the erasure is requested: all of it is pre-cut-off.
      const eventTime = new Date(Date.now() - 30_000);
      const sent: signal.Interaction[] = [];
      let requested = false;
      let inFlight = 0;
      const worker = async (w: number) => {
        for (let i = 0; !requested; i++) {
          const client = stack.signals[(w + i) % stack.signals.length];
          const interactions = Array.from({ length: 4 }, (_, j) => ({
            interactionId: `${userId}-${w}-${i}-${j}`,
            userId,
            surface: j % 2 ? common.Surface.SURFACE_MESSENGER : common.Surface.SURFACE_INSTAGRAM,
            modality: common.Modality.MODALITY_TEXT,
            endToEndEncrypted: j === 3,
            text: j === 3 ? '' : TEXTS[(w + i + j) % TEXTS.length],
            eventTime,
          }));
          sent.push(...interactions);
          inFlight++;
          stats.calls++;
          const call =
            i % 3 === 2
              ? client.recordActivity({ activityId: `${userId}-like-${w}-${i}`, userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483', '600'], eventTime })
              : client.ingestInteractions({ interactions });
          await call.catch(() => undefined);
          inFlight--;
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      // Let ingests land and deliveries get going, then erase in the middle of it.
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 600)));
      const { job } = await stack.consent.requestErasure({ userId, scope });
      requested = true;
      stats.inFlightAtRequest += inFlight;
      stats.pendingAtRequest += Number((await stack.signals[0].getOutboxStatus({})).pendingCount);
      await Promise.all(workers);
      const done = await eventually(async () => {
        const { job: current } = await stack.consent.getErasureJob({ jobId: job?.jobId ?? '' });
        return current?.state === consent.ErasureJobState.ERASURE_JOB_STATE_SUCCEEDED && current;
      }, 60_000);
      expect(done.targets.every((t) => t.state === consent.ErasureTargetState.ERASURE_TARGET_STATE_CONFIRMED)).toBe(true);
      found.push(...(await violations(mongo, stack.prefix, userId, scope)));

      // A caller retries some of what it sent (its answers were lost): refused, nothing stored.
      const retries = sent.filter((_, i) => i % 7 === 0).slice(0, 40);
      for (let i = 0; i < retries.length; i += 20) {
        const { results } = await stack.signals[1].ingestInteractions({ interactions: retries.slice(i, i + 20) });
        stats.retried += results.length;
        stats.refusedAsErased += results.filter((r) => r.skipReason === signal.SkipReason.SKIP_REASON_ERASED).length;
      }
      // Everything in flight lands: both instances' outboxes drained, nothing buffered.
      await eventually(async () => Number((await stack.signals[0].getOutboxStatus({})).pendingCount) === 0 && stack.signalInstances.every((s) => s.outbox.pending === 0), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      found.push(...(await violations(mongo, stack.prefix, userId, scope)));
    }
    process.stderr.write(`erasure race: ${JSON.stringify({ rounds: ROUNDS, ...stats })}\n`);
    // The race was real: calls were in flight when erasures were requested.
    expect(stats.inFlightAtRequest).toBeGreaterThan(0);
    expect(found).toEqual([]);
    // Retries of erased interactions came back refused (end-to-end-encrypted ones are only skipped).
    expect(stats.refusedAsErased).toBeGreaterThan(0);
  });
});
