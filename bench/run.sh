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
