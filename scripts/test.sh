#!/usr/bin/env bash
# Sets up a fresh machine, builds trainyard and runs every test (unit, integration
# and end-to-end with the real AWS CLI and boto3) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j2 --timeout 900 "$@"
