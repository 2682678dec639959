#!/usr/bin/env bash
# Speech to train the speech models on, made on this machine: English sentences from Debian's
# fortune packages (fortunes-min and fortunes, downloaded, not installed) and from the ShapeWorld
# caption grammar (`jielong world captions`), spoken by
#   - the teacher, Festival's HTS voice cmu_us_slt_arctic_hts (every sentence), and
#   - for variety of voices, flite's slt, rms, awb and kal16 and Festival's kal_diphone (a share each);
# 16 kHz mono 16-bit WAV. The held-out sentences (assets/eval/holdout_sentences.txt) are never
# trained on: the teacher speaks them into holdout/ for the evaluation. Never committed.
#
# Usage: scripts/fetch-speech-data.sh [JIELONG]   (JIELONG: the binary, default build/studio/jielong)
# JIELONG_SPEECH_LIMIT=N keeps only the first N training sentences (a quick check of the recipe; the
# folder then says so in .complete and a full run replaces it).
# Prints the folder, which holds (clips numbered from 0 in list order, as `jielong eval-speech` pairs them)
#   train.tsv     one clip a line: WAV (relative to the folder) <TAB> VOICE <TAB> TEXT
#   holdout.tsv   the same for the held-out sentences, teacher voice only
#   wav/VOICE/N.wav
# Idempotent: does nothing when the data of this version is there. Festival and flite come from
# scripts/install-deps.sh. The whole set (17,677 training clips, 1.8 GB) took 38 minutes on two cores
# that two trainers shared (2026-11-30); a run cut short continues where it stopped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
jielong=${1:-$root/build/studio/jielong}
cache="${JIELONG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jielong}/speech"
holdout="$root/assets/eval/holdout_sentences.txt"
limit=${JIELONG_SPEECH_LIMIT:-}
version="2 $(cksum < "$holdout" | cut -d' ' -f1)${limit:+ limit $limit}"  # bump the 1 when the recipe changes
if [[ "$(cat "$cache/.complete" 2>/dev/null)" == "$version" ]]; then echo "$cache"; exit 0; fi
[[ -x "$jielong" ]] || { echo "fetch-speech-data: $jielong not found: build first (make build)" >&2; exit 1; }
dictionary=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
for tool in festival flite; do
  command -v $tool >/dev/null || { echo "fetch-speech-data: $tool missing: run scripts/install-deps.sh" >&2; exit 1; }
done
[[ -f "$dictionary" ]] || { echo "fetch-speech-data: $dictionary missing: run scripts/install-deps.sh" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get download fortunes-min fortunes >/dev/null 2>&1 ) || {
  apt-get update -qq >/dev/null && ( cd "$work" && apt-get download fortunes-min fortunes >/dev/null )
}
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
# Every fortune file but the ones of code, ASCII art, Debian hints and non-English text.
fortunes=$(find "$work/root/usr/share/games/fortunes" -type f ! -name '*.dat' ! -name '*.u8' |
  grep -v -E '/(ascii-art|translate-me|debian|perl|linux|linuxcookie|zippy)$' | sort)

# Sentences: the fortunes' plain sentences and grammar captions, none of them held out.
awk -f "$here/speech/sentences.awk" "$dictionary" $fortunes > "$work/fortunes.txt"
{ "$jielong" world captions --n 3000 --seed 1; "$jielong" world captions --n 500 --seed 2 --video; } > "$work/captions.txt"
cat "$work/fortunes.txt" "$work/captions.txt" | tr -d '\r' | awk 'FNR == NR { held[$0] = 1; next } !($0 in held) && !seen[$0]++' \
  "$holdout" - > "$work/train.txt"
if [[ -n "$limit" ]]; then head -n "$limit" "$work/train.txt" > "$work/limited" && mv "$work/limited" "$work/train.txt"; fi

