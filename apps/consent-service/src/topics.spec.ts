import { status } from '@grpc/grpc-js';
import { common, type consent } from '@signalpath/proto';
import { generateKeyRing, tokenMetadataProvider } from '@signalpath/service-auth';
import { createConsentClient } from '@signalpath/service-clients';
import { encodePageToken } from '@signalpath/grpc-kit';
import { getTaxonomy } from '@signalpath/taxonomy';
import { startTestService } from '@signalpath/testing';
import { consentService } from './server';
import { startConsent, statusOf, type ConsentUnderTest } from './testing/harness';

// ListTopics / SearchTopics (issue 16 §3): the real service on the real database, over gRPC.
describe('ConsentService topic discovery (real database)', () => {
  let consentUnderTest: ConsentUnderTest;
  let client: ConsentUnderTest['client'];
  const taxonomy = getTaxonomy();

  beforeAll(async () => {
    consentUnderTest = await startConsent();
    client = consentUnderTest.client;
  });
  afterAll(() => consentUnderTest.stop());

  /** Every page of one list, following next_page_token; the page count included. */
  async function listAll(parentId: string, pageSize: number): Promise<{ topics: consent.TopicEntry[]; pages: number }> {
    const topics: consent.TopicEntry[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await client.listTopics({ parentId, pageSize, pageToken });
      pages++;
      expect(page.topics.length).toBeLessThanOrEqual(pageSize || 50);
      topics.push(...page.topics);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return { topics, pages };
  }

  it('pages through the Tier-1 topics with the default page size and a small one: no duplicates, no gaps', async () => {
    const roots = taxonomy.tier1Nodes().map((n) => n.id);
    const byDefault = await listAll('', 0);
    expect(byDefault.topics.map((t) => t.id)).toEqual(roots);
    expect(byDefault.pages).toBe(Math.ceil(roots.length / 50));
    const small = await listAll('', 4);
    expect(small.topics.map((t) => t.id)).toEqual(roots);
    expect(small.pages).toBe(Math.ceil(roots.length / 4));
    expect(small.topics.every((t) => t.parentId === '' && t.tierPath.length === 1)).toBe(true);
  });

  it('reaches every topic of the taxonomy exactly once through children lists', async () => {
    const seen: string[] = [];
    const queue = [''];
    while (queue.length > 0) {
      const parentId = queue.shift() as string;
      for (const topic of (await listAll(parentId, 500)).topics) {
        seen.push(topic.id);
        expect(topic.parentId).toBe(parentId);
        if (topic.hasChildren) queue.push(topic.id);
      }
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(taxonomy.all().map((n) => n.id)));
  });

  it('answers names, tier path and parent for a topic, and the sensitive class for a sensitive one', async () => {
    const { topics: extreme } = await listAll('498', 0);
    expect(extreme.find((t) => t.id === '500')).toEqual({
      id: '500',
      name: 'Climbing',
      tierPath: ['Sports', 'Extreme Sports', 'Climbing'],
      parentId: '498',
      hasChildren: false,
      sensitive: false,
      sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_UNSPECIFIED,
      neverUsedForAds: false,
      adsBlockable: true,
      feedControllable: true,
    });
    const { topics: religions } = await listAll('453', 0);
    const judaism = religions.find((t) => t.id === '462');
    expect(judaism).toMatchObject({ name: 'Judaism', sensitive: true, sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_RELIGION, neverUsedForAds: true });
    expect(religions.every((t) => t.sensitiveClass === common.SensitiveClass.SENSITIVE_CLASS_RELIGION)).toBe(true);
  });

  it('refuses bad page sizes, page tokens and parents with INVALID_ARGUMENT naming the field', async () => {
    const first = await client.listTopics({ parentId: '', pageSize: 2, pageToken: '' });
    expect(first.nextPageToken).not.toBe('');
    const cases: Array<[consent.ListTopicsRequest, string]> = [
      [{ parentId: '', pageSize: -1, pageToken: '' }, 'page_size'],
      [{ parentId: '', pageSize: 0, pageToken: 'not a token' }, 'page_token'],
      [{ parentId: '', pageSize: 0, pageToken: encodePageToken({ x: 1 }) }, 'page_token'],
      // A cursor naming a topic that is not in this list, and a token of another parent's list.
      [{ parentId: '', pageSize: 0, pageToken: encodePageToken({ p: '', a: '500' }) }, 'page_token'],
      [{ parentId: '', pageSize: 0, pageToken: encodePageToken({ p: '', a: 7 }) }, 'page_token'],
      [{ parentId: '453', pageSize: 0, pageToken: first.nextPageToken }, 'page_token'],
      [{ parentId: 'no-such-topic', pageSize: 0, pageToken: '' }, 'parent_id'],
    ];
    for (const [request, field] of cases) {
      expect(await statusOf(client.listTopics(request))).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(new RegExp(`^${field}\\b`)) });
    }
    // Above the maximum is treated as the maximum.
    expect((await client.listTopics({ parentId: '', pageSize: 100_000, pageToken: '' })).topics).toHaveLength(taxonomy.tier1Nodes().length);
  });

  it('searches names ignoring case and accents, prefix matches first, within the limit', async () => {
    const { topics } = await client.searchTopics({ query: 'CLÍMB', limit: 0 });
    expect(topics[0]).toMatchObject({ id: '500', name: 'Climbing' });
    const health = await client.searchTopics({ query: 'health', limit: 6 });
    expect(health.topics).toHaveLength(6);
    expect(health.topics[0]).toMatchObject({ id: '223', name: 'Healthy Living', sensitive: false });
    // IAB 3.1 has four names starting with "Health"; then names with a word starting with it.
    expect(health.topics.map((t) => t.name.toLowerCase().startsWith('health'))).toEqual([true, true, true, true, false, false]);
    expect(health.topics.slice(4).every((t) => / health/i.test(t.name))).toBe(true);
    const mental = await client.searchTopics({ query: 'mental health', limit: 10 });
    expect(mental.topics[0]).toMatchObject({ id: '301', sensitive: true, sensitiveClass: common.SensitiveClass.SENSITIVE_CLASS_HEALTH, neverUsedForAds: true });
    expect((await client.searchTopics({ query: 'a', limit: 1_000 })).topics).toHaveLength(100);
    expect((await client.searchTopics({ query: 'zzzz-nothing', limit: 0 })).topics).toEqual([]);
  });

  it('refuses a blank or overlong query and a negative limit, naming the field and never echoing the query', async () => {
    expect(await statusOf(client.searchTopics({ query: '  ', limit: 0 }))).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^query\b/) });
    const long = await statusOf(client.searchTopics({ query: 'secret '.repeat(20), limit: 0 }));
    expect(long).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^query\b/) });
    expect(long.details).not.toContain('secret');
    expect(await statusOf(client.searchTopics({ query: 'golf', limit: -1 }))).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^limit\b/) });
  });

  it('with service auth on: settings-ui and the operator may call it without a user assertion; other services may not', async () => {
    const keyRing = generateKeyRing();
    const audience = 'signalpath.consent.v1.ConsentService';
    const service = await startTestService(consentService, { env: { SIGNAL_ADDR: '127.0.0.1:9', PROFILE_ADDR: '127.0.0.1:9' }, auth: keyRing });
    const as = (identity: string) => createConsentClient(service.address, { timeoutMs: 10_000, metadataProvider: tokenMetadataProvider(keyRing, identity, audience) });
    const clients = { settingsUi: as('settings-ui'), operator: as('operator'), signal: as('signal-service') };
    try {
      for (const caller of [clients.settingsUi, clients.operator]) {
        expect((await caller.listTopics({ parentId: '', pageSize: 1, pageToken: '' })).topics).toHaveLength(1);
        expect((await caller.searchTopics({ query: 'golf', limit: 1 })).topics).toHaveLength(1);
      }
      expect(await statusOf(clients.signal.listTopics({ parentId: '', pageSize: 1, pageToken: '' }))).toMatchObject({ code: status.PERMISSION_DENIED });
      expect(await statusOf(clients.signal.searchTopics({ query: 'golf', limit: 1 }))).toMatchObject({ code: status.PERMISSION_DENIED });
    } finally {
      for (const c of Object.values(clients)) c.close();
      await service.stop();
    }
  });
});
