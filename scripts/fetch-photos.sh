#!/usr/bin/env bash
# Training photos for the `photo` upscaler, from Debian packages: the wallpapers of
# plasma-workspace-wallpapers (photographs and artwork), gnome-backgrounds (renders), the nature
# photographs of mate-backgrounds, the Ubuntu 16.04 wallpaper-contest photographs of
# lomiri-wallpapers-16.04 and the colour sample photographs of python3-skimage (a cat, coffee,
# an astronaut, motorcycles...: the fine natural texture the wallpapers lack). The .debs are
# downloaded (not installed) and the largest picture of each wallpaper is kept in the cache; never
# committed, and never the evaluation photos (those come from opencv-doc, scripts/fetch-eval-data.sh).
# Prints the folder. Idempotent: does nothing when the photos are there.
set -euo pipefail

cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/photos"
version=3  # bump when the selection changes: an older cache is refetched
if [[ "$(cat "$cache/.complete" 2>/dev/null)" == "$version" ]]; then echo "$cache"; exit 0; fi
packages="plasma-workspace-wallpapers gnome-backgrounds mate-backgrounds lomiri-wallpapers-16.04 python3-skimage"
# shellcheck source=scripts/unpack-debs.sh
source "$(dirname "$0")/unpack-debs.sh"
unpack_debs $packages
rm -rf "$cache.partial"
mkdir -p "$cache.partial"
# KDE: one folder per wallpaper, pictures at several sizes (some are links): keep the largest file.
for dir in "$work"/root/usr/share/wallpapers/*/contents/images; do
  name=$(basename "$(dirname "$(dirname "$dir")")")
  best=$(find -L "$dir" -type f \( -iname '*.jpg' -o -iname '*.png' \) -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
  [[ -n "$best" ]] && cp -L "$best" "$cache.partial/kde-$name.${best##*.}"
done
# GNOME: every picture over a few kilobytes (the tiny ones are flat colours).
find -L "$work"/root/usr/share/backgrounds/gnome -type f -iname '*.webp' -size +10k -exec cp -L {} "$cache.partial/" \;
# MATE: the photographs (nature/), not the flat artwork.
for f in "$work"/root/usr/share/backgrounds/mate/nature/*.jpg; do cp -L "$f" "$cache.partial/mate-$(basename "$f")"; done
# Lomiri (Ubuntu 16.04's contest winners): photographs, most of them.
for f in "$work"/root/usr/share/backgrounds/*_by_*.jpg; do cp -L "$f" "$cache.partial/lomiri-$(basename "$f")"; done
# scikit-image: its colour photographs (the grey test patterns and microscopy are left out).
for name in astronaut chelsea coffee motorcycle_left rocket; do
  f=$(find "$work"/root/usr/lib/python3/dist-packages/skimage/data -maxdepth 1 -name "$name.*" | head -1)
  [[ -n "$f" ]] && cp -L "$f" "$cache.partial/skimage-$(basename "$f")"
done
echo "$version" > "$cache.partial/.complete"
rm -rf "$cache"
mv "$cache.partial" "$cache"
echo "fetch-photos: $(ls "$cache" | wc -l) training photos in $cache" >&2
echo "$cache"
