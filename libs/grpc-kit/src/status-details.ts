import { Metadata, type status } from '@grpc/grpc-js';
import { rpc } from '@signalpath/proto';

/**
 * The standard gRPC rich error model: a failed call's trailers carry a serialized google.rpc.Status
 * (same code and message as the call's) whose `details` are google.rpc detail messages packed as
 * Any. grpcurl prints them, and every language's client reads them with its standard helper
 * (Python `grpc_status.rpc_status.from_call`, Go `status.FromError(err).Details()`, Java
 * `StatusProto.fromThrowable`).
 */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/** ErrorInfo.domain of every error Signalpath raises. */
export const ERROR_DOMAIN = 'signalpath.dev';

/** Trailer that tells a gRPC client how long to wait before retrying (gRFC A6). */
export const RETRY_PUSHBACK_TRAILER = 'grpc-retry-pushback-ms';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const BAD_REQUEST = `${TYPE_URL_PREFIX}google.rpc.BadRequest`;
const ERROR_INFO = `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`;
const RETRY_INFO = `${TYPE_URL_PREFIX}google.rpc.RetryInfo`;

/** google.rpc.BadRequest.FieldViolation: the field path in proto form, e.g. `interactions[3].user_id`. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** google.rpc.ErrorInfo. Metadata holds ids of things and enum names, never user data. */
export interface ErrorInfo {
  /** UPPER_SNAKE_CASE, unique within the domain, e.g. `LINK_CONFLICT`. */
  reason: string;
  /** ERROR_DOMAIN unless read from another system's error. */
  domain?: string;
  metadata?: Record<string, string>;
}

/** The details a Signalpath error may carry; each becomes one Any in google.rpc.Status.details. */
export interface ErrorDetails {
  fieldViolations?: FieldViolation[];
  errorInfo?: ErrorInfo;
  /** google.rpc.RetryInfo.retry_delay: wait at least this long before retrying the same call. */
  retryDelayMs?: number;
}

/** What a client reads back: the details above, plus the type URLs of any it does not know. */
export interface ReadDetails extends ErrorDetails {
  unknownTypes: string[];
}

const REASON = /^[A-Z][A-Z0-9_]+[A-Z0-9]$/;
const METADATA_KEY = /^[a-z][a-zA-Z0-9\-_]+$/;

/**
 * Throws on a reason or metadata key google.rpc.ErrorInfo does not allow: a programming error,
 * caught by the first test that raises it rather than sent to clients.
 */
export function checkErrorInfo(info: ErrorInfo): void {
  if (!(REASON.test(info.reason) && info.reason.length <= 63)) throw new Error(`ErrorInfo reason "${info.reason}" is not UPPER_SNAKE_CASE of at most 63 characters`);
  for (const key of Object.keys(info.metadata ?? {})) {
    if (!(METADATA_KEY.test(key) && key.length <= 64)) throw new Error(`ErrorInfo metadata key "${key}" does not match [a-z][a-zA-Z0-9-_]+ (at most 64 characters)`);
  }
}

