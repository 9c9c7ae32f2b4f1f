import { credentials, makeGenericClientConstructor, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { bench, descriptorSet, healthDescriptorSet } from '@signalpath/proto';
import { channelTarget, createClient, effectiveDeadline, namesReplicas, retryServiceConfig } from './clients';
import { AlreadyExistsError, InvalidArgumentError, toStatus, VersionConflictError } from './errors';
import { GrpcServer, splitFileDescriptorSet } from './server';
import { unary } from './unary';
import { clampedCount, decodePageToken, encodePageToken, pageSize, requireEnum, requireId, requireTime } from './validate';
import { common } from '@signalpath/proto';
import { MongoNetworkError, MongoServerClosedError, MongoServerError } from 'mongodb';

const ECHO = 'signalpath.bench.v1.EchoService';

function startEcho(handler: (payload: Buffer) => Promise<Buffer>, errors: unknown[] = []) {
  const server = new GrpcServer({
    services: [
      {
        name: ECHO,
        definition: bench.EchoServiceService,
        implementation: {
          echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => ({ payload: await handler(request.payload) }), {
            error: (fields) => errors.push(fields),
          }),
        },
      },
    ],
    descriptorSets: [descriptorSet, healthDescriptorSet],
    maxReceiveMessageBytes: 1024,
  });
  return server;
}

describe('error map', () => {
  it('maps project errors, duplicate keys and store outages to their statuses', () => {
    expect(toStatus(new InvalidArgumentError('user_id', 'must not be empty'))).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'user_id: must not be empty' });
    expect(toStatus(new VersionConflictError('stale')).code).toBe(status.ABORTED);
    expect(toStatus(new AlreadyExistsError('x')).code).toBe(status.ALREADY_EXISTS);
    expect(toStatus(Object.assign(new Error('E11000 dup'), { code: 11000 })).code).toBe(status.ALREADY_EXISTS);
    const down = new Error('no server');
    down.name = 'MongoServerSelectionError';
    expect(toStatus(down).code).toBe(status.UNAVAILABLE);
    // insertMany / bulkWrite wrap the outage in MongoBulkWriteError.
    const wrapped = Object.assign(new Error('bulk write failed'), { name: 'MongoBulkWriteError', errorResponse: down });
    expect(toStatus(wrapped).code).toBe(status.UNAVAILABLE);
    const realBulkFailure = Object.assign(new Error('bulk write failed'), { name: 'MongoBulkWriteError', errorResponse: new Error('validation') });
    expect(toStatus(realBulkFailure).code).toBe(status.INTERNAL);
  });

  it('maps every "store unreachable" driver error to UNAVAILABLE, subclasses and failover codes included', () => {
    // The driver's PoolClearedError (not exported), what calls get just after the database went away.
    class PoolClearedError extends MongoNetworkError {
      override get name() {
        return 'MongoPoolClearedError';
      }
    }
    const cleared = new PoolClearedError('Connection pool for 127.0.0.1:27017 was cleared because another operation failed');
    expect(toStatus(cleared).code).toBe(status.UNAVAILABLE);
    expect(toStatus(new MongoServerClosedError()).code).toBe(status.UNAVAILABLE);
    const shuttingDown = new MongoServerError({ message: 'interrupted at shutdown', code: 11600 });
    expect(toStatus(shuttingDown).code).toBe(status.UNAVAILABLE);
    const refused = new MongoServerError({ message: 'bad value', code: 2 });
    expect(toStatus(refused).code).toBe(status.INTERNAL);
  });

  it('hides unexpected errors behind a generic INTERNAL', () => {
    const mapped = toStatus(new TypeError('secret detail about a message'));
    expect(mapped).toMatchObject({ code: status.INTERNAL, details: 'internal error', unexpected: true });
  });

  it('passes downstream UNAVAILABLE and DEADLINE_EXCEEDED through', () => {
    const downstream = Object.assign(new Error('x'), { code: status.DEADLINE_EXCEEDED, metadata: new Metadata() });
    expect(toStatus(downstream).code).toBe(status.DEADLINE_EXCEEDED);
  });
});

