#include "training/train.h"

#include <map>

#include "core/error.h"
#include "models/runtime.h"
#include "training/trainers.h"

namespace jl::training {

namespace {

struct TaskDefaults {
  int64_t steps;
  int batch;
  double lr;
  nlohmann::json (*run)(const TrainParams&, const Callbacks&);
};

const std::map<std::string, TaskDefaults>& tasks() {
  static const std::map<std::string, TaskDefaults> table = {
      {"tokenizer", {4000, 32, 1e-3, train_tokenizer}},
      {"text", {1500, 128, 1e-3, train_text}},
      {"ar", {7000, 32, 6e-4, train_generator}},
      {"ar-draft", {3000, 32, 1e-3, train_generator}},
      {"maskgit", {7000, 32, 6e-4, train_generator}},
      {"diffusion", {8000, 32, 3e-4, train_diffusion}},
      {"diffusion-inpaint", {3000, 32, 1e-4, train_diffusion}},
      {"upscaler", {3000, 16, 5e-4, train_upscaler}},
      {"interpolator", {8000, 12, 1e-3, train_interpolator}},
      {"units", {50, 2000, 1, train_units}},  // k-means: steps are Lloyd iterations, batch the clips read
      {"vocoder", {12000, 16, 1e-3, train_vocoder}},
      {"tts", {8000, 16, 5e-4, train_speech}},
      {"unit-lm", {8000, 16, 5e-4, train_speech}},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& train_tasks() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const char* name : {"tokenizer", "text", "ar", "ar-draft", "maskgit", "diffusion", "diffusion-inpaint", "upscaler", "interpolator", "units", "vocoder", "tts", "unit-lm"})
      if (tasks().count(name)) out.push_back(name);
    return out;
  }();
  return names;
}

void TrainParams::validate() const {
  if (!tasks().count(task)) {
    std::string known;
    for (const std::string& t : train_tasks()) known += (known.empty() ? "" : ", ") + t;
    throw UsageError("unknown training task '" + task + "' (choose one of: " + known + ")");
  }
  if (output.empty()) throw UsageError("train: --out is required (the checkpoint to write)");
  if (output.extension() != ".safetensors") throw UsageError("train: --out must end in .safetensors, got " + output.string());
  if (steps < 0 || steps > 10'000'000) throw UsageError("train: --steps must be in 1..10000000");
  if (batch < 0 || batch > 4096) throw UsageError("train: --batch must be in 1..4096");
  if (lr < 0 || lr > 1) throw UsageError("train: --lr must be in (0, 1]");
  if (warmup < 1) throw UsageError("train: --warmup must be at least 1");
  if (!(checkpoint_minutes > 0)) throw UsageError("train: --checkpoint-minutes must be positive");
  if (eval_count < 0) throw UsageError("train: --eval-count must not be negative");
  if (precision != "auto" && precision != "bf16" && precision != "fp32")
    throw UsageError("train: --precision must be auto, bf16 or fp32, got '" + precision + "'");
  if (!(snr_floor >= 0 && snr_floor <= 5)) throw UsageError("train: --snr-floor must be in 0..5 (the Min-SNR clamp's top)");
  if (decoder_only && task != "tokenizer") throw UsageError("train: --decoder-only is for the tokenizer");
  if (teacher != TrainParams{}.teacher && task != "ar-draft") throw UsageError("train: --teacher is for ar-draft");
  if (decoder_only && !resume && init_from.empty())
    throw UsageError("train: --decoder-only fine-tunes a trained tokenizer: give --init-from NAME (or --resume)");
  if (!model_config.is_object()) throw UsageError("train: --model-config must be a JSON object");
  if (resume && overwrite) throw UsageError("train: --resume continues a checkpoint; --overwrite would start over: pick one");
  if (resume && !init_from.empty())
    throw UsageError("train: --resume continues a checkpoint; --init-from starts a new one from other weights: pick one");
}

bool TrainParams::use_bfloat16() const { return precision == "bf16" || (precision == "auto" && cpu_has_bfloat16()); }

std::string TrainParams::to_string() const {
  return "task: " + task + ", steps: " + std::to_string(steps) + ", batch: " + std::to_string(batch) +
         ", seed: " + std::to_string(seed) + ", model: " + model_config.dump();
}

nlohmann::json train(const TrainParams& given, const Callbacks& callbacks) {
  given.validate();
  TrainParams params = given;
  const TaskDefaults& defaults = tasks().at(params.task);
  if (params.steps == 0) params.steps = defaults.steps;
  if (params.batch == 0) params.batch = defaults.batch;
  if (params.lr == 0) params.lr = defaults.lr;
  // Token generators work over the coarse 8x8 tokens (64 choices a picture); the diffusion denoiser
  // over the fine 16x16 tokenizer's code vectors.
  if (params.tokenizer.empty()) params.tokenizer = params.task == "diffusion" || params.task == "diffusion-inpaint" ? "tokenizer" : "tokenizer_8x8";
  if (params.run_dir.empty()) params.run_dir = fs::path("runs") / params.output.stem();
  return defaults.run(params, callbacks);
}

}  // namespace jl::training
