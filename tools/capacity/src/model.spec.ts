import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeModel, DEFAULT_LOAD, generatedPart, parseLoad, renderTables, replaceGenerated, type CapacityMeasurements } from './model';

const root = path.resolve(__dirname, '..', '..', '..');
const measurements = JSON.parse(readFileSync(path.join(root, 'docs', 'benchmarks', 'capacity.json'), 'utf8')) as CapacityMeasurements;
const doc = readFileSync(path.join(root, 'docs', 'capacity.md'), 'utf8');

describe('capacity model', () => {
  it('docs/capacity.md shows what the committed capacity.json gives at the default load (run `npm run capacity` after a benchmark)', () => {
    expect(generatedPart(doc)).toBe(renderTables(measurements, DEFAULT_LOAD));
  });

  it('measured every RPC the model needs, with CPU and database operations in every service process', () => {
    for (const rpc of ['Echo (baseline)', 'IngestInteraction', 'CheckEligibility', 'GetSettings', 'GetProfile', 'Recommend', 'Rank (1,000 candidate ids)', 'UpdateSettings']) {
      const found = measurements.rpcs.find((r) => r.rpc === rpc);
      expect(found).toBeDefined();
      expect(found?.calls).toBeGreaterThanOrEqual(100);
    }
    const ingest = measurements.rpcs.find((r) => r.rpc === 'IngestInteraction');
    // An ingest costs Signal's and Profile's CPU and writes (ApplySignals, delivered by the outbox,
    // is in it); Consent's eligibility answer is mostly SignalService's cache, so may round to 0.
    for (const app of ['signal-service', 'profile-service']) expect(ingest?.cpuMsPerCall[app]).toBeGreaterThan(0);
    expect(ingest?.dbOpsPerCall['signal-service']).toBeGreaterThan(0);
    expect(ingest?.dbOpsPerCall['profile-service']).toBeGreaterThan(0);
  });

  it('scales linearly: twice the users, twice the calls, cores, operations and storage', () => {
    const one = computeModel(measurements, DEFAULT_LOAD);
    const two = computeModel(measurements, { ...DEFAULT_LOAD, dailyUsers: DEFAULT_LOAD.dailyUsers * 2 });
    expect(two.rpcLoads[0].peakCallsPerSec).toBeCloseTo(one.rpcLoads[0].peakCallsPerSec * 2);
    expect(two.dbOpsPerSec).toBeCloseTo(one.dbOpsPerSec * 2);
    expect(two.storageTotalBytes.bson).toBeCloseTo(one.storageTotalBytes.bson * 2);
    two.processes.forEach((p, i) => expect(p.cpuCoresAtPeak).toBeCloseTo(one.processes[i].cpuCoresAtPeak * 2));
    // 100 M users × 10 messages a day at 2× peak: 23,148 ingests/s.
    expect(one.rpcLoads.find((r) => r.rpc === 'IngestInteraction')?.peakCallsPerSec).toBeCloseTo((1e8 * 10 * 2) / 86_400);
  });

  it('computes processes from CPU-ms × calls/s ÷ 1000 ÷ utilization, and shards from the budget', () => {
    const tiny: CapacityMeasurements = {
      ...measurements,
      rpcs: ['IngestInteraction', 'Recommend', 'GetSettings', 'UpdateSettings'].map((rpc) => ({
        rpc, description: '', calls: 100, cpuMsPerCall: { 'signal-service': rpc === 'IngestInteraction' ? 3 : 0 }, cpuMsPerCallTotal: 3, cpuVsEcho: 1,
        dbOpsPerCall: {}, dbOpsPerCallTotal: rpc === 'IngestInteraction' ? 4 : 0, dbCommandsPerCall: {}, wireBytesPerCall: {}, requestBytes: 0, responseBytes: 0,
      })),
    };
    const load = { ...DEFAULT_LOAD, dailyUsers: 86_400, messagesPerUser: 10, peakFactor: 1, targetUtilization: 0.5, shardOpsBudget: 15, shards: 4 };
    const model = computeModel(tiny, load);
    // 10 ingests/s × 3 ms = 0.03 cores → ceil(0.06) = 1, but never fewer than two processes.
    expect(model.processes.find((p) => p.app === 'signal-service')).toEqual({ app: 'signal-service', cpuCoresAtPeak: 0.03, processes: 2 });
    expect(model.dbOpsPerSec).toBeCloseTo(40);
    expect(model.dbOpsPerShardPerSec).toBeCloseTo(10);
    expect(model.shardsForBudget).toBe(3);
  });

  it('replaces only the generated part and refuses a doc without markers', () => {
    const replaced = replaceGenerated(doc, 'NEW TABLES');
    expect(generatedPart(replaced)).toBe('NEW TABLES');
    expect(replaced.split('NEW TABLES')[0]).toBe(doc.split(generatedPart(doc))[0]);
    expect(() => replaceGenerated('# no markers', 'x')).toThrow(/no generated section/);
  });

  it('reads load overrides and names a bad flag', () => {
    expect(parseLoad([])).toEqual({ load: DEFAULT_LOAD, overridden: false });
    expect(parseLoad(['--daily-users', '5', '--feed-rpc', 'Rank (1,000 candidate ids)']).load).toMatchObject({ dailyUsers: 5, feedRpc: 'Rank (1,000 candidate ids)' });
    expect(() => parseLoad(['--users', '5'])).toThrow(/unknown flag --users/);
    expect(() => parseLoad(['--utilization', '2'])).toThrow(/--utilization/);
    expect(() => computeModel(measurements, { ...DEFAULT_LOAD, feedRpc: 'Nope' })).toThrow(/no measurement of Nope/);
  });
});
