#!/usr/bin/env bash
# `make demo`: the studio's main job on what it ships today. For now that is media in and out: real
# sample media from Debian packages (scripts/fetch-samples.sh) through `jielong convert` — video
# re-encoded, resized, re-timed, trimmed, turned into frames and a GIF and back, a soundtrack added and
# extracted — and an mp4 -> webm -> mp4 round trip whose frame counts are checked. Outputs go to
# out/demo/ (replaced on every run).
set -euo pipefail
jielong=${1:-build/studio/jielong}
out=${DEMO_OUT:-out/demo}
samples=$(scripts/fetch-samples.sh)

mkdir -p "$out/frames"
run() { echo "+ jielong $*" >&2; "$jielong" --overwrite "$@"; }
frames() { "$jielong" probe --count-frames --json "$1" | sed -n 's/.*"frames":\([0-9]*\).*/\1/p'; }

run info | tee "$out/info.txt"

# Video: OpenCV's vtest.avi (MPEG-4 part 2 in AVI, 768x576, 10 fps), 6 s of it at half size, with a
# sound from the freedesktop theme as its audio track.
run convert "$samples/vtest.avi" -o "$out/vtest.mp4" --duration 6 --width 384 --audio "$samples/audio-test-signal.oga"
run convert "$out/vtest.mp4" -o "$out/vtest.webm"
run convert "$out/vtest.webm" -o "$out/vtest_roundtrip.mp4"
a=$(frames "$out/vtest.mp4"); b=$(frames "$out/vtest.webm"); c=$(frames "$out/vtest_roundtrip.mp4")
echo "round trip mp4 -> webm -> mp4: $a -> $b -> $c frames" >&2
[[ "$a" == "$b" && "$b" == "$c" ]] || { echo "demo: frame counts differ" >&2; exit 1; }

run convert "$out/vtest.mp4" -o "$out/vtest_25fps.mp4" --fps 25
run convert "$out/vtest.mp4" -o "$out/frames/frame_%04d.png" --duration 2
run convert "$out/frames" -o "$out/frames.gif" --fps 10 --width 192
run convert "$samples/tree.avi" -o "$out/tree_still.png" --start 1.5

# Audio out of the video, in every format.
for ext in wav flac ogg mp3; do run convert "$out/vtest.mp4" -o "$out/vtest_audio.$ext"; done

# Images: JPEG -> PNG with a resize, WebP, 16-bit-capable TIFF.
run convert "$samples/baboon.jpg" -o "$out/baboon_256.png" --width 256
run convert "$samples/fruits.jpg" -o "$out/fruits.webp" --quality 90
run convert "$samples/butterfly.jpg" -o "$out/butterfly.tif"

echo >&2
echo "demo: outputs are in $(cd "$out" && pwd):" >&2
ls -1 "$out" | sed 's/^/  /' >&2
