#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "core/error.h"
#include "studio/cli/commands.h"
#include "training/train.h"

namespace jl::cli {
namespace {

struct TrainArgs {
  training::TrainParams params;
  std::string model_config;  // JSON text
};

}  // namespace

Command add_train_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<TrainArgs>();
  training::TrainParams& p = args->params;
  std::string tasks;
  for (const std::string& t : training::train_tasks()) tasks += (tasks.empty() ? "" : "|") + t;

  Command command;
  command.app = parent.add_subcommand("train", "Train a built-in model (" + tasks + ")");
  command.app->add_option("task", p.task, "What to train: " + tasks)->required();
  command.app->add_option("-o,--out", p.output, "Checkpoint to write (.safetensors), saved every few minutes")->required();
  command.app->add_option("--run-dir", p.run_dir, "Losses CSV and optimizer state (default: runs/<checkpoint name>)");
  command.app->add_option("--steps", p.steps, "Total optimizer steps (default: the task's)");
  command.app->add_option("--batch", p.batch, "Images per step (default: the task's)");
  command.app->add_option("--lr", p.lr, "Peak learning rate (default: the task's)");
  command.app->add_option("--warmup", p.warmup, "Linear warm-up steps before the cosine decay")->capture_default_str();
  command.app->add_option("--seed", p.seed, "Seed of the initial weights and of the data stream")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.app->add_flag("--resume", p.resume, "Continue the checkpoint given by --out from its last saved step");
  command.app->add_option("--init-from", p.init_from,
                          "Fine-tune: start from this checkpoint's weights (same model and config; maskgit: also the ar model of its shape) at step 0");
  command.app->add_option("--checkpoint-minutes", p.checkpoint_minutes, "Minutes between checkpoints")->capture_default_str();
  command.app->add_option("--eval-count", p.eval_count, "Holdout prompts measured at each checkpoint (0: none)")
      ->capture_default_str();
  command.app->add_option("--precision", p.precision,
                          "ar, ar-draft, maskgit, diffusion: auto (bf16 where the CPU has it natively), bf16 or fp32")
      ->capture_default_str();
  command.app->add_option("--model-config", args->model_config,
                          "JSON object overriding the model's config, e.g. '{\"codebook_size\": 512}'");
  command.app->add_option("--tokenizer", p.tokenizer,
                          "Generators: the tokenizer checkpoint (name or path; default tokenizer_8x8, diffusion: tokenizer)");
  command.app->add_option("--text-encoder", p.text_encoder, "Generators: the text encoder checkpoint (name or path)")
      ->capture_default_str();
  command.app->add_option("--snr-floor", p.snr_floor,
                          "diffusion: lowest weight of a training time's clean-latent error (Min-SNR clamps SNR to [floor, 5])")
      ->capture_default_str();
  command.app->add_option("--teacher", p.teacher,
                          "ar-draft: the target whose token distributions it learns (none: the data tokens alone)")
      ->capture_default_str();
  command.app->add_flag("--decoder-only", p.decoder_only,
                        "tokenizer: fine-tune the decoder alone (with --init-from); every picture keeps its tokens");
  command.app->add_option("--data", p.upscaler_data, "upscaler: photo (Debian wallpapers, scripts/fetch-photos.sh) or world")
      ->capture_default_str();
  command.app->add_option("--scale", p.scale, "upscaler: 2, 3, 4 or 8")->capture_default_str();
  command.app->add_option("--photos", p.photos,
                          "upscaler --data photo, interpolator: a folder of training photos (default: the photos cache)");
  command.app->add_option("--videos", p.videos, "interpolator: a folder of training videos (default: the cache of scripts/fetch-videos.sh)");
  command.app->add_option("--speech-data", p.speech_data,
                          "units, vocoder: the speech data folder of scripts/fetch-speech-data.sh (default: its cache)");
  command.app->add_option("--units", p.speech_units, "vocoder, tts, unit-lm: the speech unit codebook (name or path)")->capture_default_str();
  command.app->add_option("--vocoder", p.vocoder, "tts: the unit vocoder its eval speaks through (name or path)")->capture_default_str();

  command.run = [args, &global] {
    training::TrainParams params = args->params;
    params.overwrite = global.overwrite;
    params.models_dir = global.models_dir;
    params.command = global.command_line;
    if (!args->model_config.empty()) {
      try {
        params.model_config = nlohmann::json::parse(args->model_config);
      } catch (const nlohmann::json::exception&) {
        throw UsageError("--model-config is not valid JSON: " + args->model_config);
      }
    }
    const nlohmann::json eval = training::train(params, progress_callbacks("train " + params.task));
    emit_result({{"output", params.output.string()}, {"eval", eval}});
    say("trained " + params.task + ": " + params.output.string() + (eval.is_null() ? "" : " " + eval.dump()));
  };
  return command;
}

}  // namespace jl::cli
