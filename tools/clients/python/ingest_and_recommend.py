"""A Python client of Signalpath, with stubs generated from protos/ by grpcio-tools.

It sets a user's region and age, links Messenger and Instagram, tells the assistant about rock
climbing on Messenger, and asks RankingService for recommendations on Instagram until the
climbing interest shows up. Exits non-zero if it never does, or if a call fails: then it prints the
error's details (field violations, reason, retry advice; see signalpath_errors.py).
With --invalid-example it first sends an interaction with no user_id and prints the field violation
the service answers with.

Usage: bash tools/clients/python/run.sh tools/clients/python/ingest_and_recommend.py \
         --consent 127.0.0.1:50051 --signal 127.0.0.1:50052 --ranking 127.0.0.1:50054 --user py-user-1
With mTLS (services started with SIGNALPATH_TLS_DIR): add --tls-dir .certs. The client then presents
the operator's client certificate (<dir>/operator/) and accepts each server only if its certificate
names the service it dials: grpcio checks the TLS name, and every server certificate made by
tools/certs.mjs carries its identity (e.g. consent-service) as a DNS name, beside the SPIFFE URI.
"""

import argparse
import datetime
import os
import sys
import time

import grpc
from google.protobuf import field_mask_pb2, timestamp_pb2

from signalpath.common.v1 import common_pb2
from signalpath.consent.v1 import consent_service_pb2 as consent_pb2
from signalpath.consent.v1 import consent_service_pb2_grpc as consent_grpc
from signalpath.ranking.v1 import ranking_service_pb2 as ranking_pb2
from signalpath.ranking.v1 import ranking_service_pb2_grpc as ranking_grpc
from signalpath.signal.v1 import signal_service_pb2 as signal_pb2
from signalpath.signal.v1 import signal_service_pb2_grpc as signal_grpc
from signalpath_errors import describe, field_violations

DEADLINE_S = 5.0


