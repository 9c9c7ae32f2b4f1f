import { status, type ServiceError } from '@grpc/grpc-js';
import { SERVICES } from '@signalpath/config';
import { common, consent } from '@signalpath/proto';
import { createUserDataClient, type UserDataClient } from '@signalpath/service-clients';

import { eventually, startInProcessStack, type InProcessStack } from './stack';

const FENCE_MS = 1_000;

async function failure(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as ServiceError).code, details: (error as ServiceError).details };
  }
  throw new Error('expected the call to fail');
}

/**
 * The user-data contract (protos/signalpath/userdata/v1), one spec run against every service
 * the stack description marks `userData` (issue 15 §3): what ConsentService's erasure jobs and
 * export rely on, whichever service answers.
 */
describe('UserDataService contract, for every implementer', () => {
  let stack: InProcessStack;
  const clients: Record<string, UserDataClient> = {};
  const implementers = Object.values(SERVICES).filter((spec) => spec.userData);

  beforeAll(async () => {
    stack = await startInProcessStack({ signals: 1, profiles: 1, env: { SIGNAL_ERASURE_FENCE: `${FENCE_MS}ms`, PROFILE_ERASURE_FENCE: `${FENCE_MS}ms` } });
    const addresses: Record<string, string> = { signal: stack.signals[0].address, profile: stack.profiles[0].address };
    for (const spec of implementers) {
      // A service marked userData in stack.json must be started here too, or the contract is unchecked for it.
      if (!addresses[spec.key]) throw new Error(`no in-process ${spec.key} service for the user-data contract`);
      clients[spec.key] = createUserDataClient({ key: spec.key, address: addresses[spec.key], audience: spec.grpcService }, { timeoutMs: 20_000 });
    }
  });
  afterAll(async () => {
    for (const client of Object.values(clients)) client.close();
    await stack?.stop();
  });

  it('is implemented by the services that hold user data', () => {
    expect(implementers.map((spec) => spec.key).sort()).toEqual(['profile', 'signal']);
  });

  /** One user with data in every service: a page like, delivered to ProfileService. */
  async function seededUser(name: string): Promise<string> {
    const userId = `${name}-${Date.now()}`;
    await stack.consent.updateSettings({ userId, settings: consent.Settings.fromPartial({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }), updateMask: ['region', 'age_band'], expectedVersion: '0' });
    await stack.signals[0].recordActivity({ activityId: `${userId}-like`, userId, surface: common.Surface.SURFACE_FACEBOOK, sourceKind: common.SourceKind.SOURCE_KIND_PAGE_LIKE, topicIds: ['483'], eventTime: new Date(Date.now() - 60_000) });
    await eventually(async () => Number((await stack.signals[0].getOutboxStatus({})).pendingCount) === 0, 30_000);
    return userId;
  }

  describe.each(['signal', 'profile'])('%s', (key) => {
    const client = () => clients[key];

    it('Export answers a typed proto3-JSON document, empty for a stranger', async () => {
      const response = await client().export({ userId: `stranger-${key}` });
      expect(response.documentType).toBe(`signalpath.${key}.v1.UserDataExport`);
      expect(JSON.parse(response.documentJson)).toEqual(expect.any(Object));
      const userId = await seededUser(`export-${key}`);
      const document = JSON.parse((await client().export({ userId })).documentJson);
      // The user's data is there (proto3 JSON leaves out empty fields, so a stranger's is smaller).
      expect(JSON.stringify(document).length).toBeGreaterThan(JSON.stringify(JSON.parse(response.documentJson)).length);
    });

    it('validates its input, naming the field', async () => {
      const scope = common.ErasureScope.ERASURE_SCOPE_ALL;
      expect(await failure(client().delete({ userId: '', scope, erasureJobId: '', cutoffTime: undefined }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^user_id:/) });
      expect(await failure(client().delete({ userId: 'u', scope: common.ErasureScope.ERASURE_SCOPE_UNSPECIFIED, erasureJobId: '', cutoffTime: undefined }))).toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/^scope:/),
      });
      expect(await failure(client().delete({ userId: 'u', scope, erasureJobId: 'job\u0007', cutoffTime: undefined }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^erasure_job_id:/) });
      expect(await failure(client().export({ userId: '' }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^user_id:/) });
    });

    it('Delete erases, is idempotent, and the export records the erasure with its job and cut-off', async () => {
      const userId = await seededUser(`delete-${key}`);
      const cutoffTime = new Date();
      const request = { userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: `job-${userId}`, cutoffTime };
      expect(Number((await client().delete(request)).deletedCount)).toBeGreaterThan(0);
      expect((await client().delete(request)).deletedCount).toBe('0');
      const document = JSON.parse((await client().export({ userId })).documentJson);
      expect(document.erasures).toEqual([{ erasureJobId: `job-${userId}`, scope: 'ERASURE_SCOPE_ALL', cutoffTime: cutoffTime.toISOString(), createTime: expect.any(String) }]);
    });

    it('answers UNAVAILABLE when the fence outlasts the deadline, and a retry confirms', async () => {
      const userId = await seededUser(`fence-${key}`);
      const request = { userId, scope: common.ErasureScope.ERASURE_SCOPE_ALL, erasureJobId: `job-${userId}`, cutoffTime: new Date() };
      expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain((await failure(client().delete(request, { timeoutMs: FENCE_MS / 4 }))).code);
      // The data went in the first pass; the retry finds the marker and waits what is left of the fence.
      const started = Date.now();
      expect((await client().delete(request)).deletedCount).toBe('0');
      expect(Date.now() - started).toBeLessThan(FENCE_MS * 3);
    });
  });
});
