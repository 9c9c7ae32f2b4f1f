import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ranking } from '@signalpath/proto';

/**
 * Wire codec for Rank, the one RPC whose messages are large (up to 5,000 items each way). It reads
 * and writes exactly what the generated ts-proto code does (tests compare them byte for byte),
 * with three shortcuts for the response: an inline item is written back as the bytes it arrived
 * as, a reason shared by many items is encoded once, and the message is written into one buffer
 * sized up front. Every other RPC keeps the generated codec.
 */

const RECEIVED = Symbol('rank.receivedItems');

/** Where each inline item of a request sits in the request's bytes. */
interface ReceivedItems {
  bytes: Uint8Array;
  ordinal: Map<ranking.Item, number>;
  starts: number[];
  ends: number[];
}

type WithReceived = { [RECEIVED]?: ReceivedItems };

function decodeCandidate(reader: BinaryReader, length: number, received: ReceivedItems): ranking.Candidate {
  const end = reader.pos + length;
  const message: ranking.Candidate = { candidate: undefined };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      message.candidate = { $case: 'itemId', value: reader.string() };
      continue;
    }
    if (tag === 18) {
      const itemLength = reader.uint32();
      const start = reader.pos;
      const item = ranking.Item.decode(reader, itemLength);
      received.ordinal.set(item, received.starts.length);
      received.starts.push(start);
      received.ends.push(start + itemLength);
      message.candidate = { $case: 'item', value: item };
      continue;
    }
    if ((tag & 7) === 4 || tag === 0) break;
    reader.skip(tag & 7);
  }
  return message;
}

/** RankRequest from the wire, remembering where each inline item's bytes are. */
export function decodeRankRequest(bytes: Uint8Array): ranking.RankRequest {
  const reader = new BinaryReader(bytes);
  const received: ReceivedItems = { bytes, ordinal: new Map(), starts: [], ends: [] };
  const message: ranking.RankRequest = { userId: '', surface: 0, candidates: [] };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 10) {
      message.userId = reader.string();
      continue;
    }
    if (tag === 16) {
      message.surface = reader.int32();
      continue;
    }
    if (tag === 26) {
      message.candidates.push(decodeCandidate(reader, reader.uint32(), received));
      continue;
    }
    if ((tag & 7) === 4 || tag === 0) break;
    reader.skip(tag & 7);
  }
  // Not enumerable: the message stays equal to what the generated decoder returns.
  Object.defineProperty(message, RECEIVED, { value: received, enumerable: false });
  return message;
}

/** Lets the response reuse the request's item bytes (call with the request Rank answers). */
export function carryReceivedItems(request: ranking.RankRequest, response: ranking.RankResponse): ranking.RankResponse {
  const received = (request as WithReceived)[RECEIVED];
  if (received) Object.defineProperty(response, RECEIVED, { value: received, enumerable: false });
  return response;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value > 0x7f) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

