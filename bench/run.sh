#!/usr/bin/env bash
# `make bench`: every benchmark program, each printing ratios against a baseline measured in the same
# run. Results are copied by hand into docs/benchmarks.md with the date and the machine.
set -euo pipefail
build=${1:-build}
echo "== runtime: threads and BLAS"
"$build/bench/bench_runtime"
echo "== world: ShapeWorld rendering and the streaming dataset"
"$build/bench/bench_world"
echo "== token generators: KV cache, speculative decoding, MaskGIT vs AR, holdout accuracy"
"$build/bench/bench_tokens"
echo "== diffusion: samplers (pass rate, seconds per picture), inpainting MaskGIT vs diffusion"
bench/bench_diffusion.sh "$build"
echo "== upscalers: parity and speed against UpscalerJS (TF.js WASM in Node), whole process, GFLOP/s"
[ -d bench/upscalerjs/node_modules/pngjs ] || npm ci --prefix bench/upscalerjs --no-audit --no-fund
photos="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/eval/photos"
[ -f "$photos/baboon.jpg" ] || scripts/fetch-eval-data.sh
"$build/bench/bench_upscalerjs" "$photos/baboon.jpg" 64
echo "== frame interpolation: quality protocol, then whole process against FFmpeg's minterpolate"
"$build/studio/jielong" eval-interpolate
bench/bench_interpolate.sh "$build"
