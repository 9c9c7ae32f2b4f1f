import { status } from '@grpc/grpc-js';
import { createMongo, ensureIndexes, requireMongoUri, uniqueDbName } from '@signalpath/mongo';

import { eraseFenced } from './fence';
import { ErasureGuard } from './guard';
import { ERASURE_MARKER_INDEXES, ERASURE_MARKERS, ErasureMarkers, erasureUserKey, markerCovers, type ErasureSubject } from './markers';

const CUTOFF = new Date('2026-03-01T12:00:00Z');
const before = new Date(CUTOFF.getTime() - 1);
const after = new Date(CUTOFF.getTime() + 1);

describe('markerCovers', () => {
  const subject = (over: Partial<ErasureSubject>): ErasureSubject => ({ userId: 'u', aiChat: true, eventTime: after, recordTime: after, ...over });

  it('covers what happened or was recorded before the cut-off, in scope', () => {
    for (const scope of ['ai_chat', 'all'] as const) {
      expect(markerCovers({ scope, cutoff: CUTOFF }, subject({ eventTime: before }))).toBe(true);
      expect(markerCovers({ scope, cutoff: CUTOFF }, subject({ recordTime: before }))).toBe(true);
      expect(markerCovers({ scope, cutoff: CUTOFF }, subject({}))).toBe(false);
      expect(markerCovers({ scope, cutoff: CUTOFF }, subject({ eventTime: CUTOFF }))).toBe(true);
    }
    // An AI-chat erasure leaves page likes, follows and group joins alone; an ALL erasure does not.
    expect(markerCovers({ scope: 'ai_chat', cutoff: CUTOFF }, subject({ aiChat: false, eventTime: before }))).toBe(false);
    expect(markerCovers({ scope: 'all', cutoff: CUTOFF }, subject({ aiChat: false, eventTime: before }))).toBe(true);
  });

  it('fails closed on an unknown or invalid record time', () => {
    expect(markerCovers({ scope: 'all', cutoff: CUTOFF }, subject({ recordTime: undefined }))).toBe(true);
    expect(markerCovers({ scope: 'all', cutoff: CUTOFF }, subject({ recordTime: new Date(NaN) }))).toBe(true);
    expect(markerCovers({ scope: 'all', cutoff: CUTOFF }, subject({ eventTime: new Date(NaN) }))).toBe(true);
  });
});

describe('erasure markers, guard and fence (real database)', () => {
  const handle = createMongo({ uri: requireMongoUri(), dbName: uniqueDbName('erasure_lib'), appName: 'erasure-spec' });
  const markers = new ErasureMarkers(handle.db);
  const data = handle.db.collection<{ _id: string; userId: string; eventTime: Date }>('data');
  const subjectOf = (doc: { userId: string; eventTime: Date }): ErasureSubject => ({ userId: doc.userId, aiChat: true, eventTime: doc.eventTime, recordTime: doc.eventTime });

  beforeAll(() => ensureIndexes(handle.db, ERASURE_MARKER_INDEXES));
  afterAll(async () => {
    await handle.db.dropDatabase();
    await handle.close();
  });

  it('records one marker per job and scope, keyed by a hash of the user id, never the id itself', async () => {
    const first = await markers.record({ userId: 'marker-user', scope: 'all', jobId: 'job-1', cutoff: CUTOFF });
    const again = await markers.record({ userId: 'marker-user', scope: 'all', jobId: 'job-1', cutoff: new Date() });
    expect(again).toEqual(first);
    await markers.record({ userId: 'marker-user', scope: 'ai_chat', jobId: 'job-1', cutoff: CUTOFF });
    expect((await markers.listForUser('marker-user')).map((m) => m.scope).sort()).toEqual(['ai_chat', 'all']);
    expect((await markers.forUsers(['marker-user', 'nobody'])).get('marker-user')).toHaveLength(2);
    const raw = JSON.stringify(await handle.db.collection(ERASURE_MARKERS).find({}).toArray());
    expect(raw).not.toContain('marker-user');
    expect(raw).toContain(erasureUserKey('marker-user'));
  });

  it('drops what a marker covers, writes the rest, and a late write re-checks and undoes', async () => {
    await markers.record({ userId: 'guarded', scope: 'all', jobId: 'job-g', cutoff: CUTOFF });
    let clock = 0;
    const guard = new ErasureGuard(markers, { writeBoundMs: 100, clock: () => clock });
    const docs = [
      { _id: 'old', userId: 'guarded', eventTime: before },
      { _id: 'new', userId: 'guarded', eventTime: after },
      { _id: 'other', userId: 'late-erased', eventTime: before },
    ];
    const undone: string[] = [];
    const outcome = await guard.write(
      docs,
      subjectOf,
      async (kept) => {
        await data.insertMany(kept);
        // The write takes longer than the bound, and an erasure of another user lands meanwhile.
        await markers.record({ userId: 'late-erased', scope: 'ai_chat', jobId: 'job-late', cutoff: CUTOFF });
        clock += 101;
        return kept.length;
      },
      async (covered) => {
        undone.push(...covered.map((c) => `${c.item._id}:${c.scope}`));
        await data.deleteMany({ _id: { $in: covered.map((c) => c.item._id) } });
      },
    );
    expect(outcome.dropped.map((d) => d._id)).toEqual(['old']);
    expect(outcome.kept.map((d) => d._id)).toEqual(['new']);
    expect(outcome.undone.map((d) => d._id)).toEqual(['other']);
    expect(outcome.result).toBe(2);
    expect(undone).toEqual(['other:ai_chat']);
    expect((await data.find({}).toArray()).map((d) => d._id)).toEqual(['new']);
  });

  it('does not re-check a write that finished within the bound', async () => {
    let checks = 0;
    const counting = new ErasureMarkers(handle.db);
    const forUsers = counting.forUsers.bind(counting);
    counting.forUsers = (ids) => {
      checks++;
      return forUsers(ids);
    };
    const guard = new ErasureGuard(counting, { writeBoundMs: 60_000 });
    await guard.write([{ _id: 'quick', userId: 'quick-user', eventTime: after }], subjectOf, async () => undefined, async () => undefined);
    expect(checks).toBe(1);
  });

  it('erases, waits out the fence, and erases again before confirming', async () => {
    const passes: number[] = [];
    const started = Date.now();
    const deleted = await eraseFenced({
      markers,
      userId: 'fenced',
      scope: 'all',
      jobId: 'job-f',
      now: () => new Date(),
      fenceMs: 300,
      erase: async () => {
        passes.push(Date.now() - started);
        return 2;
      },
    });
    expect(deleted).toBe(4);
    expect(passes).toHaveLength(2);
    expect(passes[1] - passes[0]).toBeGreaterThanOrEqual(290);
    const [marker] = await markers.listForUser('fenced');
    // Without a cut-off from the caller, the time of the first call is the cut-off.
    expect(marker.cutoff.getTime()).toBeGreaterThanOrEqual(started - 5);
  });

  it('answers UNAVAILABLE when the fence outlasts the deadline, and the retry completes', async () => {
    const input = { markers, userId: 'deadline', scope: 'ai_chat' as const, jobId: 'job-d', cutoff: CUTOFF, now: () => new Date(), fenceMs: 400, erase: async () => 1 };
    await expect(eraseFenced({ ...input, deadlineMs: Date.now() + 100 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await new Promise((resolve) => setTimeout(resolve, 450));
    // The retry finds the marker; the fence is behind it (timed from the marker's create time).
    const started = Date.now();
    await expect(eraseFenced({ ...input, deadlineMs: Date.now() + 2_000 })).resolves.toBe(2);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
