// `jielong train TASK`: one entry point for every trainer, so that the command line (and later a
// batch job) fills one params struct. Each task streams freshly rendered ShapeWorld batches, writes a
// checkpoint every few minutes (atomically, with the command that made it in its metadata), resumes
// from it with --resume, and logs losses to CSV.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::training {

namespace fs = std::filesystem;

// The trainable tasks, in the order a fresh start needs them (generators need a tokenizer and a text
// encoder).
const std::vector<std::string>& train_tasks();

struct TrainParams {
  std::string task;             // one of train_tasks()
  fs::path output;              // the checkpoint (.safetensors)
  fs::path run_dir;             // losses CSV and optimizer state; default runs/<output stem>
  int64_t steps = 0;            // total optimizer steps (0: the task's default)
  int batch = 0;                // images per step (0: the task's default)
  double lr = 0;                // peak learning rate (0: the task's default)
  int warmup = 200;             // linear warm-up steps, then cosine decay to 10%
  uint64_t seed = 0;
  bool resume = false;          // continue from `output` and its run_dir state
  bool overwrite = false;       // replace an existing `output` when not resuming
  // Fine-tuning: start from this checkpoint's weights (name or path; the same model and config)
  // instead of random ones, at step 0 (for example after the frozen text encoder was retrained).
  std::string init_from;
  double checkpoint_minutes = 5;
  int eval_count = 200;         // holdout prompts measured at each checkpoint (0: none)
  nlohmann::json model_config = nlohmann::json::object();  // overrides of the model's config defaults
  std::string tokenizer;        // generators: the tokenizer they work over (default: ar, ar-draft and maskgit
                                // "tokenizer_8x8", diffusion "tokenizer")
  std::string text_encoder = "text_encoder";   // generators: the text encoder they condition on
  // Matmul precision of the network trainers (ar, ar-draft, maskgit, diffusion): "bf16" (mixed precision,
  // float32 weights and optimizer), "fp32", or "auto" (bf16 where the CPU has it natively).
  std::string precision = "auto";
  // diffusion, diffusion-inpaint: the loss weights the clean-latent error of each training time by
  // its SNR clamped to [snr_floor, 5] (Min-SNR-5 when 0). A floor lifts the noisiest times, where a
  // picture's layout and colours are decided, from almost nothing (SNR ~0.01) to that weight.
  double snr_floor = 0;
  // ar-draft: the target model the draft learns to agree with (its next-token distributions), or
  // "none" to learn from the data tokens alone.
  std::string teacher = "ar";
  // tokenizer: fine-tune the decoder alone (with --init-from or --resume). The encoder and codebook
  // stay as they are, so every picture keeps its tokens and generators trained on them stay valid.
  bool decoder_only = false;
  // upscaler: what it learns from ("photo": scripts/fetch-photos.sh, or `photos`; "world": ShapeWorld
  // renders) and its scale.
  std::string upscaler_data = "photo";
  int scale = 4;
  fs::path photos;              // default: the photos cache
  fs::path videos;              // interpolator: its training videos (default: scripts/fetch-videos.sh's cache)
  fs::path speech_data;         // units, vocoder: the folder of scripts/fetch-speech-data.sh (default: its cache)
  std::string speech_units = "speech_units";  // vocoder, tts, unit-lm: the unit codebook (name or path)
  std::string vocoder = "unit_vocoder";       // tts: the vocoder its eval speaks through (name or path)
  fs::path models_dir;          // where tokenizer / text_encoder names are looked up (--models-dir)
  std::string command;          // the command line, recorded in the checkpoint

  void validate() const;
  bool use_bfloat16() const;
  std::string to_string() const;
};

// Runs the task to `steps`; returns the final evaluation (empty when eval_count is 0).
nlohmann::json train(const TrainParams& params, const Callbacks& callbacks = {});

}  // namespace jl::training