describe('validation helpers', () => {
  it('name the field in INVALID_ARGUMENT', () => {
    expect(() => requireId('', 'interaction.user_id')).toThrow('interaction.user_id: must not be empty');
    expect(() => requireId('a\u0000b', 'user_id')).toThrow('user_id: must not contain U+0000');
    expect(() => requireEnum(0, common.Surface, 'surface')).toThrow('surface: must be specified');
    expect(() => requireEnum(99, common.Surface, 'surface')).toThrow('surface: unknown value 99');
    expect(() => requireEnum(-1, common.Surface, 'surface')).toThrow('unknown value');
    expect(requireEnum(common.Surface.SURFACE_MESSENGER, common.Surface, 'surface')).toBe(common.Surface.SURFACE_MESSENGER);
    expect(() => requireTime(undefined, 'event_time')).toThrow('event_time: must be set');
    expect(() => pageSize(-1, 'page_size', { defaultSize: 10, max: 100 })).toThrow('page_size');
    expect(pageSize(0, 'page_size', { defaultSize: 10, max: 100 })).toBe(10);
  });

  it('clampedCount: negative or fractional refused naming the field, 0 the default, above the maximum clamped', () => {
    expect(() => clampedCount(-1, 'limit', { defaultSize: 10, max: 100 })).toThrow('limit: must not be negative');
    expect(() => clampedCount(1.5, 'page_size', { defaultSize: 10, max: 100 })).toThrow('page_size: must not be negative');
    expect(clampedCount(0, 'limit', { defaultSize: 10, max: 100 })).toBe(10);
    expect(clampedCount(undefined, 'limit', { defaultSize: 10, max: 100 })).toBe(10);
    expect(clampedCount(7, 'limit', { defaultSize: 10, max: 100 })).toBe(7);
    expect(clampedCount(1000, 'limit', { defaultSize: 10, max: 100 })).toBe(100);
  });

  it('round-trips page tokens and rejects tampered ones', () => {
    const token = encodePageToken({ after: 'abc', n: 3 });
    expect(decodePageToken(token, 'page_token', ['after', 'n'])).toEqual({ after: 'abc', n: 3 });
    expect(() => decodePageToken('not-a-token', 'page_token', ['after'])).toThrow('page_token: is not a valid page token');
  });
});

describe('GrpcServer, unary() and createClient (real server on port 0)', () => {
  const errors: unknown[] = [];
  let delayMs = 0;
  const server = startEcho(async (payload) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const text = payload.toString();
    if (text === 'invalid') throw new InvalidArgumentError('payload', 'must not say invalid');
    if (text === 'boom') throw new Error('unexpected with private detail');
    return payload;
  }, errors);
  let client: ReturnType<typeof createClient<typeof bench.EchoServiceService>>;

  beforeAll(async () => {
    const port = await server.listen('127.0.0.1', 0);
    server.setServing(true);
    client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 1000 });
  });
  afterAll(async () => {
    client.close();
    await server.shutdown(500);
  });

  it('answers calls', async () => {
    await expect(client.echo({ payload: Buffer.from('hi') })).resolves.toEqual({ payload: Buffer.from('hi') });
  });

  it('maps thrown errors once, with a generic message for unexpected ones', async () => {
    await expect(client.echo({ payload: Buffer.from('invalid') })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: 'payload: must not say invalid' });
    const error = (await client.echo({ payload: Buffer.from('boom') }).catch((e: ServiceError) => e)) as ServiceError;
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toBe('internal error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain('boom');
  });

  it('enforces the receive limit with RESOURCE_EXHAUSTED', async () => {
    await expect(client.echo({ payload: Buffer.alloc(4096) })).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
  });

  it('gives every call a deadline', async () => {
    delayMs = 300;
    await expect(client.echo({ payload: Buffer.from('slow') }, { timeoutMs: 50 })).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    delayMs = 0;
  });

  it('never lets a call outlive its parent deadline', () => {
    const parent = { getDeadline: () => new Date(Date.now() + 100) } as never;
    const deadline = effectiveDeadline(5_000, parent);
    expect(deadline.getTime()).toBeLessThanOrEqual(Date.now() + 100);
    expect(effectiveDeadline(50).getTime()).toBeLessThanOrEqual(Date.now() + 50);
  });

  it('retries only the idempotent methods it is told about', () => {
    const config = JSON.parse(retryServiceConfig('a.B', ['Get']));
    expect(config.methodConfig[0].name).toEqual([{ service: 'a.B', method: 'Get' }]);
    expect(config.methodConfig[0].retryPolicy.retryableStatusCodes).toEqual(['UNAVAILABLE']);
    expect(JSON.parse(retryServiceConfig('a.B', [])).methodConfig).toBeUndefined();
  });
});

