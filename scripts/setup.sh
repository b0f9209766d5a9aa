#!/usr/bin/env bash
# Installs every Debian package that trainyard's build, tests and examples need.
# Idempotent: packages already present are left alone; safe to run on every CI start.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  # libraries (each wrapped by one adapter in src/)
  libcpp-httplib-dev      # HTTP server and agent client (src/api, src/agent)
  nlohmann-json3-dev      # JSON (src/common/json.*)
  libsqlite3-dev          # job store (src/store)
  libssl-dev              # SHA-256/HMAC for SigV4 verification, TLS
  libcurl4-openssl-dev    # CLI client with CURLOPT_AWS_SIGV4
  libcli11-dev            # command line parsing (src/cli)
  libarchive-dev          # model.tar.gz / output.tar.gz and source tarballs (src/storage)
  libexpat1-dev           # S3 XML replies (src/storage/xml_tree.*)
  libgloo-dev             # collective check before training: Gloo allreduce over TCP (src/collective)
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev   # libFuzzer target for request parsing
  # examples and end-to-end tests
  python3-torch           # examples/pytorch-ddp, run with /usr/bin/python3
  python3-boto3           # an old client (botocore 1.29) for the compatibility test
  iproute2 procps
  nodejs                  # s3rver, the S3 fake of the storage tests (tools/s3rver)
)
# Debian's npm, unless an npm came with the installed nodejs (NodeSource's
# nodejs bundles it and conflicts with Debian's npm package).
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all packages present"

# s3rver at the version pinned in tools/s3rver/package-lock.json (for the
# CTest fixture s3servers, tests/s3/s3_servers.py).
(cd "$(dirname "$0")/../tools/s3rver" && npm ci --no-audit --no-fund --loglevel=error)
echo "setup: s3rver installed"
