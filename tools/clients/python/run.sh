#!/usr/bin/env bash
# Runs a Python client of Signalpath: a virtualenv with grpcio, grpcio-status and
# googleapis-common-protos (from PyPI) in .tools/venv-<hash of requirements.txt>, and stubs generated
# from protos/signalpath with grpcio-tools into a temporary directory (google.rpc's come from
# googleapis-common-protos, so the vendored protos/google is only an import path here).
# One virtualenv per requirements set and stubs per run: checkouts sharing .tools never rebuild
# each other's environment or overwrite each other's stubs mid-run.
# Usage: bash tools/clients/python/run.sh <script.py> [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$root/tools/clients/python"
venv="$root/.tools/venv-$(sha256sum "$here/requirements.txt" | cut -c1-12)"

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements.txt"; then
  echo "[python] creating $venv (grpcio, grpcio-tools, grpcio-status)…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.requirements.txt"
fi

stubs="$(mktemp -d)"
trap 'rm -rf "$stubs"' EXIT
wkt="$("$venv/bin/python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
(cd "$root/protos" && "$venv/bin/python" -m grpc_tools.protoc -I . -I "$wkt" \
  --python_out="$stubs" --grpc_python_out="$stubs" $(find signalpath -name '*.proto' | sort))

PYTHONPATH="$stubs:$here" "$venv/bin/python" "$@"
