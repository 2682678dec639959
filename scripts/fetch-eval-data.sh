#!/usr/bin/env bash
# Evaluation data from Debian's opencv-doc package (downloaded, not installed; only these files are
# extracted into the cache): the sample photos that super-resolution is measured on and the sample
# videos that frame interpolation is measured on. Never used for training.
#   ${JIELONG_CACHE:-~/.cache/jielong}/eval/photos/*.jpg   ${...}/eval/videos/*.avi
# Prints the eval folder. Idempotent.
set -euo pipefail

cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/eval"
data=usr/share/doc/opencv-doc/examples/data
photos=(baboon butterfly fruits building starry_night home apple orange messi5 board aero3 HappyFish)
videos=(vtest tree Megamind)

if [[ ! -f "$cache/.complete" ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ( cd "$work" && apt-get download opencv-doc >/dev/null 2>&1 ) || {
    apt-get update -qq >/dev/null && ( cd "$work" && apt-get download opencv-doc >/dev/null )
  }
  files=()
  for p in "${photos[@]}"; do files+=("./$data/$p.jpg"); done
  for v in "${videos[@]}"; do files+=("./$data/$v.avi"); done
  dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -x -C "$work" "${files[@]}"
  rm -rf "$cache"
  mkdir -p "$cache/photos" "$cache/videos"
  for p in "${photos[@]}"; do cp "$work/$data/$p.jpg" "$cache/photos/"; done
  for v in "${videos[@]}"; do cp "$work/$data/$v.avi" "$cache/videos/"; done
  touch "$cache/.complete"
  echo "fetch-eval-data: ${#photos[@]} photos and ${#videos[@]} videos from opencv-doc in $cache" >&2
fi
echo "$cache"
