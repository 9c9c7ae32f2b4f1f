import { createLogger } from '@signalpath/telemetry';
import { SAFETY_MAX_AGE_MS, SettingsCache } from './settings-cache';
import { FEED_OVERLAP_MS, SettingsChangeFeed } from './settings-change-feed';
import { defaultSettings, type SettingsDoc } from '../store/documents';
import type { SettingsStore } from '../store/settings-store';

function fakeSource(initial: SettingsDoc[] = []) {
  const docs = new Map(initial.map((doc) => [doc._id, doc]));
  const source = {
    reads: 0,
    queries: [] as string[][],
    /** Hold reads until released (to interleave a write or a feed notice). */
    gate: undefined as Promise<void> | undefined,
    async readMany(ids: readonly string[]) {
      source.reads++;
      source.queries.push([...ids]);
      const snapshot = ids.flatMap((id) => (docs.has(id) ? [docs.get(id) as SettingsDoc] : []));
      if (source.gate) await source.gate;
      return snapshot;
    },
    set(doc: SettingsDoc) {
      docs.set(doc._id, doc);
    },
  };
  return source;
}

const at = (userId: string, version: number, region = 'US'): SettingsDoc => ({ ...defaultSettings(userId), version, region });

describe('SettingsCache', () => {
  let clock: number;
  const now = () => clock;
  const make = (source: ReturnType<typeof fakeSource>, maxStalenessMs = 500, maxEntries = 10) => {
    const cache = new SettingsCache(source, { maxStalenessMs, maxEntries, now });
    cache.markSynced(clock);
    return cache;
  };
  beforeEach(() => (clock = 1_000_000));

  it('answers from memory while the change feed is fresh, and from the database once it stalls', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    await cache.get('u');
    clock += 500;
    await cache.get('u');
    expect(source.reads).toBe(1);
    clock += 1; // no sync for longer than the bound: the cache cannot vouch for anything
    await cache.get('u');
    await cache.get('u');
    expect(source.reads).toBe(3);
    cache.markSynced(clock);
    await cache.get('u');
    expect(source.reads).toBe(3);
  });

  it('a consistent read goes to the database even while a cached version is fresh, and caches what it read', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    expect((await cache.get('u')).version).toBe(1);
    source.set(at('u', 2, 'CA')); // written through another replica; the feed has not said so yet
    expect((await cache.get('u')).version).toBe(1);
    expect((await cache.getConsistent('u')).version).toBe(2);
    expect(source.reads).toBe(2);
    // What it read is what this replica answers from now on.
    expect((await cache.get('u')).region).toBe('CA');
    expect(source.reads).toBe(2);
  });

  it('a change announced by the feed evicts the older cached version', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    await cache.get('u');
    source.set(at('u', 2, 'CA')); // written by another replica
    cache.noteChange('u', 2);
    expect(await cache.get('u')).toMatchObject({ version: 2, region: 'CA' });
    cache.noteChange('u', 2); // announced again by the overlapping next poll: no effect
    await cache.get('u');
    expect(source.reads).toBe(2);
  });

  it('does not cache a read older than an announced version (the writer has not applied it yet)', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    cache.noteChange('u', 2);
    expect((await cache.get('u')).version).toBe(1);
    expect((await cache.get('u')).version).toBe(1);
    expect(source.reads).toBe(2);
    source.set(at('u', 2));
    expect((await cache.get('u')).version).toBe(2);
    await cache.get('u');
    expect(source.reads).toBe(3);
  });

  it('serves this process’s own writes at once (read-your-writes)', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    await cache.get('u');
    cache.put(at('u', 2, 'CA'));
    expect(await cache.get('u')).toMatchObject({ version: 2, region: 'CA' });
    expect(source.reads).toBe(1);
  });

  it('never goes back to an older version when a slow read finishes after a write', async () => {
    const source = fakeSource([at('u', 1)]);
    let release: () => void = () => undefined;
    source.gate = new Promise<void>((resolve) => (release = resolve));
    const cache = make(source);
    const slowRead = cache.get('u');
    cache.put(at('u', 2)); // the write lands while the read (of version 1) is in flight
    release();
    expect((await slowRead).version).toBe(2);
    source.gate = undefined;
    expect((await cache.get('u')).version).toBe(2);
  });

  it('re-reads an entry after the safety age even with a healthy feed', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    await cache.get('u');
    clock += SAFETY_MAX_AGE_MS + 1;
    cache.markSynced(clock);
    await cache.get('u');
    expect(source.reads).toBe(2);
  });

  it('gives defaults at version 0 for unknown users and coalesces concurrent misses', async () => {
    const source = fakeSource();
    const cache = make(source);
    const [a, b] = await Promise.all([cache.get('nobody'), cache.get('nobody')]);
    expect(a).toEqual(defaultSettings('nobody'));
    expect(b).toBe(a);
    expect(source.reads).toBe(1);
  });

  it('reads the misses of a batch in one query', async () => {
    const source = fakeSource([at('a', 1), at('b', 3)]);
    const cache = make(source);
    await cache.get('a');
    const many = await cache.getMany(['a', 'b', 'c', 'b']);
    expect([...many.entries()].map(([id, doc]) => [id, doc.version])).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 0],
    ]);
    expect(source.queries).toEqual([['a'], ['b', 'c']]);
  });

  it('with a bound of 0 the cache is off: every read goes to the source', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source, 0);
    expect(cache.enabled).toBe(false);
    await cache.get('u');
    cache.put(at('u', 2));
    await cache.get('u');
    expect(source.reads).toBe(2);
  });

  it('keeps at most maxEntries users', async () => {
    const source = fakeSource();
    const cache = make(source, 500, 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c'); // evicts a
    await cache.get('b');
    expect(source.reads).toBe(3);
    await cache.get('a');
    expect(source.reads).toBe(4);
  });

  it('forgets a user on invalidate', async () => {
    const source = fakeSource([at('u', 1)]);
    const cache = make(source);
    await cache.get('u');
    cache.invalidate('u');
    await cache.get('u');
    expect(source.reads).toBe(2);
  });
});

describe('SettingsChangeFeed', () => {
  const logger = createLogger('feed-spec', 'silent');

  it('announces the history since the last poll (with overlap) and marks the cache synced', async () => {
    let clock = 50_000;
    const since: Date[] = [];
    let fail = false;
    let changes: { user_id: string; version: number }[] = [];
    const store = {
      async changesSince(date: Date) {
        since.push(date);
        if (fail) throw new Error('down');
        return changes;
      },
    } as unknown as SettingsStore;
    const source = fakeSource([at('u', 1)]);
    const cache = new SettingsCache(source, { maxStalenessMs: 500, maxEntries: 10, now: () => clock });
    const feed = new SettingsChangeFeed(store, cache, 500, logger, () => clock);
    expect(feed.intervalMs).toBe(250);

    await feed.poll();
    expect(since[0].getTime()).toBe(0); // never started: reads from the beginning
    cache.put(at('u', 1));
    expect((await cache.get('u')).version).toBe(1); // from memory: synced at 50_000
    expect(source.reads).toBe(0);

    clock += 200;
    changes = [{ user_id: 'u', version: 2 }];
    source.set(at('u', 2));
    await feed.poll();
    expect(since[1].getTime()).toBe(50_000 - FEED_OVERLAP_MS);
    expect((await cache.get('u')).version).toBe(2);

    fail = true;
    clock += 600;
    await feed.poll(); // failed: the cache is no longer trusted
    await cache.get('u');
    await cache.get('u');
    expect(source.reads).toBe(3);
  });
});
