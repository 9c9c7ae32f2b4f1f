import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';

/**
 * Errors a handler throws on purpose. `unary()` turns them (and driver errors) into gRPC statuses
 * through `toStatus`, the single error map of the project.
 */
export class RpcError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

/** INVALID_ARGUMENT naming the offending field, e.g. `interaction.user_id: must not be empty`. */
export class InvalidArgumentError extends RpcError {
  constructor(readonly field: string, problem: string) {
    super(status.INVALID_ARGUMENT, `${field}: ${problem}`);
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

export class UnavailableError extends RpcError {
  constructor(message: string) {
    super(status.UNAVAILABLE, message);
    this.name = 'UnavailableError';
  }
}

export class FailedPreconditionError extends RpcError {
  constructor(message: string) {
    super(status.FAILED_PRECONDITION, message);
    this.name = 'FailedPreconditionError';
  }
}

export class PermissionDeniedError extends RpcError {
  constructor(message: string) {
    super(status.PERMISSION_DENIED, message);
    this.name = 'PermissionDeniedError';
  }
}

export class UnauthenticatedError extends RpcError {
  constructor(message: string) {
    super(status.UNAUTHENTICATED, message);
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
  /** True when the error was unexpected and deserves an error log. */
  unexpected: boolean;
}

/**
 * The one error map: validation → INVALID_ARGUMENT, not found → NOT_FOUND, duplicate key →
 * ALREADY_EXISTS, version conflict → ABORTED, store down → UNAVAILABLE, anything else → INTERNAL
 * with a generic message (details never leak to callers).
 */
export function toStatus(error: unknown): MappedStatus {
  if (error instanceof RpcError) return { code: error.code, details: error.message, unexpected: false };
  if (isDuplicateKeyError(error)) return { code: status.ALREADY_EXISTS, details: 'already exists', unexpected: false };
  // bulkWrite/insertMany wrap a network or server-selection error in MongoBulkWriteError (as errorResponse).
  const wrapped = errorName(error) === 'MongoBulkWriteError' ? (error as { errorResponse?: unknown }).errorResponse : undefined;
  if (isStoreUnavailable(error) || isStoreUnavailable(wrapped)) {
    return { code: status.UNAVAILABLE, details: 'data store unavailable, retry later', unexpected: false };
  }
  if (isGrpcServiceError(error) && PASS_THROUGH.has(error.code)) {
    return { code: error.code, details: `dependency call failed: ${status[error.code]}`, unexpected: false };
  }
  return { code: status.INTERNAL, details: 'internal error', unexpected: true };
}

/** A ServiceError-shaped object for grpc-js callbacks. */
export function toServiceError(mapped: MappedStatus): Partial<ServiceError> {
  return Object.assign(new Error(mapped.details), { code: mapped.code, details: mapped.details, metadata: new Metadata() });
}
