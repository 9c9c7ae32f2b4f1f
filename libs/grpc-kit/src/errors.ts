import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { hasDetails, readStatus, statusMetadata, type ErrorDetails } from './status-details';

/**
 * Errors a handler throws on purpose. `unary()` turns them (and driver errors) into gRPC statuses
 * through `toStatus`, the single error map of the project; `statusDetails` travel with the status
 * as google.rpc.Status details (status-details.ts).
 */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly statusDetails: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/**
 * INVALID_ARGUMENT naming the offending field, e.g. `interaction.user_id: must not be empty`,
 * with a google.rpc.BadRequest field violation { field, description: problem }.
 */
export class InvalidArgumentError extends RpcError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(status.INVALID_ARGUMENT, `${field}: ${problem}`, { fieldViolations: [{ field, description: problem }] });
    this.name = 'InvalidArgumentError';
  }
}

export class NotFoundError extends RpcError {
  constructor(message: string) {
    super(status.NOT_FOUND, message);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends RpcError {
  constructor(message: string) {
    super(status.ALREADY_EXISTS, message);
    this.name = 'AlreadyExistsError';
  }
}

/** Optimistic-concurrency conflict: the caller should re-read and retry. */
export class VersionConflictError extends RpcError {
  constructor(message: string) {
    super(status.ABORTED, message);
    this.name = 'VersionConflictError';
  }
}

/**
 * Retry delay advised with a transient UNAVAILABLE (a concurrent change, writes still finishing):
 * short, a client's own backoff grows from there.
 */
export const DEFAULT_UNAVAILABLE_RETRY_MS = 100;
/** Retry delay advised while the data store cannot be reached (a restart or failover takes seconds). */
export const STORE_UNAVAILABLE_RETRY_MS = 1_000;

/** UNAVAILABLE with google.rpc.RetryInfo: retrying the same call later is advised. */
export class UnavailableError extends RpcError {
  constructor(message: string, options: { retryAfterMs?: number; reason?: string } = {}) {
    super(status.UNAVAILABLE, message, {
      retryDelayMs: options.retryAfterMs ?? DEFAULT_UNAVAILABLE_RETRY_MS,
      ...(options.reason ? { errorInfo: { reason: options.reason } } : {}),
    });
    this.name = 'UnavailableError';
  }
}

/**
 * FAILED_PRECONDITION with google.rpc.ErrorInfo: `reason` (UPPER_SNAKE_CASE) says which
 * precondition, `metadata` holds enum names or counts — never user data.
 */
export class FailedPreconditionError extends RpcError {
  constructor(message: string, reason: string, metadata?: Record<string, string>) {
    super(status.FAILED_PRECONDITION, message, { errorInfo: { reason, metadata } });
    this.name = 'FailedPreconditionError';
  }
}

/**
 * RESOURCE_EXHAUSTED with google.rpc.ErrorInfo for a per-user limit reached: `reason` names the
 * limit, `metadata` its size. No RetryInfo: retrying the same call fails until the user frees room.
 */
export class ResourceExhaustedError extends RpcError {
  constructor(message: string, reason: string, metadata?: Record<string, string>) {
    super(status.RESOURCE_EXHAUSTED, message, { errorInfo: { reason, metadata } });
    this.name = 'ResourceExhaustedError';
  }
}

export class PermissionDeniedError extends RpcError {
  constructor(message: string, reason: string, metadata?: Record<string, string>) {
    super(status.PERMISSION_DENIED, message, { errorInfo: { reason, metadata } });
    this.name = 'PermissionDeniedError';
  }
}

export class UnauthenticatedError extends RpcError {
  constructor(message: string, reason: string, metadata?: Record<string, string>) {
    super(status.UNAUTHENTICATED, message, { errorInfo: { reason, metadata } });
    this.name = 'UnauthenticatedError';
  }
}

/**
 * Driver errors that mean "the store cannot be reached right now". Matched along the prototype
 * chain, so subclasses count too: the driver's PoolClearedError (name MongoPoolClearedError, what
 * calls get for a moment after the database went away) is a MongoNetworkError.
 */
const MONGO_UNAVAILABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoPoolClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * Server error codes of a node shutting down, stepping down or unreachable (the driver's
 * retryable-read set): the store is failing over, not refusing the request.
 */
const MONGO_UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (MONGO_UNAVAILABLE.has(error.name)) return true;
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if (MONGO_UNAVAILABLE.has(proto.constructor?.name)) return true;
  }
  const code = (error as { code?: unknown }).code;
  return errorName(error) === 'MongoServerError' && typeof code === 'number' && MONGO_UNAVAILABLE_CODES.has(code);
}

