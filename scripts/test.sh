#!/usr/bin/env bash
# Sets up a fresh machine, builds trainyard and runs every test (unit, integration
# and end-to-end with the real AWS CLI and boto3) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# The fuzz target (clang, sanitizers) is built here, with every core, so that
# its CTest test only fuzzes; fuzz.sh skips it (exit 77) where clang is missing.
if command -v clang++-14 >/dev/null; then
  cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DTRAINYARD_FUZZ=ON -DTRAINYARD_BUILD_TESTS=OFF >/dev/null
  cmake --build build-fuzz --target request_fuzz -j"$(nproc)"
fi
ctest --test-dir build --output-on-failure -j2 --timeout 900 "$@"
