#!/usr/bin/env bash
# Speech resynthesis against Griffin-Lim, judged by pocketsphinx on the held-out sentences of the
# teacher voice (scripts/fetch-speech-data.sh), all in one run: the teacher's own recordings; each
# recording through the units and the unit vocoder (its source-filter stage, and Griffin-Lim on its
# mel); through the units and their codebook's mel to Griffin-Lim (no learned vocoder: the baseline);
# and, to show what the waveform stage alone loses, each recording's own mel (no units) through both
# stages. Word error rate from `jielong eval-speech`; the real-time factor is `speech resynth`'s
# own (seconds of work per second of speech, models loaded once per folder). Then text to speech: each
# held-out sentence i spoken by `jielong speak --seed i` through both waveform stages (its real-time
# factor includes loading the models, once per sentence; weighted by duration).
#   bench/bench_speech.sh [BUILD_DIR] [COUNT]      COUNT: the first held-out clips (default all 250)
# JL_THREADS=N sets jielong's --threads.
set -euo pipefail
build=${1:-build}
count=${2:-250}
jielong="$build/studio/jielong"
data=$(scripts/fetch-speech-data.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
threads=()
[ -n "${JL_THREADS:-}" ] && threads=(--threads "$JL_THREADS")

mkdir -p "$work/teacher"
head -n "$count" "$data/holdout.tsv" | while IFS=$'\t' read -r wav _ _; do cp "$data/$wav" "$work/teacher/"; done
head -n "$count" "$data/holdout.tsv" | cut -f3 > "$work/texts.txt"

wer() {  # folder: the word error rate in percent
  "$jielong" "${threads[@]}" --json eval-speech --texts "$work/texts.txt" --inputs "$1" | jq -r 'select(.event == "result") | .wer * 100'
}

printf '%-44s %7s %6s\n' speech "WER %" RTF
printf '%-44s %7.1f %6s\n' "teacher (Festival HTS)" "$(wer "$work/teacher")" -
for variant in "units|source-filter|" "units|griffin-lim|" "codebook mel|griffin-lim|--from-codebook" \
               "own mel|source-filter|--from-mel" "own mel|griffin-lim|--from-mel"; do
  IFS='|' read -r from waveform flag <<< "$variant"
  out="$work/out-${waveform}${flag}"
  rtf=$("$jielong" "${threads[@]}" --json speech resynth "$work/teacher" -o "$out" --waveform "$waveform" $flag |
        jq -r 'select(.event == "result") | .real_time_factor')
  printf '%-44s %7.1f %6.3f\n' "resynthesis from $from, $waveform" "$(wer "$out")" "$rtf"
done

for waveform in source-filter griffin-lim; do
  out="$work/tts-$waveform"
  mkdir -p "$out"
  i=0
  while IFS= read -r text; do
    "$jielong" "${threads[@]}" --json speak --text "$text" --seed "$i" --waveform "$waveform" -o "$out/$(printf %06d "$i").wav" < /dev/null |
      jq -r 'select(.event == "result") | "\(.seconds) \(.real_time_factor)"'
    i=$((i + 1))
  done < "$work/texts.txt" > "$work/tts-$waveform.txt"
  rtf=$(awk '{ work += $1 * $2; speech += $1 } END { print work / speech }' "$work/tts-$waveform.txt")
  printf '%-44s %7.1f %6.3f\n' "text to speech, $waveform" "$(wer "$out")" "$rtf"
done
