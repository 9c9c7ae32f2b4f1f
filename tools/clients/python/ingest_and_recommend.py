"""A Python client of Signalpath, with stubs generated from protos/ by grpcio-tools.

It sets a user's region and age, links Messenger and Instagram, tells the assistant about rock
climbing on Messenger, and asks RankingService for recommendations on Instagram until the
climbing interest shows up. Exits non-zero if it never does.

Usage: bash tools/clients/python/run.sh tools/clients/python/ingest_and_recommend.py \
         --consent 127.0.0.1:50051 --signal 127.0.0.1:50052 --ranking 127.0.0.1:50054 --user py-user-1
"""

import argparse
import datetime
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

DEADLINE_S = 5.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--consent", default="127.0.0.1:50051")
    parser.add_argument("--signal", default="127.0.0.1:50052")
    parser.add_argument("--ranking", default="127.0.0.1:50054")
    parser.add_argument("--user", default="py-user-1")
    args = parser.parse_args()

    consent = consent_grpc.ConsentServiceStub(grpc.insecure_channel(args.consent))
    signal = signal_grpc.SignalServiceStub(grpc.insecure_channel(args.signal))
    ranking = ranking_grpc.RankingServiceStub(grpc.insecure_channel(args.ranking))

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

    event_time = timestamp_pb2.Timestamp()
    event_time.FromDatetime(datetime.datetime.now(datetime.timezone.utc))
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
