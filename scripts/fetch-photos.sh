#!/usr/bin/env bash
# Training photos for the `photo` upscaler, from Debian packages: the wallpapers of
# plasma-workspace-wallpapers (photographs and artwork) and gnome-backgrounds (renders). The .debs are
# downloaded (not installed) and the largest picture of each wallpaper is kept in the cache; never
# committed, and never the evaluation photos (those come from opencv-doc, scripts/fetch-eval-data.sh).
# Prints the folder. Idempotent: does nothing when the photos are there.
set -euo pipefail

cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/photos"
if [[ -f "$cache/.complete" ]]; then echo "$cache"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get download plasma-workspace-wallpapers gnome-backgrounds >/dev/null 2>&1 ) || {
  apt-get update -qq >/dev/null && ( cd "$work" && apt-get download plasma-workspace-wallpapers gnome-backgrounds >/dev/null )
}
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
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
touch "$cache.partial/.complete"
rm -rf "$cache"
mv "$cache.partial" "$cache"
echo "fetch-photos: $(ls "$cache" | wc -l) training photos in $cache" >&2
echo "$cache"
