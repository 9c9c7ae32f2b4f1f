// google.rpc error model (vendored googleapis protos, protos/google/rpc): the Status a failed call
// carries in its `grpc-status-details-bin` trailer, and the detail messages it packs as Any.
export { Any } from './generated/google/protobuf/any';
export { Status } from './generated/google/rpc/status';
export {
  BadRequest,
  BadRequest_FieldViolation,
  ErrorInfo,
  PreconditionFailure,
  PreconditionFailure_Violation,
  QuotaFailure,
  ResourceInfo,
  RetryInfo,
} from './generated/google/rpc/error_details';
