#!/usr/bin/env bash
# bench/checkpoint/run.sh: checkpoint transfers against one s3rver. See
# bench/checkpoint/README.md.
#
#   bench/checkpoint/run.sh                     # build, measure everything, print the summary
#   bench/checkpoint/run.sh --skip ddp          # any bench_checkpoint.py option
#
# Environment (all optional):
#   BUILD_DIR=build-bench   where checkpoint_bench and trainyard are built (-j1)
#   BENCH_BIN=, TRAINYARD_BIN=   use existing binaries instead of building
#
# Needs scripts/setup.sh's s3rver (tools/s3rver/node_modules), pyenv's python3
# (boto3, aws CLI v1), /usr/bin/python3 with torch (pytorch-ddp), curl; installs
# s3cmd with apt-get when it is missing. Starts s3rver on a free port with its
# data in a temp dir; stops it and removes the dir on exit, whatever happens.
# Writes bench/out/checkpoint-<UTC date>.json. About 12 minutes on 2 cores.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/checkpoint"
BUILD_DIR=${BUILD_DIR:-build-bench}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT_JSON="$ROOT/bench/out/checkpoint-$STAMP.json"
WORK=$(mktemp -d /tmp/trainyard-bench-checkpoint.XXXXXX)

S3RVER_PID='' BENCH_PID=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$BENCH_PID" ]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [ -n "$S3RVER_PID" ]; then
    kill "$S3RVER_PID" 2>/dev/null || true
    wait "$S3RVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# quietly CMD ARGS...: runs a build step, showing its output only if it fails.
quietly() {
  "$@" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; log "failed: $*"; exit 1; }
}

# --- prerequisites -------------------------------------------------------------
cd "$ROOT"
S3RVER_JS="$ROOT/tools/s3rver/node_modules/s3rver/bin/s3rver.js"
[ -f "$S3RVER_JS" ] || { log "s3rver is missing ($S3RVER_JS): run scripts/setup.sh"; exit 1; }
if ! command -v s3cmd >/dev/null; then
  log "installing s3cmd (apt-get)"
  quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 s3cmd
fi

if [ -z "${BENCH_BIN:-}" ] || [ -z "${TRAINYARD_BIN:-}" ]; then
  log "building checkpoint_bench and trainyard in $BUILD_DIR (-j1)"
  quietly cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTRAINYARD_BUILD_BENCH=ON -DTRAINYARD_FUZZ=OFF
  quietly cmake --build "$BUILD_DIR" -j1 --target checkpoint_bench trainyard trainyard-agent
fi
BENCH_BIN=${BENCH_BIN:-$ROOT/$BUILD_DIR/bench/checkpoint/checkpoint_bench}
TRAINYARD_BIN=${TRAINYARD_BIN:-$ROOT/$BUILD_DIR/trainyard}

# --- s3rver ---------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/s3rver" "$ROOT/bench/out"
# --openssl-legacy-provider: s3rver's paged listings need DES (see tests/s3/s3_servers.py).
node --openssl-legacy-provider "$S3RVER_JS" -d "$WORK/s3rver" -a 127.0.0.1 -p "$PORT" --silent \
  >"$WORK/s3rver.log" 2>&1 &
S3RVER_PID=$!
ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 300); do
  curl -s -o /dev/null "$ENDPOINT/" && break
  kill -0 "$S3RVER_PID" 2>/dev/null || { log "s3rver exited:"; cat "$WORK/s3rver.log" >&2; exit 1; }
  sleep 0.1
done
curl -s -o /dev/null "$ENDPOINT/" || { log "s3rver did not start"; exit 1; }
log "s3rver $ENDPOINT (pid $S3RVER_PID), data in $WORK/s3rver"

# --- measuring --------------------------------------------------------------------
# In the background, so that a signal reaches the trap without waiting for it.
python3 "$HERE/bench_checkpoint.py" --bench-bin "$BENCH_BIN" --trainyard-bin "$TRAINYARD_BIN" \
  --endpoint "$ENDPOINT" --s3rver-pid "$S3RVER_PID" --work "$WORK" --out "$OUT_JSON" "$@" &
BENCH_PID=$!
rc=0
wait "$BENCH_PID" || rc=$?
BENCH_PID=''
log "raw results: $OUT_JSON"
exit "$rc"
