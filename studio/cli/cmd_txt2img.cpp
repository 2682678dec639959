#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/inpaint.h"
#include "studio/cli/generation_options.h"

namespace jl::cli {

Command add_txt2img_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<GenerationArgs>();
  Command command;
  command.app = parent.add_subcommand("txt2img", "Text to image with the token generators (ar, ar + speculative, maskgit)");
  add_generation_options(*command.app, *args);
  command.run = [args, &global] {
    finish_generation_args(*args, global);
    args->params.validate();
    check_outputs(args->output, args->params.count, global.overwrite);
    models::ModelStore store(global.models_dir);
    const Txt2ImgResult result = txt2img(args->params, store, progress_callbacks("txt2img"));
    write_generated(result.images, *args, global.overwrite, result.stats);
    if (result.stats.contains("acceptance_rate"))
      say("speculative decoding: " + std::to_string(int(100 * result.stats["acceptance_rate"].get<double>() + 0.5)) +
          "% of draft tokens accepted");
  };
  return command;
}

Command add_inpaint_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<GenerationArgs>();
  auto paths = std::make_shared<InpaintParams>();
  Command command;
  command.app = parent.add_subcommand("inpaint", "Regenerate the masked region of a picture for a prompt (maskgit)");
  command.app->add_option("--image", paths->image, "The picture to edit")->required();
  command.app->add_option("--mask", paths->mask, "Same size; white = regenerate")->required();
  add_generation_options(*command.app, *args);
  command.run = [args, paths, &global] {
    finish_generation_args(*args, global);
    InpaintParams params = *paths;
    params.generation = args->params;
    params.validate();
    check_outputs(args->output, params.generation.count, global.overwrite);
    models::ModelStore store(global.models_dir);
    write_generated(inpaint(params, store, progress_callbacks("inpaint")), *args, global.overwrite, nlohmann::json::object());
  };
  return command;
}

}  // namespace jl::cli
