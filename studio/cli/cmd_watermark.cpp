#include <cstdio>
#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/watermark.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_watermark_command(CLI::App& parent, const GlobalOptions& global) {
  auto params = std::make_shared<WatermarkDetectParams>();
  Command command;
  command.app = parent.add_subcommand("watermark", "Token watermarks: detect one in a picture");
  command.app->require_subcommand(1);
  CLI::App* detect = command.app->add_subcommand("detect", "Re-tokenize a picture and test it for a key's watermark");
  detect->add_option("image", params->image, "The picture")->required();
  detect->add_option("--key", params->watermark.key, "The secret key it was generated with")->required();
  detect->add_option("--watermark-gamma", params->watermark.gamma, "Green fraction used at generation")->capture_default_str();
  detect->add_option("--threshold", params->threshold, "z-score above which the verdict is 'watermarked'")->capture_default_str();
  detect->add_option("--model", params->generator, "The generator that made the picture: its tokenizer re-tokenizes it")
      ->capture_default_str();
  detect->add_option("--tokenizer", params->tokenizer, "Tokenizer checkpoint (default: the one --model was trained with)");
  command.run = [params, &global] {
    models::ModelStore store(global.models_dir);
    const WatermarkScore score = detect_watermark(*params, store);
    emit_result({{"image", params->image.string()}, {"z", score.z}, {"scored", score.scored}, {"green", score.green},
                 {"watermarked", score.watermarked}});
    if (!console().quiet)
      std::printf("%s: z = %.2f (%lld of %lld distinct token pairs green): %s\n", params->image.string().c_str(), score.z,
                  (long long)score.green, (long long)score.scored, score.watermarked ? "WATERMARKED" : "no watermark");
  };
  return command;
}

}  // namespace jl::cli
