import { status, type ServiceError } from '@grpc/grpc-js';
import { consent, ranking } from '@signalpath/proto';
import { bindService, serviceNameOf, type AsyncServer } from './bind';
import { createClient } from './clients';
import { InvalidArgumentError } from './errors';
import { GrpcServer } from './server';

type ConsentAsync = AsyncServer<consent.ConsentServiceServer>;
const unused = async (): Promise<never> => {
  throw new Error('not called');
};
/** Every ConsentService RPC, each throwing if called; tests replace the ones they call. */
function consentHandlers(overrides: Partial<ConsentAsync>): ConsentAsync {
  const all = Object.fromEntries(Object.keys(consent.ConsentServiceService).map((key) => [key, unused])) as unknown as ConsentAsync;
  return { ...all, ...overrides };
}

describe('bindService', () => {
  it('names the service from the generated definition', () => {
    expect(serviceNameOf(consent.ConsentServiceService)).toBe('signalpath.consent.v1.ConsentService');
    expect(serviceNameOf(ranking.RankingServiceService)).toBe('signalpath.ranking.v1.RankingService');
  });

  it('refuses a missing handler and a handler for an RPC the service does not have, naming them', () => {
    const { getSettings: _left, ...withoutGetSettings } = consentHandlers({});
    expect(() => bindService<consent.ConsentServiceServer>(consent.ConsentServiceService, withoutGetSettings as ConsentAsync, { error: () => undefined })).toThrow(
      'signalpath.consent.v1.ConsentService: no handler for GetSettings',
    );
    const extra = { ...consentHandlers({}), rank: unused } as ConsentAsync;
    expect(() => bindService<consent.ConsentServiceServer>(consent.ConsentServiceService, extra, { error: () => undefined })).toThrow('handlers for RPCs it does not have: rank');
  });

  it('answers through the error map and logs unexpected errors with the method (real server)', async () => {
    const logged: Record<string, unknown>[] = [];
    const registration = bindService<consent.ConsentServiceServer>(
      consent.ConsentServiceService,
      consentHandlers({
        getSettings: async (request) => {
          if (request.userId === 'bad') throw new InvalidArgumentError('user_id', 'is bad');
          if (request.userId === 'boom') throw new TypeError('unexpected');
          return consent.GetSettingsResponse.fromPartial({ settings: consent.Settings.fromPartial({ userId: request.userId }) });
        },
      }),
      { error: (fields) => logged.push(fields) },
    );
    const server = new GrpcServer({ services: [registration], admission: false, rpcMetrics: false });
    const port = await server.listen('127.0.0.1', 0);
    const client = createClient(consent.ConsentServiceService, `127.0.0.1:${port}`, { serviceName: registration.name, timeoutMs: 5_000 });
    try {
      expect((await client.getSettings({ userId: 'u1' })).settings?.userId).toBe('u1');
      await expect(client.getSettings({ userId: 'bad' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: 'user_id: is bad' } satisfies Partial<ServiceError>);
      await expect(client.getSettings({ userId: 'boom' })).rejects.toMatchObject({ code: status.INTERNAL });
      expect(logged).toEqual([expect.objectContaining({ method: '/signalpath.consent.v1.ConsentService/GetSettings', error_name: 'TypeError' })]);
    } finally {
      client.close();
      await server.shutdown(1_000);
    }
  });
});
