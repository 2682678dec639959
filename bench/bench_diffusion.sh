#!/usr/bin/env bash
# The diffusion sampler table of docs/benchmarks.md: pass rate on the first COUNT holdout prompts and
# seconds per picture for each sampler and step count, with the same shipped model, in one run, so
# that "DDIM-20 vs DDPM-1000" is a ratio measured together. Then the inpainting benchmark for MaskGIT
# and diffusion side by side.
#   bench/bench_diffusion.sh [BUILD_DIR] [COUNT] [DDPM_COUNT] [INPAINT_COUNT]
# DDPM-1000 costs 50x DDIM-20, so it runs on the first DDPM_COUNT prompts (default 100) and the
# others are reported on both COUNT and DDPM_COUNT prompts for a like-for-like comparison. A count of
# 0 skips its part (DDPM_COUNT: DDPM-1000 with DDIM-20 beside it; COUNT: the samplers on COUNT
# prompts; INPAINT_COUNT: inpainting), so the parts can run side by side on two cores. Inpainting
# runs at the defaults of `jielong inpaint` (strength 1, mask blur 2; diffusion_inpaint when shipped).
# JL_THREADS=N sets --threads (use 1 while other jobs share the cores: busy cores stall every
# multi-threaded op).
set -euo pipefail
build=${1:-build}
count=${2:-500}
ddpm_count=${3:-100}
inpaint_count=${4:-200}
jielong="$build/studio/jielong"

row() {  # label count flags...
  local label=$1 n=$2; shift 2
  local json
  json=$("$jielong" --quiet --json ${JL_THREADS:+--threads "$JL_THREADS"} holdout txt2img --method diffusion --count "$n" "$@" | tail -1)
  python3 - "$label" "$n" "$json" <<'PY'
import json, sys
label, n, r = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
print(f"| {label} | {n} | {100 * r['accuracy']:.1f}% | {100 * r['one_object']['accuracy']:.1f}% | "
      f"{100 * r['two_object']['accuracy']:.1f}% | {r['seconds'] / n:.3f} |")
PY
}

if [[ "$count" -gt 0 || "$ddpm_count" -gt 0 ]]; then
  echo "| sampler | prompts | pass | one object | two objects | s / picture |"
  echo "|---|---|---|---|---|---|"
fi
if [[ "$ddpm_count" -gt 0 ]]; then
  row "DDPM-1000" "$ddpm_count" --sampler ddpm --steps 1000
  row "DDIM-20" "$ddpm_count" --sampler ddim --steps 20
fi
if [[ "$count" -gt 0 ]]; then
  row "DDIM-20" "$count" --sampler ddim --steps 20
  row "DDIM-50" "$count" --sampler ddim --steps 50
  row "DDIM-10" "$count" --sampler ddim --steps 10
  row "Euler a-20" "$count" --sampler euler_a --steps 20
  row "DPM++ 2M-20" "$count" --sampler dpmpp_2m --steps 20
  row "DPM++ 2M-10" "$count" --sampler dpmpp_2m --steps 10
  echo
fi
[[ "$inpaint_count" -gt 0 ]] || exit 0

echo "| inpainting ($inpaint_count holdout scenes) | pass | one object | two objects | PSNR outside the mask (mean / lowest) | s / picture |"
echo "|---|---|---|---|---|---|"
inpaint_row() {  # label flags...
  local label=$1; shift
  local json
  json=$("$jielong" --quiet --json ${JL_THREADS:+--threads "$JL_THREADS"} holdout inpaint --count "$inpaint_count" "$@" | tail -1)
  python3 - "$label" "$json" <<'PY'
import json, sys
m, r = sys.argv[1], json.loads(sys.argv[2])
print(f"| {m} | {100 * r['accuracy']:.1f}% | {100 * r['one_object']['accuracy']:.1f}% | "
      f"{100 * r['two_object']['accuracy']:.1f}% | {r['psnr_outside_mask']:.2f} / {r['min_psnr_outside_mask']:.2f} dB | "
      f"{r['seconds'] / r['count']:.3f} |")
PY
}
inpaint_row "MaskGIT-8" --method maskgit
inpaint_row "diffusion, DPM++ 2M-20" --method diffusion
# The text-to-image denoiser with its known latents put back at every step: what the inpainting model adds.
inpaint_row "diffusion, text-to-image model (known latents put back)" --method diffusion --model diffusion