/** Statuses of a failed downstream call that are passed on as they are. */
const PASS_THROUGH = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED, status.RESOURCE_EXHAUSTED]);

export function isGrpcServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as ServiceError).code === 'number' && 'metadata' in error;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Is this a MongoDB duplicate-key error (E11000)? */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 11000;
}

export interface MappedStatus extends Partial<StatusObject> {
  code: status;
  details: string;
  /** google.rpc.Status details sent with it (in the `grpc-status-details-bin` trailer). */
  statusDetails: ErrorDetails;
  /** True when the error was unexpected and deserves an error log. */
  unexpected: boolean;
}

const mapped = (code: status, details: string, statusDetails: ErrorDetails = {}, unexpected = false): MappedStatus => ({ code, details, statusDetails, unexpected });

/**
 * The one error map: validation → INVALID_ARGUMENT (BadRequest naming the field), not found →
 * NOT_FOUND, duplicate key → ALREADY_EXISTS, version conflict → ABORTED, store down → UNAVAILABLE
 * (RetryInfo), anything else → INTERNAL with a generic message (details never leak to callers).
 * A downstream UNAVAILABLE / RESOURCE_EXHAUSTED passes on with the downstream's retry advice.
 */
export function toStatus(error: unknown): MappedStatus {
  if (error instanceof RpcError) return mapped(error.code, error.message, error.statusDetails);
  if (isDuplicateKeyError(error)) return mapped(status.ALREADY_EXISTS, 'already exists');
  // bulkWrite/insertMany wrap a network or server-selection error in MongoBulkWriteError (as errorResponse).
  const wrapped = errorName(error) === 'MongoBulkWriteError' ? (error as { errorResponse?: unknown }).errorResponse : undefined;
  if (isStoreUnavailable(error) || isStoreUnavailable(wrapped)) {
    return mapped(status.UNAVAILABLE, 'data store unavailable, retry later', { retryDelayMs: STORE_UNAVAILABLE_RETRY_MS, errorInfo: { reason: 'STORE_UNAVAILABLE' } });
  }
  if (isGrpcServiceError(error) && PASS_THROUGH.has(error.code)) {
    // Only the retry advice is passed on: the rest describes the dependency, not this call.
    const retryDelayMs = readStatus(error)?.details.retryDelayMs;
    return mapped(error.code, `dependency call failed: ${status[error.code]}`, retryDelayMs === undefined ? {} : { retryDelayMs });
  }
  return mapped(status.INTERNAL, 'internal error', {}, true);
}

/** The trailing metadata of a mapped status: its google.rpc.Status when it has details. */
export function toStatusMetadata(mapped: MappedStatus): Metadata {
  return hasDetails(mapped.statusDetails) ? statusMetadata(mapped.code, mapped.details, mapped.statusDetails) : new Metadata();
}

/** A ServiceError-shaped object for grpc-js callbacks, carrying the google.rpc.Status trailer. */
export function toServiceError(mapped: MappedStatus): Partial<ServiceError> {
  return Object.assign(new Error(mapped.details), { code: mapped.code, details: mapped.details, metadata: toStatusMetadata(mapped) });
}
