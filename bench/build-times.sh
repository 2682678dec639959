#!/usr/bin/env bash
# Measures the clean build (no ccache: the cold case a fresh machine sees) and the rebuild after one
# .cpp file changes, in a scratch build folder. Takes several minutes; not part of `make bench`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export CCACHE_DISABLE=1
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
start=$(date +%s%N)
cmake --build "$dir" -j "$(nproc)" >/dev/null
clean=$(( ($(date +%s%N) - start) / 1000000 ))
touch "$root/pipelines/convert.cpp"
start=$(date +%s%N)
cmake --build "$dir" -j "$(nproc)" >/dev/null
one=$(( ($(date +%s%N) - start) / 1000000 ))
touch "$root/models/runtime.cpp"
start=$(date +%s%N)
cmake --build "$dir" -j "$(nproc)" >/dev/null
torch_one=$(( ($(date +%s%N) - start) / 1000000 ))
echo "clean build (no ccache, $(nproc) cores): $((clean / 1000)) s"
echo "rebuild after touching pipelines/convert.cpp: $((one / 1000)) s"
echo "rebuild after touching models/runtime.cpp (torch, PCH): $((torch_one / 1000)) s"
