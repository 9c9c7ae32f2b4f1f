#!/usr/bin/env bash
# Runs a Python client of Signalpath: a virtualenv with grpcio (from PyPI) in .tools/venv, and
# stubs generated from protos/ with grpcio-tools into .tools/python-stubs (both git-ignored).
# Usage: bash tools/clients/python/run.sh <script.py> [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
venv="$root/.tools/venv"
stubs="$root/.tools/python-stubs"
here="$root/tools/clients/python"

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements.txt"; then
  echo "[python] creating $venv (grpcio, grpcio-tools)…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.requirements.txt"
fi

rm -rf "$stubs" && mkdir -p "$stubs"
wkt="$("$venv/bin/python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
(cd "$root/protos" && "$venv/bin/python" -m grpc_tools.protoc -I . -I "$wkt" \
  --python_out="$stubs" --grpc_python_out="$stubs" $(find signalpath -name '*.proto' | sort))

PYTHONPATH="$stubs" exec "$venv/bin/python" "$@"
