#!/usr/bin/env bash
# Sets up a fresh machine, builds trainyard and runs the main job: the PyTorch
# DDP example on two local instances through `trainyard run` (embedded server,
# checkpoints and model in local folders).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target trainyard
exec ./build/trainyard run examples/pytorch-ddp/job.json "$@"
