#!/usr/bin/env bash
# Real sample media from Debian packages, for the demo and for evaluations (never committed, never
# used for training unless an issue says so): OpenCV's sample videos and photos from opencv-doc, and
# the freedesktop sound theme's recordings. The .deb is downloaded (not installed: opencv-doc pulls in
# ~270 MB of documentation) and only the files below are extracted into the cache.
# Prints the folder. Idempotent: does nothing when the files are there.
set -euo pipefail

cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/samples"
files=(
  usr/share/doc/opencv-doc/examples/data/vtest.avi
  usr/share/doc/opencv-doc/examples/data/tree.avi
  usr/share/doc/opencv-doc/examples/data/Megamind.avi
  usr/share/doc/opencv-doc/examples/data/baboon.jpg
  usr/share/doc/opencv-doc/examples/data/fruits.jpg
  usr/share/doc/opencv-doc/examples/data/butterfly.jpg
)
sounds=(usr/share/sounds/freedesktop/stereo/complete.oga usr/share/sounds/freedesktop/stereo/bell.oga
        usr/share/sounds/freedesktop/stereo/audio-test-signal.oga)

missing=0
for f in "${files[@]}" "${sounds[@]}"; do [[ -s "$cache/$(basename "$f")" ]] || missing=1; done
if ((missing)); then
  mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ( cd "$work" && apt-get download opencv-doc sound-theme-freedesktop >/dev/null 2>&1 ) || {
    # The package lists may be missing on a fresh machine.
    apt-get update -qq >/dev/null && ( cd "$work" && apt-get download opencv-doc sound-theme-freedesktop >/dev/null )
  }
  dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -x -C "$work" "${files[@]/#/./}"
  dpkg-deb --fsys-tarfile "$work"/sound-theme-freedesktop_*.deb | tar -x -C "$work" "${sounds[@]/#/./}"
  for f in "${files[@]}" "${sounds[@]}"; do cp "$work/$f" "$cache/"; done
  echo "fetch-samples: extracted ${#files[@]} OpenCV samples and ${#sounds[@]} sounds into $cache" >&2
fi
echo "$cache"
