#!/usr/bin/env bash
# Installs every Debian package that Jielong Studio's build, tests, demo and benchmarks need, then
# checks that libtorch's matrix multiply runs on OpenBLAS (Debian's libtorch otherwise falls back to
# reference BLAS, about 30x slower). Idempotent: apt-get runs only when something is missing.
#   scripts/install-deps.sh           what the build, tests, demo and benchmarks need
#   scripts/install-deps.sh --slurm   also Slurm and munge, for `make slurm-test` (docs/batch.md)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libtorch and a threaded BLAS for it; the BLAS headers for the TF.js models' own convolutions
  libtorch-dev libopenblas0-pthread libblas-dev
  # media: OpenCV for images, FFmpeg libraries for video and audio, libpng for text chunks
  libopencv-dev libpng-dev zlib1g-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  # the ffmpeg program: the baseline frame interpolation (minterpolate) the benchmarks measure against
  ffmpeg
  # speech: the voices the speech data is spoken in, and the recognizer that judges speech
  festival festvox-us-slt-hts festvox-kallpc16k flite libpocketsphinx-dev pocketsphinx-en-us
  # GUI
  libimgui-dev libglfw3-dev libgl-dev
  # GUI tests: a virtual X server with software OpenGL (Mesa llvmpipe) and real X input events
  xvfb xdotool libgl1-mesa-dri libglx-mesa0
  # command line, JSON, tests; bc and jq for the benchmark scripts' arithmetic and JSON
  libcli11-dev nlohmann-json3-dev catch2 bc jq
)

# npm fetches the UpscalerJS models (scripts/fetch-upscalerjs.sh); Debian's npm only where none is installed.
command -v npm >/dev/null || packages+=(npm)
if [[ "${1:-}" == "--slurm" ]]; then
  packages+=(slurm-wlm munge)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

# The pretrained UpscalerJS ESRGAN models (npm), into the models cache; nothing when they are there.
here=$(cd "$(dirname "$0")" && pwd)
"$here/fetch-upscalerjs.sh" >/dev/null

# Debian's libtorch links libblas.so.3 through the alternatives system; make sure it resolves to
# OpenBLAS (pthread build) and not to the reference implementation.
exec "$here/check-blas.sh"