/** RankResponse to the wire: received items copied as they came, shared reasons encoded once. */
export function encodeRankResponse(message: ranking.RankResponse): Buffer {
  // Negative enum values (UNRECOGNIZED) take 10-byte varints: leave those to the generated code.
  if (message.notPersonalizedReason < 0 || message.filtered.some((f) => f.reason < 0)) return Buffer.from(ranking.RankResponse.encode(message).finish());
  const received = (message as WithReceived)[RECEIVED];
  const items = message.items;
  const encodedReasons = new Map<ranking.RankingReason, Uint8Array>();
  // Pass 1: sizes (and the bytes of whatever is not copied from the request).
  const itemBytes: Array<Uint8Array | undefined> = new Array(items.length);
  const itemOrdinal = new Int32Array(items.length).fill(-1);
  const innerSize = new Int32Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const ranked = items[i];
    let size = 0;
    if (ranked.item !== undefined) {
      const ordinal = received?.ordinal.get(ranked.item);
      let length: number;
      if (ordinal !== undefined && received) {
        itemOrdinal[i] = ordinal;
        length = received.ends[ordinal] - received.starts[ordinal];
      } else {
        const bytes = ranking.Item.encode(ranked.item).finish();
        itemBytes[i] = bytes;
        length = bytes.length;
      }
      size += 1 + varintSize(length) + length;
    }
    if (ranked.score !== 0) size += 9;
    if (ranked.personalized !== false) size += 2;
    for (const reason of ranked.reasons) {
      let encoded = encodedReasons.get(reason);
      if (!encoded) {
        encoded = ranking.RankingReason.encode(reason).finish();
        encodedReasons.set(reason, encoded);
      }
      size += 1 + varintSize(encoded.length) + encoded.length;
    }
    innerSize[i] = size;
    total += 1 + varintSize(size) + size;
  }
  const filteredSizes = new Int32Array(message.filtered.length);
  message.filtered.forEach((filtered, i) => {
    const idLength = Buffer.byteLength(filtered.itemId, 'utf8');
    const size = (idLength > 0 ? 1 + varintSize(idLength) + idLength : 0) + (filtered.reason !== 0 ? 1 + varintSize(filtered.reason) : 0);
    filteredSizes[i] = size;
    total += 1 + varintSize(size) + size;
  });
  if (message.personalized !== false) total += 2;
  if (message.notPersonalizedReason !== 0) total += 1 + varintSize(message.notPersonalizedReason);

  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  const source = received ? Buffer.from(received.bytes.buffer, received.bytes.byteOffset, received.bytes.byteLength) : undefined;
  let pos = 0;
  const writeBytes = (tag: number, bytes: Uint8Array) => {
    out[pos++] = tag;
    pos = writeVarint(out, pos, bytes.length);
    out.set(bytes, pos);
    pos += bytes.length;
  };
  for (let i = 0; i < items.length; i++) {
    const ranked = items[i];
    out[pos++] = 10;
    pos = writeVarint(out, pos, innerSize[i]);
    if (ranked.item !== undefined) {
      const ordinal = itemOrdinal[i];
      if (ordinal >= 0 && received && source) {
        const start = received.starts[ordinal];
        const end = received.ends[ordinal];
        out[pos++] = 10;
        pos = writeVarint(out, pos, end - start);
        pos += source.copy(out, pos, start, end);
      } else {
        writeBytes(10, itemBytes[i] as Uint8Array);
      }
    }
    if (ranked.score !== 0) {
      out[pos++] = 17;
      pos = out.writeDoubleLE(ranked.score, pos);
    }
    if (ranked.personalized !== false) {
      out[pos++] = 24;
      out[pos++] = 1;
    }
    for (const reason of ranked.reasons) writeBytes(34, encodedReasons.get(reason) as Uint8Array);
  }
  message.filtered.forEach((filtered, i) => {
    out[pos++] = 18;
    pos = writeVarint(out, pos, filteredSizes[i]);
    if (filtered.itemId !== '') {
      out[pos++] = 10;
      pos = writeVarint(out, pos, Buffer.byteLength(filtered.itemId, 'utf8'));
      pos += out.write(filtered.itemId, pos, 'utf8');
    }
    if (filtered.reason !== 0) {
      out[pos++] = 16;
      pos = writeVarint(out, pos, filtered.reason);
    }
  });
  if (message.personalized !== false) {
    out[pos++] = 24;
    out[pos++] = 1;
  }
  if (message.notPersonalizedReason !== 0) {
    out[pos++] = 32;
    pos = writeVarint(out, pos, message.notPersonalizedReason);
  }
  if (pos !== total) throw new Error(`rank codec: wrote ${pos} of ${total} bytes`);
  return out;
}

/** The RankingService definition with the Rank codec above. */
export const rankingServiceDefinition = {
  ...ranking.RankingServiceService,
  rank: {
    ...ranking.RankingServiceService.rank,
    requestDeserialize: (value: Buffer): ranking.RankRequest => decodeRankRequest(value),
    responseSerialize: (value: ranking.RankResponse): Buffer => encodeRankResponse(value),
  },
} as const;
