#!/usr/bin/env bash
# bench/start: Create -> training-process-running latency of hello jobs on 1 and
# 4 instances, and an idle agent's resident memory. See bench/start/README.md.
#
#   bench/start/run.sh                    # builds build-benchstart/trainyard (-j1), 50 jobs per count
#   bench/start/run.sh --jobs 10          # arguments go to bench_start.py
#   TRAINYARD_BIN=build/trainyard bench/start/run.sh   # use an existing binary, no build
#   WHAT_IF_NODELAY=1 bench/start/run.sh  # what-if: TCP_NODELAY on every socket (LD_PRELOAD shim)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -z "${TRAINYARD_BIN:-}" ]]; then
  BUILD_DIR="${BUILD_DIR:-build-benchstart}"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target trainyard -j"${JOBS:-1}" >/dev/null
  export TRAINYARD_BIN="$PWD/$BUILD_DIR/trainyard"
fi

if [[ "${WHAT_IF_NODELAY:-0}" == 1 ]]; then
  SHIM_DIR="${BUILD_DIR:-build-benchstart}"
  mkdir -p "$SHIM_DIR"
  cc -shared -fPIC -O2 -o "$SHIM_DIR/tcp_nodelay_preload.so" bench/start/tcp_nodelay_preload.c -ldl
  export LD_PRELOAD="$PWD/$SHIM_DIR/tcp_nodelay_preload.so"
fi

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/trainyard-bench-start-XXXXXX")"
BENCH_PID=""
cleanup() {
  status=$?
  trap - EXIT INT TERM
  if [[ -n "$BENCH_PID" ]] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true   # it stops its server and kills its agents
    for _ in $(seq 50); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BENCH_PID" 2>/dev/null || true
  fi
  python3 bench/start/bench_start.py --cleanup "$STATE_DIR" || true   # leftovers, if any
  rm -rf "$STATE_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 bench/start/bench_start.py --state-dir "$STATE_DIR" "$@" &
BENCH_PID=$!
wait "$BENCH_PID"