describe('createClient over several replicas (round robin)', () => {
  const hits = [0, 0];
  const servers = hits.map((_, i) =>
    startEcho(async (payload) => {
      hits[i]++;
      return payload;
    }),
  );
  const ports: number[] = [];
  beforeAll(async () => {
    for (const server of servers) {
      ports.push(await server.listen('127.0.0.1', 0));
      server.setServing(true);
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.shutdown(500);
  });

  it.each<[string, () => string]>([
    ['a comma list of addresses', () => ports.map((port) => `127.0.0.1:${port}`).join(',')],
  ])('spreads calls over every replica given as %s', async (_, address) => {
    const client = createClient(bench.EchoServiceService, address(), { serviceName: ECHO, timeoutMs: 2_000 });
    try {
      hits.fill(0);
      for (let i = 0; i < 20; i++) await client.echo({ payload: Buffer.from('x') });
      // Round robin over two ready replicas: the calls alternate (a subchannel still connecting
      // at the first call may take one or two more).
      expect(hits[0] + hits[1]).toBe(20);
      expect(Math.min(...hits)).toBeGreaterThanOrEqual(8);
    } finally {
      client.close();
    }
  });

  it('turns a comma list into a static target, passes schemes through, and refuses host names in a list', () => {
    expect(channelTarget('127.0.0.1:1,10.0.0.2:2')).toBe('ipv4:127.0.0.1:1,10.0.0.2:2');
    expect(channelTarget('[::1]:1, [fe80::1]:2')).toBe('ipv6:[::1]:1,[fe80::1]:2');
    expect(channelTarget('dns:///ranking-service-headless:50054')).toBe('dns:///ranking-service-headless:50054');
    expect(channelTarget('ranking.internal:443')).toBe('ranking.internal:443');
    expect(() => channelTarget('a.internal:1,b.internal:2')).toThrow(/dns: name/);
    expect(JSON.parse(retryServiceConfig('a.B', [], true)).loadBalancingConfig).toEqual([{ round_robin: {} }]);
    expect(JSON.parse(retryServiceConfig('a.B', [])).loadBalancingConfig).toBeUndefined();
    expect([namesReplicas('127.0.0.1:1,127.0.0.1:2'), namesReplicas('dns:///ranking:50054'), namesReplicas('127.0.0.1:1')]).toEqual([true, true, false]);
  });

  it('one address: the call after its server restarted on the same port reconnects at once (round robin failed it)', async () => {
    const first = startEcho(async (payload) => payload);
    const port = await first.listen('127.0.0.1', 0);
    first.setServing(true);
    const client = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 5_000 });
    const second = startEcho(async (payload) => payload);
    try {
      await client.echo({ payload: Buffer.from('x') });
      await first.shutdown(0);
      // Let the client see the connection go before the server is back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await second.listen('127.0.0.1', port);
      second.setServing(true);
      expect(await client.echo({ payload: Buffer.from('y') })).toEqual({ payload: Buffer.from('y') });
    } finally {
      client.close();
      await second.shutdown(0);
    }
  });
});

