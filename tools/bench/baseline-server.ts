// The baselines, each a process of its own served with the project's toolkit (grpc-kit GrpcServer,
// the EchoService of protos/signalpath/bench), so a baseline differs from a real RPC only by the
// work the real handler does:
//   echo          a no-op;
//   findOne       echo + one findOne by _id (the payload is the id) on --db/--collection: the read
//                 a GetProfile cannot avoid, on the same collection at the same size;
//   ingest-floor  echo + ConsentService.BatchCheckEligibility (ads and content, as SignalService
//                 asks before storing; the payload is the user id) + one insertOne of a
//                 record-shaped document into --db/--collection: what an ingest cannot avoid.
//   node tools/run.mjs tools/bench/baseline-server.ts <mode> [--db D --collection C --consent ADDR]
// Prints "LISTENING <address> <pid>" when serving; SIGTERM stops it.
import { MongoClient } from 'mongodb';
import { GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench, common } from '@signalpath/proto';
import { createConsentClient } from '@signalpath/service-clients';
import { operatorCredentials } from '../lib/operator';

const mode = process.argv[2];
const option = (name: string) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (!value) throw new Error(`baseline-server ${mode}: --${name} is required`);
  return value;
};

async function main() {
  let work: (payload: Buffer) => Promise<void> = async () => undefined;
  const closers: Array<() => Promise<void> | void> = [];
  if (mode === 'findOne' || mode === 'ingest-floor') {
    const mongo = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/');
    await mongo.connect();
    closers.push(() => mongo.close());
    const collection = mongo.db(option('db')).collection<{ _id: string }>(option('collection'));
    if (mode === 'findOne') {
      work = async (payload) => {
        if (!(await collection.findOne({ _id: payload.toString('utf8') }))) throw new Error('findOne baseline: no document with that id');
      };
    } else {
      // SignalService's identity, so ConsentService authorizes and answers exactly as for an ingest.
      const consent = createConsentClient(option('consent'), { timeoutMs: 10_000, ...operatorCredentials('signal-service')('signalpath.consent.v1.ConsentService') });
      closers.push(() => consent.close());
      let sequence = 0;
      work = async (payload) => {
        const userId = payload.toString('utf8');
        const eventTime = new Date(Date.now() - 1_000);
        await consent.batchCheckEligibility({
          queries: [common.Purpose.PURPOSE_ADS, common.Purpose.PURPOSE_CONTENT].map((purpose) => ({ userId, surface: common.Surface.SURFACE_MESSENGER, purpose, eventTime, sourceKind: common.SourceKind.SOURCE_KIND_AI_CHAT, endToEndEncrypted: false })),
        });
        // The shape of an interaction record (kind, ids, fingerprint, status, times, signals nested).
        await collection.insertOne({
          _id: `floor-${process.pid}-${sequence++}`,
          kind: 'interaction',
          user_id: userId,
          fingerprint: 'x'.repeat(43),
          status: 1,
          skip_reason: 0,
          analyzed: true,
          record_time: new Date(),
          event_time: eventTime,
          surface: common.Surface.SURFACE_MESSENGER,
          source_kind: common.SourceKind.SOURCE_KIND_AI_CHAT,
          modality: common.Modality.MODALITY_TEXT,
          signals: ['483', '498'].map((topic_id, i) => ({ signal_id: `s${sequence}-${i}`, topic_id, weight: 0.8, ads_eligible: true, content_eligible: true })),
        } as never);
      };
    }
  } else if (mode !== 'echo') {
    throw new Error(`baseline-server: unknown mode ${mode} (echo, findOne, ingest-floor)`);
  }
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.bench.v1.EchoService',
        definition: bench.EchoServiceService,
        implementation: {
          echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => {
            await work(Buffer.from(request.payload));
            return { payload: mode === 'echo' ? request.payload : Buffer.alloc(0) };
          }),
        },
      },
    ],
    maxReceiveMessageBytes: 64 * 1024 * 1024,
  });
  const port = await server.listen('127.0.0.1', 0);
  server.setServing(true);
  process.stdout.write(`LISTENING 127.0.0.1:${port} ${process.pid}\n`);
  const stop = async () => {
    await server.shutdown(2_000);
    for (const close of closers) await close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
