#!/usr/bin/env bash
# The pretrained ESRGAN upscalers of UpscalerJS (MIT), from npm: @upscalerjs/esrgan-slim, esrgan-medium
# and esrgan-thick, each with x2, x3, x4 and x8 as TF.js layers models (model.json + float32 shards).
# `npm pack` fetches each package's tarball (nothing is installed, no package.json is touched) and
# only models/ is kept, in the models cache that `jielong` searches:
#   ${JIELONG_CACHE:-~/.cache/jielong}/models/upscalerjs/esrgan-{slim,medium,thick}/x{2,3,4,8}/model.json
# Never committed. Prints the folder. Idempotent: does nothing when the models are there.
set -euo pipefail

version=1.0.0
cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/models/upscalerjs"
packages=(esrgan-slim esrgan-medium esrgan-thick)

missing=()
for p in "${packages[@]}"; do
  for s in 2 3 4 8; do
    [[ -s "$cache/$p/x$s/model.json" ]] || { missing+=("$p"); break; }
  done
done
if ((${#missing[@]})); then
  command -v npm >/dev/null || { echo "fetch-upscalerjs: npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
  mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for p in "${missing[@]}"; do
    ( cd "$work" && npm pack --silent "@upscalerjs/$p@$version" >/dev/null )
    mkdir -p "$work/$p"
    tar -xzf "$work/upscalerjs-$p-$version.tgz" -C "$work/$p" package/models package/LICENSE
    rm -rf "${cache:?}/$p.partial"
    mv "$work/$p/package/models" "$cache/$p.partial"
    cp "$work/$p/package/LICENSE" "$cache/$p.partial/LICENSE"
    rm -rf "${cache:?}/$p"
    mv "$cache/$p.partial" "$cache/$p"  # whole or not at all
    echo "fetch-upscalerjs: @upscalerjs/$p@$version -> $cache/$p" >&2
  done
fi
echo "$cache"