class _TokenInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call."""

    def __init__(self, token: str):
        self._token = token

    def intercept_unary_unary(self, continuation, client_call_details, request):
        metadata = list(client_call_details.metadata or []) + [("authorization", f"Bearer {self._token}")]
        details = client_call_details._replace(metadata=metadata) if hasattr(client_call_details, "_replace") else _Details(client_call_details, metadata)
        return continuation(details, request)


class _Details(grpc.ClientCallDetails):
    def __init__(self, base, metadata):
        self.method = base.method
        self.timeout = base.timeout
        self.metadata = metadata
        self.credentials = base.credentials
        self.wait_for_ready = getattr(base, "wait_for_ready", None)
        self.compression = getattr(base, "compression", None)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consent", default="127.0.0.1:50051")
    parser.add_argument("--signal", default="127.0.0.1:50052")
    parser.add_argument("--ranking", default="127.0.0.1:50054")
    parser.add_argument("--user", default="py-user-1")
    # Service tokens (operator identity) for each service; print one with `npm run -s token -- <service>`.
    parser.add_argument("--consent-token", default="")
    parser.add_argument("--signal-token", default="")
    parser.add_argument("--ranking-token", default="")
    # mTLS: the directory made by tools/certs.mjs (SIGNALPATH_TLS_DIR) and whose certificate to present.
    parser.add_argument("--tls-dir", default="")
    parser.add_argument("--identity", default="operator")
    parser.add_argument("--invalid-example", action="store_true", help="first show the field violation of an invalid request")
    args = parser.parse_args()
    try:
        return run(args)
    except grpc.RpcError as error:
        print(f"call failed: {describe(error)}", file=sys.stderr)
        return 1


def now_timestamp() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(datetime.datetime.now(datetime.timezone.utc))
    return stamp


def run(args: argparse.Namespace) -> int:
    credentials = None
    if args.tls_dir:
        def read(name: str) -> bytes:
            with open(os.path.join(args.tls_dir, args.identity, name), "rb") as f:
                return f.read()

        credentials = grpc.ssl_channel_credentials(root_certificates=read("ca.pem"), private_key=read("client.key"), certificate_chain=read("client.pem"))

    def channel(address: str, token: str, service_identity: str) -> grpc.Channel:
        if credentials is None:
            base = grpc.insecure_channel(address)
        else:
            # The TLS name to verify is the service's identity, not the address it listens on.
            base = grpc.secure_channel(address, credentials, options=[("grpc.ssl_target_name_override", service_identity)])
        if not token:
            return base
        return grpc.intercept_channel(base, _TokenInterceptor(token))

    consent = consent_grpc.ConsentServiceStub(channel(args.consent, args.consent_token, "consent-service"))
    signal = signal_grpc.SignalServiceStub(channel(args.signal, args.signal_token, "signal-service"))
    ranking = ranking_grpc.RankingServiceStub(channel(args.ranking, args.ranking_token, "ranking-service"))

    settings = consent.GetSettings(consent_pb2.GetSettingsRequest(user_id=args.user), timeout=DEADLINE_S).settings
    settings = consent.UpdateSettings(
        consent_pb2.UpdateSettingsRequest(
            user_id=args.user,
            settings=consent_pb2.Settings(region="US", age_band=consent_pb2.AGE_BAND_ADULT),
            update_mask=field_mask_pb2.FieldMask(paths=["region", "age_band"]),
            expected_version=settings.version,
        ),
        timeout=DEADLINE_S,
    ).settings
    for surface, account in ((common_pb2.SURFACE_MESSENGER, "msgr"), (common_pb2.SURFACE_INSTAGRAM, "insta")):
        consent.LinkAccount(
            consent_pb2.LinkAccountRequest(user_id=args.user, surface=surface, account_id=f"{account}-{args.user}"),
            timeout=DEADLINE_S,
        )
    print(f"settings for {args.user}: region={settings.region} version={settings.version}; Messenger and Instagram linked")

    if args.invalid_example:
        try:
            signal.IngestInteraction(
                signal_pb2.IngestInteractionRequest(
                    interaction=signal_pb2.Interaction(
                        interaction_id=f"py-{args.user}-invalid",
                        surface=common_pb2.SURFACE_MESSENGER,
                        modality=common_pb2.MODALITY_TEXT,
                        text="no user id",
                        event_time=now_timestamp(),
                    )
                ),
                timeout=DEADLINE_S,
            )
            print("invalid example: accepted, expected INVALID_ARGUMENT", file=sys.stderr)
            return 1
        except grpc.RpcError as error:
            print(f"invalid example: {describe(error)}")
            if error.code() != grpc.StatusCode.INVALID_ARGUMENT or not field_violations(error):
                return 1

    event_time = now_timestamp()
    result = signal.IngestInteraction(
        signal_pb2.IngestInteractionRequest(
            interaction=signal_pb2.Interaction(
                interaction_id=f"py-{args.user}-1",
                user_id=args.user,
                surface=common_pb2.SURFACE_MESSENGER,
                modality=common_pb2.MODALITY_TEXT,
                text="I've started rock climbing at the gym and want to try outdoor climbing routes",
                event_time=event_time,
            )
        ),
        timeout=DEADLINE_S,
    )
    topics = sorted({s.topic.name for s in result.signals})
    print(f"ingest: {signal_pb2.IngestStatus.Name(result.status)} topics={topics}")
    if result.status != signal_pb2.INGEST_STATUS_ACCEPTED:
        return 1

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = ranking.Recommend(
            ranking_pb2.RecommendRequest(user_id=args.user, surface=common_pb2.SURFACE_INSTAGRAM, limit=10),
            timeout=DEADLINE_S,
        )
        reasons = {r.topic.name for item in response.items for r in item.reasons}
        if response.personalized and any("Climbing" in name for name in reasons):
            print(f"recommend on Instagram: personalized, {len(response.items)} items, reasons include {sorted(reasons)}")
            return 0
        time.sleep(0.5)
    print("recommend never reflected the climbing interest", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
