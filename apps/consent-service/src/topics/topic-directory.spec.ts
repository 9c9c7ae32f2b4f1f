import { getTaxonomy } from '@signalpath/taxonomy';
import { searchKey, settingsTopicProblem, TopicDirectory, type TopicEntryView } from './topic-directory';

// Pure logic of ListTopics / SearchTopics over the real taxonomy and sensitivity policy.
describe('TopicDirectory', () => {
  const taxonomy = getTaxonomy();
  const directory = new TopicDirectory();

  /** Every page of one list, following nextAfterId. */
  function pages(parentId: string | undefined, size: number): TopicEntryView[][] {
    const result: TopicEntryView[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = directory.list(parentId, after, size);
      if (!page) throw new Error('list refused');
      result.push(page.topics);
      if (page.nextAfterId === undefined) return result;
      after = page.nextAfterId;
    }
  }

  it('lists the Tier-1 topics for no parent, in taxonomy order, across pages without gaps or repeats', () => {
    const roots = taxonomy.tier1Nodes().map((n) => n.id);
    expect(roots.length).toBeGreaterThan(20);
    const paged = pages(undefined, 7);
    expect(paged.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    expect(paged.flat().map((t) => t.id)).toEqual(roots);
    // A page size that divides the list exactly ends without an empty extra page.
    const exact = pages(undefined, roots.length);
    expect(exact).toHaveLength(1);
    expect(exact[0]).toHaveLength(roots.length);
  });

  it('walks the whole taxonomy through children lists: every topic exactly once', () => {
    const seen: string[] = [];
    const queue: Array<string | undefined> = [undefined];
    while (queue.length > 0) {
      const parent = queue.shift();
      for (const topic of pages(parent, 3).flat()) {
        seen.push(topic.id);
        expect(topic.parentId).toBe(parent);
        expect(topic.hasChildren).toBe(taxonomy.children(topic.id).length > 0);
        if (topic.hasChildren) queue.push(topic.id);
      }
    }
    expect(seen).toHaveLength(taxonomy.all().length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses an unknown parent and a cursor that is not in the listed parent', () => {
    expect(directory.list('no-such-topic', undefined, 10)).toBeUndefined();
    expect(directory.list('498', '1', 10)).toBeUndefined(); // "1" is a Tier-1 topic, not under Extreme Sports
    expect(directory.list(undefined, '500', 10)).toBeUndefined(); // Climbing is not Tier 1
    expect(directory.list('500', undefined, 10)).toEqual({ topics: [] }); // a leaf has no children
  });

  it('gives names from Tier 1 down, and sensitivity from the sensitive-topics policy', () => {
    expect(directory.get('500')).toMatchObject({ name: 'Climbing', tierPath: ['Sports', 'Extreme Sports', 'Climbing'], parentId: '498', neverUsedForAds: false });
    expect(directory.get('500')?.sensitiveClass).toBeUndefined();
    // Judaism is not SCD-flagged in IAB 3.1; the policy classifies it through Religion & Spirituality.
    expect(directory.get('462')).toMatchObject({ name: 'Judaism', sensitiveClass: 'RELIGION', neverUsedForAds: true });
    expect(directory.get('301')).toMatchObject({ name: 'Mental Health', sensitiveClass: 'HEALTH', neverUsedForAds: true });
    expect(directory.get('386')).toMatchObject({ sensitiveClass: 'POLITICS', tierPath: ['Politics'] });
    expect(directory.get('386')?.parentId).toBeUndefined();
    // A brand-safety node: no class, yet never used for ads.
    const profanity = directory.get('j9PaO9');
    expect(profanity?.sensitiveClass).toBeUndefined();
    expect(profanity?.neverUsedForAds).toBe(true);
  });

  it('reports ads_blockable / feed_controllable exactly as settings validation decides', () => {
    for (const node of taxonomy.all()) {
      const entry = directory.get(node.id) as TopicEntryView;
      expect(entry.adsBlockable).toBe(settingsTopicProblem(node.id, 'ADS') === undefined);
      expect(entry.feedControllable).toBe(settingsTopicProblem(node.id, 'FEED') === undefined);
    }
    expect(settingsTopicProblem('not-a-topic', 'ADS')).toBeDefined();
    expect(settingsTopicProblem('not-a-topic', 'FEED')).toBeDefined();
  });

  describe('search', () => {
    it('ignores case, accents and repeated spaces', () => {
      expect(searchKey('  Café   CLIMBING ')).toBe('cafe climbing');
      expect(directory.search('CLÍMBÏNG', 5).map((t) => t.id)).toEqual(['500']);
      expect(directory.search('healthy   living', 5)[0].id).toBe('223');
    });

    it('ranks names starting with the query first, then a word starting with it, then the rest', () => {
      const found = directory.search('health', 100);
      const names = found.map((t) => searchKey(t.name));
      const rank = (name: string) => (name.startsWith('health') ? 0 : /(^|[^a-z0-9])health/.test(name) ? 1 : 2);
      expect(names.length).toBeGreaterThan(10);
      expect(names.every((name) => name.includes('health'))).toBe(true);
      const ranks = names.map(rank);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(ranks[0]).toBe(0);
      expect(ranks).toContain(1);
      // Within the prefix matches, the Tier-1 topic first.
      expect(found[0]).toMatchObject({ id: '223', name: 'Healthy Living' });
      // Every taxonomy name containing the query is found.
      expect(found).toHaveLength(taxonomy.all().filter((n) => searchKey(n.name).includes('health')).length);
    });

    it('puts a match inside a word after word starts', () => {
      // "ball" is inside "Baseball", "Basketball", "Football": those come after any word starting with it.
      const found = directory.search('ball', 200).map((t) => searchKey(t.name));
      const inside = found.findIndex((name) => !/(^|[^a-z0-9])ball/.test(name));
      expect(inside).toBeGreaterThanOrEqual(0);
      expect(found.slice(inside).every((name) => !/(^|[^a-z0-9])ball/.test(name))).toBe(true);
    });

    it('honours the limit and finds nothing for a blank query', () => {
      expect(directory.search('a', 3)).toHaveLength(3);
      expect(directory.search('   ', 10)).toEqual([]);
      expect(directory.search('zzzz-no-such-topic', 10)).toEqual([]);
    });
  });
});
