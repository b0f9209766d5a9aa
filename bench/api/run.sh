#!/usr/bin/env bash
# bench/api/run.sh: DescribeTrainingJob and ListTrainingJobs against trainyard
# and moto_server side by side, each holding the same 10,000 jobs.
#
#   bench/api/run.sh                      # build, seed, measure, print the table
#
# Environment (all optional):
#   JOBS=10000        jobs to store on each server
#   DURATION=10       seconds per measured run
#   CLIENT=httplib    api_load's HTTP client (httplib or curl)
#   TRAINYARD_BIN=    a trainyard binary to measure instead of building one
#   BUILD_DIR=build-bench   where trainyard (and api_load) are built
#
# Writes the raw results to bench/out/api-<UTC date>.json and prints a
# Markdown table. Both servers are stopped on exit, whatever happens.
# Runs take about 5 minutes on 2 cores (seeding moto is the slow part).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/api"
JOBS=${JOBS:-10000}
DURATION=${DURATION:-10}
CLIENT=${CLIENT:-httplib}
BUILD_DIR=${BUILD_DIR:-build-bench}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT_JSON="$ROOT/bench/out/api-$STAMP.json"
WORK=$(mktemp -d /tmp/trainyard-bench-api.XXXXXX)
# Both servers accept these (moto checks no signature by default; trainyard does).
export AWS_ACCESS_KEY_ID=AKIDBENCHAPI AWS_SECRET_ACCESS_KEY=bench-api-secret-key
unset AWS_SESSION_TOKEN AWS_PROFILE

TRAINYARD_PID='' MOTO_PID='' LOAD_PID=''
cleanup() {
  local rc=$?
  for pid in $LOAD_PID $TRAINYARD_PID $MOTO_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $LOAD_PID $TRAINYARD_PID $MOTO_PID; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# quietly CMD ARGS...: runs a build step, showing its output only if it fails.
quietly() {
  "$@" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; log "failed: $*"; exit 1; }
}

# --- build --------------------------------------------------------------------
cd "$ROOT"
PREBUILT=${TRAINYARD_BIN:+--prebuilt}
if grep -q 'bench/api' CMakeLists.txt; then
  log "building trainyard and api_load in $BUILD_DIR"
  quietly cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTRAINYARD_BUILD_BENCH=ON
  targets=(api_load)
  [ -z "$PREBUILT" ] && targets+=(trainyard)
  quietly cmake --build "$BUILD_DIR" --target "${targets[@]}" -j1
  API_LOAD="$ROOT/$BUILD_DIR/bench/api/api_load"
else  # the top level does not add bench/api (yet): build it on its own
  log "building api_load in $BUILD_DIR-api"
  quietly cmake -S bench/api -B "$BUILD_DIR-api" -DCMAKE_BUILD_TYPE=Release
  quietly cmake --build "$BUILD_DIR-api" --target api_load -j1
  API_LOAD="$ROOT/$BUILD_DIR-api/api_load"
  if [ -z "$PREBUILT" ]; then
    log "building trainyard in $BUILD_DIR"
    quietly cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
    quietly cmake --build "$BUILD_DIR" --target trainyard -j1
  fi
fi
TRAINYARD_BIN=${TRAINYARD_BIN:-$ROOT/$BUILD_DIR/trainyard}

python3 "$HERE/make_workloads.py" "$WORK/workloads" --jobs "$JOBS"

# --- servers ------------------------------------------------------------------
# trainyard now launches a local instance for every job it accepts. To store
# 10,000 jobs without starting 10,000 training programs, the state directory
# gets a plain file where the instances directory would go: each job then fails
# at launch ("creating .../instances/<job>/algo-1: Not a directory") and stays
# stored as Failed, having started nothing. moto never runs anything.
mkdir -p "$WORK/trainyard-state" "$ROOT/bench/out"
touch "$WORK/trainyard-state/instances"
"$TRAINYARD_BIN" server --listen 127.0.0.1:0 --state-dir "$WORK/trainyard-state" \
  >"$WORK/trainyard.out" 2>"$WORK/trainyard.err" &
TRAINYARD_PID=$!
TRAINYARD_URL=
for _ in $(seq 300); do
  TRAINYARD_URL=$(head -1 "$WORK/trainyard.out" 2>/dev/null | grep -o 'http://[0-9.]*:[0-9]*' || true)
  [ -n "$TRAINYARD_URL" ] && break
  kill -0 "$TRAINYARD_PID" 2>/dev/null || { log "trainyard exited:"; cat "$WORK/trainyard.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$TRAINYARD_URL" ] || { log "trainyard did not start"; exit 1; }
