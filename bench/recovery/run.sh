#!/usr/bin/env bash
# bench/recovery: detection latency, restart overhead and steps lost for real
# faults (killed training process, killed agent, cut network link) on a
# two-instance pytorch-ddp job. See bench/recovery/README.md.
#
#   bench/recovery/run.sh                       # builds build-bench-recovery (-j1), 20 faults of each kind
#   bench/recovery/run.sh --faults 5 --kinds process
#   TRAINYARD_BIN=build/trainyard bench/recovery/run.sh   # an existing binary, no build
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z "${TRAINYARD_BIN:-}" ]]; then
  BUILD_DIR="${BUILD_DIR:-build-bench-recovery}"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTRAINYARD_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target trainyard -j"${JOBS:-1}" >/dev/null
  export TRAINYARD_BIN="$PWD/$BUILD_DIR/trainyard"
fi
export TRAINYARD_SOURCE_DIR="$PWD"
mkdir -p bench/out
exec python3 bench/recovery/bench_recovery.py "$@"
