#!/usr/bin/env bash
# Frame interpolation, whole process against FFmpeg's minterpolate (mi_mode=mci) in the same run: the
# first FRAMES frames of each evaluation video (scripts/fetch-eval-data.sh) cut losslessly to one clip,
# then `jielong interpolate CLIP --factor 2 --method M -o out.mp4` for each method M (classic, learned)
# and `ffmpeg -i CLIP -vf minterpolate... out.mp4`, timed from start to finish (best of 2). The quality
# table comes from `jielong eval-interpolate`. The learned method is timed when an `interpolator`
# checkpoint is found (`jielong info`), else its column reads "-".
#   bench/bench_interpolate.sh [BUILD_DIR] [FRAMES]
# JL_THREADS=N sets jielong's --threads (ffmpeg's filter runs on one thread whatever it is given).
set -euo pipefail
build=${1:-build}
frames=${2:-61}
jielong="$build/studio/jielong"
videos="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/eval/videos"
[ -f "$videos/vtest.avi" ] || scripts/fetch-eval-data.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
threads=()
[ -n "${JL_THREADS:-}" ] && threads=(--threads "$JL_THREADS")

best_of_2() {  # command...: prints the best wall time in seconds
  local best=""
  for _ in 1 2; do
    local start end t
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%.2f' "$best"
}

learned_found=""
"$jielong" info | grep -q '^  interpolator ' && learned_found=1
printf '%-14s %7s %9s %10s %10s %15s %15s %15s\n' video frames size "classic s" "learned s" "minterpolate s" "classic faster" "learned faster"
for name in vtest.avi tree.avi Megamind.avi; do
  ffmpeg -nostdin -loglevel error -y -i "$videos/$name" -frames:v "$frames" -an -c:v ffv1 "$work/clip.mkv"
  rate=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$work/clip.mkv")
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$work/clip.mkv")
  double="$(( ${rate%/*} * 2 ))/${rate#*/}"
  classic=$(best_of_2 "$jielong" "${threads[@]}" -q --overwrite interpolate "$work/clip.mkv" --factor 2 --method classic -o "$work/ours.mp4")
  learned=-
  [ -n "$learned_found" ] && learned=$(best_of_2 "$jielong" "${threads[@]}" -q --overwrite interpolate "$work/clip.mkv" --factor 2 --method learned -o "$work/ours.mp4")
  theirs=$(best_of_2 ffmpeg -nostdin -loglevel error -y -i "$work/clip.mkv" -vf "minterpolate=fps=$double:mi_mode=mci" "$work/theirs.mp4")
  learned_faster=-
  [ -n "$learned_found" ] && learned_faster=$(printf '%.2fx' "$(echo "$theirs / $learned" | bc -l)")
  printf '%-14s %7s %9s %10s %10s %15s %14.2fx %15s\n' "$name" "$frames" "$size" "$classic" "$learned" "$theirs" \
    "$(echo "$theirs / $classic" | bc -l)" "$learned_faster"
done