function durationOf(ms: number): { seconds: string; nanos: number } {
  const whole = Math.max(0, Math.round(ms));
  return { seconds: String(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

/** The details as google.rpc detail messages packed in Any, in a fixed order. */
export function packDetails(details: ErrorDetails): rpc.Any[] {
  const packed: rpc.Any[] = [];
  if (details.fieldViolations?.length) {
    const message = rpc.BadRequest.fromPartial({ fieldViolations: details.fieldViolations.map((v) => ({ field: v.field, description: v.description })) });
    packed.push({ typeUrl: BAD_REQUEST, value: Buffer.from(rpc.BadRequest.encode(message).finish()) });
  }
  if (details.errorInfo) {
    checkErrorInfo(details.errorInfo);
    const message = rpc.ErrorInfo.fromPartial({ reason: details.errorInfo.reason, domain: details.errorInfo.domain ?? ERROR_DOMAIN, metadata: details.errorInfo.metadata ?? {} });
    packed.push({ typeUrl: ERROR_INFO, value: Buffer.from(rpc.ErrorInfo.encode(message).finish()) });
  }
  if (details.retryDelayMs !== undefined) {
    const message = rpc.RetryInfo.fromPartial({ retryDelay: durationOf(details.retryDelayMs) });
    packed.push({ typeUrl: RETRY_INFO, value: Buffer.from(rpc.RetryInfo.encode(message).finish()) });
  }
  return packed;
}

/** The google.rpc.Status of an error: for the trailer, and for per-item results of batch calls. */
export function rpcStatus(code: status, message: string, details: ErrorDetails = {}): rpc.Status {
  return { code, message, details: packDetails(details) };
}

export function hasDetails(details: ErrorDetails): boolean {
  return Boolean(details.fieldViolations?.length || details.errorInfo || details.retryDelayMs !== undefined);
}

/**
 * Trailing metadata of a failed call carrying its google.rpc.Status. Nothing is added for an error
 * without details: its status code and message say all there is. (The gRFC A6 pushback trailer is
 * set only by load shedding: grpc-js's own retries obey it, and on UNAVAILABLE they must keep
 * their short backoff.)
 */
export function statusMetadata(code: status, message: string, details: ErrorDetails, metadata: Metadata = new Metadata()): Metadata {
  if (!hasDetails(details)) return metadata;
  metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(rpc.Status.encode(rpcStatus(code, message, details)).finish()));
  return metadata;
}

function millisOf(duration: { seconds: string; nanos: number } | undefined): number | undefined {
  if (!duration) return undefined;
  const ms = Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1_000_000);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Unpacks the detail messages this project knows; others are listed by type URL. Never throws. */
export function unpackDetails(packed: readonly rpc.Any[]): ReadDetails {
  const read: ReadDetails = { unknownTypes: [] };
  for (const any of packed) {
    try {
      if (any.typeUrl === BAD_REQUEST) {
        const violations = rpc.BadRequest.decode(any.value).fieldViolations.map((v) => ({ field: v.field, description: v.description }));
        read.fieldViolations = [...(read.fieldViolations ?? []), ...violations];
      } else if (any.typeUrl === ERROR_INFO) {
        const info = rpc.ErrorInfo.decode(any.value);
        read.errorInfo = { reason: info.reason, domain: info.domain, metadata: info.metadata };
      } else if (any.typeUrl === RETRY_INFO) {
        read.retryDelayMs = millisOf(rpc.RetryInfo.decode(any.value).retryDelay);
      } else {
        read.unknownTypes.push(any.typeUrl);
      }
    } catch {
      read.unknownTypes.push(any.typeUrl); // undecodable: as good as unknown
    }
  }
  return read;
}

/** A failed call as a client sees it: grpc-js's ServiceError shape. */
interface FailedCall {
  code: number;
  details?: string;
  metadata?: Metadata;
}

function isFailedCall(error: unknown): error is FailedCall {
  return typeof error === 'object' && error !== null && typeof (error as FailedCall).code === 'number' && (error as FailedCall).metadata instanceof Metadata;
}

export interface ReadStatus {
  code: number;
  message: string;
  details: ReadDetails;
}

/**
 * The google.rpc.Status of a failed call (a grpc-js ServiceError), details unpacked; undefined
 * for anything that is not a failed call. A trailer that does not decode, or whose code differs
 * from the call's, is ignored (the call's own code and message stand), as the gRPC spec asks.
 */
export function readStatus(error: unknown): ReadStatus | undefined {
  if (!isFailedCall(error)) return undefined;
  const own: ReadStatus = { code: error.code, message: error.details ?? '', details: { unknownTypes: [] } };
  const trailer = error.metadata?.get(STATUS_DETAILS_TRAILER)[0];
  if (!Buffer.isBuffer(trailer)) return own;
  let decoded: rpc.Status;
  try {
    decoded = rpc.Status.decode(trailer);
  } catch {
    return own;
  }
  if (decoded.code !== error.code) return own;
  return { code: error.code, message: own.message, details: unpackDetails(decoded.details) };
}

/** The field violations of a failed call (empty when it carries none). */
export function fieldViolationsOf(error: unknown): FieldViolation[] {
  return readStatus(error)?.details.fieldViolations ?? [];
}

/**
 * How long the server asked the caller to wait before retrying: google.rpc.RetryInfo, else the
 * `grpc-retry-pushback-ms` trailer; undefined when it gave no advice.
 */
export function retryDelayOf(error: unknown): number | undefined {
  const read = readStatus(error);
  if (!read) return undefined;
  if (read.details.retryDelayMs !== undefined) return read.details.retryDelayMs;
  const pushback = (error as FailedCall).metadata?.get(RETRY_PUSHBACK_TRAILER)[0];
  const ms = typeof pushback === 'string' && /^\d+$/.test(pushback) ? Number(pushback) : undefined;
  return ms;
}
