"""Reads the details Signalpath sends with a failed call, the standard way.

Every error carries a google.rpc.Status in the `grpc-status-details-bin` trailer (same code and
message as the call's). grpcio-status's `rpc_status.from_call` decodes it; the details are
google.rpc messages from googleapis-common-protos: BadRequest (which request field is wrong, on
every INVALID_ARGUMENT), ErrorInfo (a machine-readable reason) and RetryInfo (how long to wait
before retrying).
"""

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def field_violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    """(field, description) of every BadRequest field violation the error carries."""
    status = rpc_status.from_call(error)
    violations: list[tuple[str, str]] = []
    for detail in status.details if status is not None else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend((v.field, v.description) for v in bad_request.field_violations)
    return violations


def describe(error: grpc.RpcError) -> str:
    """The error's code and message, then one line per detail."""
    lines = [f"{error.code().name}: {error.details()}"]
    status = rpc_status.from_call(error)
    for detail in status.details if status is not None else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            lines.extend(f"  field violation: {v.field}: {v.description}" for v in bad_request.field_violations)
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            lines.append(f"  error info: {info.reason} ({info.domain}) {dict(sorted(info.metadata.items()))}")
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            lines.append(f"  retry after: {retry.retry_delay.ToMilliseconds()} ms")
        else:
            lines.append(f"  detail: {detail.type_url}")
    return "\n".join(lines)
