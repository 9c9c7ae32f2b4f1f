import { Client, credentials, Metadata, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * Requests our own typed clients cannot express, as raw protobuf bytes: a google.protobuf.Timestamp
 * with int64-extreme seconds or nanos outside 0..999,999,999 (ts-proto clients only send what a
 * Date can hold). Concatenating encoded fields is how protobuf merges, so a raw field appended to
 * an encoded message simply sets that field.
 */

export interface RawTimestamp {
  /** int64 seconds, in decimal. */
  seconds: string;
  nanos: number;
}

/** `message` with a Timestamp in field `fieldNumber` appended. */
export function withRawTimestamp(message: Uint8Array, fieldNumber: number, timestamp: RawTimestamp): Uint8Array {
  const inner = new BinaryWriter();
  if (timestamp.seconds !== '0') inner.uint32(8).int64(timestamp.seconds);
  if (timestamp.nanos !== 0) inner.uint32(16).int32(timestamp.nanos);
  return withRawMessage(message, fieldNumber, inner.finish());
}

/** `message` with the encoded message `inner` appended as field `fieldNumber`. */
export function withRawMessage(message: Uint8Array, fieldNumber: number, inner: Uint8Array): Uint8Array {
  const field = new BinaryWriter().uint32((fieldNumber << 3) | 2).bytes(inner).finish();
  return Buffer.concat([message, field]);
}

/** Calls `method` of the server at `address` with the request given as bytes; plaintext. */
export function callRaw<Res>(
  address: string,
  method: Pick<MethodDefinition<unknown, Res>, 'path' | 'responseDeserialize'>,
  request: Uint8Array,
  options: { timeoutMs?: number; metadata?: Metadata } = {},
): Promise<Res> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<Res>((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => method.responseDeserialize(bytes),
      request,
      options.metadata ?? new Metadata(),
      { deadline: Date.now() + (options.timeoutMs ?? 10_000) },
      (error: ServiceError | null, response?: Res) => {
        client.close();
        if (error) reject(error);
        else resolve(response as Res);
      },
    );
  });
}
