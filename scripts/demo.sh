#!/usr/bin/env bash
# `make demo`: the studio's main job on what it ships today. Media in and out: real
# sample media from Debian packages (scripts/fetch-samples.sh) through `jielong convert` — video
# re-encoded, resized, re-timed, trimmed, turned into frames and a GIF and back, a soundtrack added and
# extracted — and an mp4 -> webm -> mp4 round trip whose frame counts are checked; the clip
# interpolated to 25 fps. Then ShapeWorld:
# prompts rendered and judged, and a small captioned dataset; the generators on the shipped models;
# a sentence resynthesised from its speech units and spoken from text; and the example batch job files. Outputs go to out/demo/ (replaced on every run).
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

# Frame interpolation: the 10 fps clip drawn at 25 fps (2.5x the frames, optical flow, its sound
# kept; and by the shipped learned interpolator), and the picture halfway between two of its frames.
run interpolate "$out/vtest.mp4" --fps 25 -o "$out/vtest_interpolated_25fps.mp4"
run interpolate "$out/vtest.mp4" --fps 25 --method learned -o "$out/vtest_interpolated_25fps_learned.mp4"
run interpolate --frames "$out/frames/frame_0001.png" "$out/frames/frame_0002.png" --t 0.5 -o "$out/frames_between_1_and_2.png"

# Audio out of the video, in every format.
for ext in wav flac ogg mp3; do run convert "$out/vtest.mp4" -o "$out/vtest_audio.$ext"; done

# Images: JPEG -> PNG with a resize, WebP, 16-bit-capable TIFF.
run convert "$samples/baboon.jpg" -o "$out/baboon_256.png" --width 256
run convert "$samples/fruits.jpg" -o "$out/fruits.webp" --quality 90
run convert "$samples/butterfly.jpg" -o "$out/butterfly.tif"

# ShapeWorld: prompts rendered exactly as the world defines them, then read back by the judge.
mkdir -p "$out/world"
i=0
for prompt in "a small red circle in the top left on a black background" \
              "a blue star to the left of an orange cross on a white background" \
              "a green triangle on a gray background moving right"; do
  ext=png; [[ "$prompt" == *moving* ]] && ext=mp4
  run world render --prompt "$prompt" -o "$out/world/$i.$ext" --size 128 --seed $i
  verdict=$("$jielong" judge --prompt "$prompt" "$out/world/$i.$ext" | sed -n 's/.*"pass":\(true\|false\),"prompt".*/\1/p')
  echo "judge: \"$prompt\" -> pass=$verdict" >&2
  i=$((i + 1))
done
run world sample --n 8 --out "$out/world/sample" --size 64 --seed 1

# The generators on the shipped models (assets/models): the same prompts with each method, every
# output read back by the judge; then inpainting edits (MaskGIT and diffusion), an outpainting and a
# watermark round trip.
mkdir -p "$out/txt2img"
prompts=("a small red circle in the top left on a black background"
         "a blue star to the left of an orange cross"
         "a large yellow square in the center on a gray background"
         "a green triangle above a purple diamond on a white background")
for method in maskgit ar ar+draft diffusion; do
  flags=(--method "${method%%+*}"); [[ "$method" == *draft ]] && flags+=(--draft ar_draft)
  for i in "${!prompts[@]}"; do
    run txt2img "${flags[@]}" --prompt "${prompts[$i]}" --seed "$i" --judge -o "$out/txt2img/${method/+/_}_$i.png"
  done
done
# Inpainting: a scene with one object, and a mask drawn by the world itself (a yellow square on
# black: the square's pixels are the white part of the mask); the masked region gets a new object.
run world render --prompt "a small red circle in the top left on a white background" -o "$out/txt2img/scene.png" --seed 1
run world render --prompt "a large yellow square in the bottom left on a black background" -o "$out/txt2img/mask.png" --seed 1
run inpaint --image "$out/txt2img/scene.png" --mask "$out/txt2img/mask.png" \
    --prompt "a red circle above a blue star on a white background" -o "$out/txt2img/inpainted.png" --judge
# Diffusion: the predicted picture of every step of one render, then the same scene inpainted with
# diffusion (before: scene.png, mask: mask.png, after: inpainted_diffusion.png) and outpainted.
run txt2img --method diffusion --sampler ddim --prompt "a cyan cross above a red star" --seed 3 \
    --preview-dir "$out/txt2img/diffusion_steps" -o "$out/txt2img/diffusion_steps.png" --judge
run inpaint --method diffusion --image "$out/txt2img/scene.png" --mask "$out/txt2img/mask.png" \
    --prompt "a red circle above a blue star on a white background" -o "$out/txt2img/inpainted_diffusion.png" --judge
run inpaint --method diffusion --image "$out/txt2img/scene.png" --outpaint 16,16,0,0 \
    --prompt "a small red circle on a white background" -o "$out/txt2img/outpainted.png"
run txt2img --method ar --watermark demo-key --prompt "a pink diamond" -o "$out/txt2img/watermarked.png"
"$jielong" watermark detect "$out/txt2img/watermarked.png" --key demo-key >&2
"$jielong" watermark detect "$out/txt2img/ar_0.png" --key demo-key >&2

# Speech: a sentence spoken by Festival's HTS voice (the teacher of the speech models), as speech
# units, and spoken again from its units by the shipped unit vocoder (and by Griffin-Lim on the same
# mel, the baseline); the units are in each output's comment tag.
mkdir -p "$out/speech"
printf '(voice_cmu_us_slt_arctic_hts)\n(set! u (utt.synth (Utterance Text "%s")))\n(utt.wave.resample u 16000)\n(utt.save.wave u "%s" (quote riff))\n' \
  "A small red circle is to the left of a large blue square." "$out/speech/festival.wav" | festival --pipe
run speech units "$out/speech/festival.wav" -o "$out/speech/festival_units.txt"
run speech resynth "$out/speech/festival.wav" -o "$out/speech/resynthesized.wav"
run speech resynth "$out/speech/festival.wav" --waveform griffin-lim -o "$out/speech/resynthesized_griffin_lim.wav"
# The same sentence from text by the shipped text-to-speech model (its units in the comment tag), and
# Festival's recording continued for 3 s by the shipped unit language model.
run speak --text "A small red circle is to the left of a large blue square." --seed 1 -o "$out/speech/spoken.wav"
run speech continue "$out/speech/festival.wav" --seconds 3 --seed 1 -o "$out/speech/continued.wav"

# Batch: the example job files (a prompt x seed x method grid, judged; inpainting, outpainting, a
# sampler x steps grid and a convert as JSON Lines), then the grid again: every item is skipped.
rm -rf "$out/batch"
run batch examples/grid.json --out "$out/batch"
run batch examples/edit.jsonl --out "$out/batch"
run batch examples/grid.json --out "$out/batch"

echo >&2
echo "demo: outputs are in $(cd "$out" && pwd):" >&2
ls -1 "$out" | sed 's/^/  /' >&2