# A run cut short leaves $cache.partial: the next run of the same version keeps the clips it finished
# (each is written under a temporary name and renamed when complete) and speaks only the rest.
[[ "$(cat "$cache.partial/.version" 2>/dev/null)" == "$version" ]] || rm -rf "$cache.partial"
mkdir -p "$cache.partial/wav"
find "$cache.partial" -name '*.wav.part' -delete  # clips cut off mid-write
echo "$version" > "$cache.partial/.version"
cores=$(nproc)

# speak VOICE LIST DIR: line N of LIST into DIR/N.wav (DIR relative to the folder; lines whose clip
# exists are skipped), and the TSV rows of every line on stdout. Festival voices run one Festival per
# core over a batch script; flite runs one process a sentence (it starts in milliseconds).
speak() {
  local voice=$1 list=$2 dir=$3 out="$cache.partial/$3"
  mkdir -p "$out"
  awk '{ printf "%06d\t%s\n", NR - 1, $0 }' "$list" > "$work/numbered"  # from 0, as eval-speech pairs lines
  awk -F '\t' -v out="$out" '{ if (system("test -f \"" out "/" $1 ".wav\"") != 0) print }' "$work/numbered" > "$work/todo"
  if [[ -s "$work/todo" ]]; then
    case $voice in
      hts | kal_diphone)
        local select="(voice_cmu_us_slt_arctic_hts)"
        [[ $voice == kal_diphone ]] && select="(voice_kal_diphone)"
        rm -f "$work"/part.*
        split -n "l/$cores" -d "$work/todo" "$work/part."
        for part in "$work"/part.*; do
          awk -F '\t' -v dir="$out" -v select="$select" 'BEGIN { print select }
            { text = $2; gsub(/[\\"]/, "", text)
              printf "(set! u (utt.synth (Utterance Text \"%s\")))\n(utt.wave.resample u 16000)\n", text
              printf "(utt.save.wave u \"%s/%s.wav.part\" (quote riff))\n", dir, $1
              printf "(system \"mv %s/%s.wav.part %s/%s.wav\")\n", dir, $1, dir, $1 }' "$part" > "$part.scm"
          festival --batch "$part.scm" >/dev/null 2>&1 &
        done
        wait
        ;;
      *)
        tr '\t' '\n' < "$work/todo" | tr '\n' '\0' |
          xargs -0 -n 2 -P "$cores" sh -c 'flite -voice "$0" -t "$3" -o "$1/$2.wav.part" && mv "$1/$2.wav.part" "$1/$2.wav"' \
            "$voice" "$out"
        ;;
    esac
  fi
  awk -F '\t' -v dir="$dir" -v voice="$voice" '{ printf "%s/%s.wav\t%s\t%s\n", dir, $1, voice, $2 }' "$work/numbered"
}

speak hts "$work/train.txt" wav/hts > "$cache.partial/train.tsv"
per_voice=800  # sentences each other voice says
[[ -z "$limit" ]] || per_voice=$((limit / 5))
for voice in slt rms awb kal16 kal_diphone; do
  shuf -n "$per_voice" --random-source=<(yes "$voice") "$work/train.txt" > "$work/$voice.txt"
  speak "$voice" "$work/$voice.txt" "wav/$voice" >> "$cache.partial/train.tsv"
done
speak hts "$holdout" holdout > "$cache.partial/holdout.tsv"

# Every clip must be there and be more than a header: a voice that failed on a sentence is an error.
missing=$(cut -f1 "$cache.partial/train.tsv" "$cache.partial/holdout.tsv" |
  while read -r wav; do [[ -s "$cache.partial/$wav" && $(stat -c %s "$cache.partial/$wav") -gt 1000 ]] || echo "$wav"; done)
if [[ -n "$missing" ]]; then
  echo "fetch-speech-data: $(echo "$missing" | wc -l) clip(s) not synthesized, e.g. $(echo "$missing" | head -1)" >&2
  exit 1
fi
rm -f "$cache.partial/.version"
echo "$version" > "$cache.partial/.complete"
rm -rf "$cache"
mv "$cache.partial" "$cache"
echo "fetch-speech-data: $(wc -l < "$cache/train.tsv") training clips, $(wc -l < "$cache/holdout.tsv") held-out, in $cache" >&2
echo "$cache"
