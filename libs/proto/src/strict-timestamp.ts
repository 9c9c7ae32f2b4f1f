import { Timestamp } from './generated/google/protobuf/timestamp';

/**
 * ts-proto turns every google.protobuf.Timestamp into a Date as `seconds * 1000 + nanos / 1e6`,
 * which loses what makes a Timestamp invalid: seconds outside 0001-01-01..9999-12-31 either
 * overflow to an invalid Date (int64 extremes) or land on some real date, and nanos outside
 * 0..999,999,999 silently move the time by up to ±2.1 s. So the one Timestamp decoder all
 * generated messages share is wrapped here: a Timestamp the protobuf spec calls invalid decodes
 * to one whose Date is invalid (NaN), which request validation (grpc-kit `requireTime`) refuses
 * as INVALID_ARGUMENT naming the field, and which any comparison treats as "not a time".
 * Installed once, when @signalpath/proto is first imported (index.ts).
 */

/** google/protobuf/timestamp.proto: seconds in [-62135596800, 253402300799], nanos in [0, 999999999]. */
const MIN_SECONDS = BigInt('-62135596800');
const MAX_SECONDS = BigInt('253402300799');

/** Decodes (fromTimestamp: Number('Infinity') * 1000) to an invalid Date. */
const INVALID: Timestamp = Object.freeze({ seconds: 'Infinity', nanos: 0 });

export function isValidTimestamp(timestamp: Timestamp): boolean {
  if (!Number.isInteger(timestamp.nanos) || timestamp.nanos < 0 || timestamp.nanos > 999_999_999) return false;
  let seconds: bigint;
  try {
    seconds = BigInt(timestamp.seconds);
  } catch {
    return false;
  }
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS;
}

const STRICT = Symbol.for('signalpath.strictTimestamp');

/**
 * Also fixes the other direction: ts-proto's Date → Timestamp truncates toward zero, so a time
 * before 1970 with a fraction of a second (1969-12-31T23:59:59.500Z) is sent as seconds -0,
 * nanos -500,000,000, which every strict peer (this one included) refuses. The encoder borrows
 * a second instead, as the spec requires (nanos count forward from the seconds).
 */
export function installStrictTimestampDecoding(): void {
  const fns = Timestamp as typeof Timestamp & { [STRICT]?: true };
  if (fns[STRICT]) return;
  const encode = fns.encode.bind(fns);
  fns.encode = (message, writer) => {
    if (message.nanos >= 0) return encode(message, writer);
    let seconds: bigint;
    try {
      seconds = BigInt(message.seconds);
    } catch {
      return encode(message, writer);
    }
    return encode({ seconds: String(seconds - BigInt(1)), nanos: message.nanos + 1_000_000_000 }, writer);
  };
  const decode = fns.decode.bind(fns);
  fns.decode = (input, length) => {
    const timestamp = decode(input, length);
    if (!isValidTimestamp(timestamp)) return { ...INVALID };
    // A Date holds whole milliseconds: floor the nanos to them, so that the conversion (a float
    // sum) never rounds a time up, e.g. 9999-12-31T23:59:59.999999999Z into year 10000.
    return { seconds: timestamp.seconds, nanos: timestamp.nanos - (timestamp.nanos % 1_000_000) };
  };
  fns[STRICT] = true;
}