describe('descriptor sets for reflection', () => {
  it('splits a FileDescriptorSet into whole files, imports included', () => {
    const files = splitFileDescriptorSet(descriptorSet).map((bytes) => bytes.toString('latin1'));
    expect(files.some((f) => f.includes('google/protobuf/timestamp.proto'))).toBe(true);
    expect(files.some((f) => f.includes('signalpath/consent/v1/consent_service.proto'))).toBe(true);
    expect(splitFileDescriptorSet(healthDescriptorSet).length).toBe(1);
  });
});

/** grpc.health.v1 Check of the whole server ('SERVING', 'NOT_SERVING', ...). */
function healthCheck(address: string): Promise<string> {
  const Client = makeGenericClientConstructor(healthService, 'Health');
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client['check']({ service: '' }, { deadline: Date.now() + 1_000 }, (error: ServiceError | null, response: { status: string }) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    });
  });
}

/** Waits for progress, bounded so a broken server fails the test instead of outliving it. */
async function until(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('graceful shutdown', () => {
  it('lets an in-flight call finish, then stops', async () => {
    let entered = false;
    const slow = startEcho(async (payload) => {
      entered = true;
      await new Promise((r) => setTimeout(r, 200));
      return payload;
    });
    const port = await slow.listen('127.0.0.1', 0);
    slow.setServing(true);
    const c = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO });
    const inFlight = c.echo({ payload: Buffer.from('x') });
    // In flight = the handler has it (not a fixed wait that a busy machine may not honour).
    await until(() => entered);
    const outcome = await slow.shutdown(2_000);
    await expect(inFlight).resolves.toEqual({ payload: Buffer.from('x') });
    expect(outcome).toBe('graceful');
    c.close();
  });

  it('drains: NOT_SERVING at once, calls still served for drainMs, refused after', async () => {
    const server = startEcho(async (payload) => payload);
    const port = await server.listen('127.0.0.1', 0);
    server.setServing(true);
    const address = `127.0.0.1:${port}`;
    const c = createClient(bench.EchoServiceService, address, { serviceName: ECHO, timeoutMs: 10_000 });
    const warmStarted = Date.now();
    await c.echo({ payload: Buffer.from('warm') });
    // The drain must outlast a health check and a call here, now: sized from a measured round trip.
    const drainMs = Math.max(400, 20 * (Date.now() - warmStarted));
    const stopping = server.shutdown(2 * drainMs + 2_000, drainMs);
    expect(await healthCheck(address)).toBe('NOT_SERVING');
    await expect(c.echo({ payload: Buffer.from('during the drain') })).resolves.toEqual({ payload: Buffer.from('during the drain') });
    await expect(stopping).resolves.toBe('graceful');
    const after = await c.echo({ payload: Buffer.from('after') }).then(() => status.OK, (e: ServiceError) => e.code);
    expect(after).toBe(status.UNAVAILABLE);
    c.close();
  });

  it('forces shutdown when calls outlast the bound', async () => {
    let entered = false;
    const stuck = startEcho(() => {
      entered = true;
      return new Promise(() => undefined);
    });
    const port = await stuck.listen('127.0.0.1', 0);
    const c = createClient(bench.EchoServiceService, `127.0.0.1:${port}`, { serviceName: ECHO, timeoutMs: 5_000 });
    const inFlight = c.echo({ payload: Buffer.from('x') }).catch((e: ServiceError) => e.code);
    await until(() => entered);
    await expect(stuck.shutdown(100)).resolves.toBe('forced');
    await expect(inFlight).resolves.not.toBe(status.OK);
    c.close();
  });
});
