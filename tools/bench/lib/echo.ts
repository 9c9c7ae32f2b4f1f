// The baseline every benchmark compares against: a no-op Echo RPC served and called with the
// project's own toolkit (GrpcServer, unary(), createClient), so the only difference to a real
// RPC is the work the real handler does.
import { createClient, GrpcServer, unary } from '@signalpath/grpc-kit';
import { bench } from '@signalpath/proto';

export async function startEchoServer(): Promise<{ address: string; stop(): Promise<void> }> {
  const server = new GrpcServer({
    services: [
      {
        name: 'signalpath.bench.v1.EchoService',
        definition: bench.EchoServiceService,
        implementation: { echo: unary<bench.EchoRequest, bench.EchoResponse>(async (request) => ({ payload: request.payload })) },
      },
    ],
    maxReceiveMessageBytes: 64 * 1024 * 1024,
  });
  const port = await server.listen('127.0.0.1', 0);
  server.setServing(true);
  return { address: `127.0.0.1:${port}`, stop: async () => void (await server.shutdown(1000)) };
}

export function createEchoClient(address: string) {
  return createClient(bench.EchoServiceService, address, { serviceName: 'signalpath.bench.v1.EchoService', timeoutMs: 30_000, maxReceiveMessageBytes: 64 * 1024 * 1024 });
}