log "trainyard $TRAINYARD_URL (pid $TRAINYARD_PID)"

# moto_server cannot listen on port 0: ask the kernel for a free port first.
MOTO_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!  # the pyenv shim execs, so this is the Python process
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
for _ in $(seq 300); do
  curl -sf "$MOTO_URL/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$MOTO_PID" 2>/dev/null || { log "moto_server exited:"; cat "$WORK/moto.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$MOTO_URL/moto-api/" >/dev/null || { log "moto_server did not start"; exit 1; }
log "moto_server $MOTO_URL (pid $MOTO_PID)"

# --- measuring ----------------------------------------------------------------
server_url() { if [ "$1" = trainyard ]; then echo "$TRAINYARD_URL"; else echo "$MOTO_URL"; fi; }
server_pid() { if [ "$1" = trainyard ]; then echo "$TRAINYARD_PID"; else echo "$MOTO_PID"; fi; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# run SERVER PHASE WORKLOAD CONCURRENCY api_load-args...: one api_load run, its
# JSON (plus server CPU and load average) appended to $WORK/results.jsonl.
# A run with errors is recorded as such and does not stop the benchmark.
run() {
  local server=$1 phase=$2 workload=$3 concurrency=$4
  shift 4
  local pid cpu0 cpu1 load0 load1 rc=0
  pid=$(server_pid "$server")
  load0=$(cut -d' ' -f1 /proc/loadavg)
  cpu0=$(cpu_ms "$pid")
  # In the background, so that a signal reaches the trap without waiting for it.
  "$API_LOAD" --endpoint "$(server_url "$server")" --workload "$WORK/workloads/$workload.jsonl" \
    --concurrency "$concurrency" --client "$CLIENT" --label "$server $phase $workload" "$@" \
    >"$WORK/run.json" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=''
  cpu1=$(cpu_ms "$pid")
  load1=$(cut -d' ' -f1 /proc/loadavg)
  if [ ! -s "$WORK/run.json" ]; then
    log "api_load failed (exit $rc) on $server $workload"
    exit 1
  fi
  python3 - "$WORK/run.json" "$server" "$phase" "$workload" "$((cpu1 - cpu0))" "$load0" "$load1" \
    >>"$WORK/results.jsonl" <<'EOF'
import json, sys
path, server, phase, workload, cpu_ms, load0, load1 = sys.argv[1:]
run = json.load(open(path))
run.update(server=server, phase=phase, workload=workload, server_cpu_ms=int(cpu_ms),
           server_cpu_ms_per_request=int(cpu_ms) / run["requests"] if run["requests"] else None,
           loadavg_1m_before=float(load0), loadavg_1m_after=float(load1))
print(json.dumps(run))
EOF
  python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print("[%s] %-9s %-6s %-11s c=%-2d %8.1f req/s  p50 %7.3f ms  p99 %8.3f ms  errors %d" % (__import__("time").strftime("%H:%M:%S"), r["server"], r["phase"], r["workload"], r["concurrency"], r["throughput"], r["p50_ms"], r["p99_ms"], r["errors"]))' "$WORK/results.jsonl" >&2
}

# Seeding: the same CreateTrainingJob requests, each sent once, one server at a time.
for server in trainyard moto; do
  log "seeding $server with $JOBS jobs"
  run "$server" seed create 8 --once
done

# Warm-up (not reported): a few seconds of each operation on each server.
for server in trainyard moto; do
  run "$server" warmup describe 4 --duration 3
  run "$server" warmup list 4 --duration 2
done

# Measured runs, trainyard and moto alternating so both see the same background load.
cases=("describe 1" "describe 4" "describe 16" "list 4" "list_filter 4" "list_pages 4")
for c in "${cases[@]}"; do
  read -r workload concurrency <<<"$c"
  for server in trainyard moto; do
    run "$server" measure "$workload" "$concurrency" --duration "$DURATION"
  done
done

# --- report -------------------------------------------------------------------
python3 "$HERE/report.py" "$WORK/results.jsonl" "$OUT_JSON" \
  --trainyard-bin "$TRAINYARD_BIN" ${PREBUILT:+"$PREBUILT"} --jobs "$JOBS" --client "$CLIENT" --duration "$DURATION"
log "raw results: $OUT_JSON"
