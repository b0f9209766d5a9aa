#!/usr/bin/env bash
# Builds the libFuzzer target fuzz/request_fuzz.cc (clang, ASan + UBSan) in
# build-fuzz and runs it for N seconds (default 30) over a copy of
# fuzz/corpus, so the checked-in seeds never change.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# Exits 0 when the run found nothing; 1 when the fuzzer found a crash, leak,
# timeout, out-of-memory or sanitizer report, keeping the reproducer in
# build-fuzz/findings/ (replay it with build-fuzz/fuzz/request_fuzz FILE, and
# REQUEST_FUZZ_VERBOSE=1 to see the responses); another non-zero code when
# the configure or build failed; 77 when clang++-14 is missing, which CTest
# maps to "skipped" with SKIP_RETURN_CODE 77.
# Environment: CXX (default clang++-14), JOBS (build parallelism, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "usage: $0 [SECONDS] [libFuzzer flags...]" >&2
  exit 2
fi

cxx="${CXX:-clang++-14}"
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz.sh: $cxx not found; skipping" >&2
  exit 77
fi

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DTRAINYARD_FUZZ=ON \
      -DTRAINYARD_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target request_fuzz -j"${JOBS:-1}"

work="$(mktemp -d "${TMPDIR:-/tmp}/trainyard-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R fuzz/corpus "$work/corpus"
# A dictionary of the service model's member names and enum values, quoted
# as they appear in JSON, so mutations build requests the validator walks
# deep into. Taken from the generated tables each run, so it never goes stale.
shapes=src/model/generated/sagemaker_shapes.cc
{
  sed -n 's/^ *{"\([A-Za-z0-9]*\)", "[A-Za-z0-9]*", -\{0,1\}[0-9]*, \(true\|false\)},.*/"\\"\1\\""/p' "$shapes"
  sed -n '/kEnumValues\[\] = {/,/^};/p' "$shapes" | grep -o '"[^"]*"' | sed 's/^"\(.*\)"$/"\\"\1\\""/'
  printf '%s\n' '"true"' '"false"' '"null"' '"{}"' '"[]"' '"\\u0000"' '"\\ud800"' '"s3://"' \
    '"file:///"' '"fuzz-job"' '"arn:aws:sagemaker:us-east-1:000000000000:training-job/fuzz-job"' \
    '"arn:aws:iam::123456789012:role/r"' '"1e308"' '"-1"' '"2147483648"'
} | sort -u > "$work/request.dict"

findings="$build/findings"
mkdir -p "$findings"

# -timeout: one input over 5 s is a hang; -rss_limit_mb: a leak or a blow-up.
# libFuzzer exits non-zero on any finding and writes the input to
# -artifact_prefix.
# Its own exit codes (77 for a crash by default) are folded into 1, so that
# 77 keeps meaning "skipped".
status=0
"$build/fuzz/request_fuzz" "$work/corpus" \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -dict="$work/request.dict" -artifact_prefix="$findings/" -print_final_stats=1 "$@" \
    || status=$?
if (( status != 0 )); then
  echo "fuzz.sh: the fuzzer found a problem (libFuzzer exit $status); reproducer in $findings/" >&2
  exit 1
fi
