#!/usr/bin/env bash
# Regenerates the gRPC API artefacts from protos/:
#   libs/proto/src/generated/**        TypeScript (ts-proto, grpc-js), see buf.gen.yaml
#   libs/proto/src/descriptor-set.binpb FileDescriptorSet with imports, for server reflection
# after checking formatting and lint. Deterministic: running it twice changes nothing.
#
# Usage: bash tools/proto-generate.sh [--check]
#   --check  also fail if regeneration leaves protos/, libs/proto/ or the buf
#            configuration different from what git has (uncommitted or untracked changes).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=false
for arg in "$@"; do
  case "$arg" in
    --check) check=true ;;
    *) echo "proto-generate: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

BUF=./node_modules/.bin/buf
if [ ! -x "$BUF" ]; then
  echo "proto-generate: $BUF not found; run npm install first" >&2
  exit 1
fi
if [ ! -x ./node_modules/.bin/protoc-gen-ts_proto ]; then
  echo "proto-generate: ./node_modules/.bin/protoc-gen-ts_proto not found; run npm install first" >&2
  exit 1
fi

echo "proto-generate: buf format check"
if ! "$BUF" format --diff --exit-code; then
  echo "proto-generate: protos are not formatted; run: npx buf format -w" >&2
  exit 1
fi

echo "proto-generate: buf lint"
"$BUF" lint

echo "proto-generate: buf generate -> libs/proto/src/generated"
"$BUF" generate

echo "proto-generate: buf build -> libs/proto/src/descriptor-set.binpb"
"$BUF" build -o libs/proto/src/descriptor-set.binpb

# grpc.health.v1 comes from the pinned grpc-health-check package; its descriptor is built with
# buf too, because protobufjs's re-encoding of it (map entries) is rejected by grpcurl.
echo "proto-generate: buf build grpc-health-check proto -> libs/proto/src/health-descriptor-set.binpb"
"$BUF" build node_modules/grpc-health-check/proto -o libs/proto/src/health-descriptor-set.binpb

if [ "$check" = true ]; then
  changes="$(git status --porcelain -- protos libs/proto buf.yaml buf.gen.yaml)"
  if [ -n "$changes" ]; then
    echo "proto-generate: generated code differs from the committed tree:" >&2
    echo "$changes" >&2
    echo "proto-generate: run bash tools/proto-generate.sh and commit the result" >&2
    exit 1
  fi
  echo "proto-generate: generated code is up to date"
fi
