#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/inpaint.h"
#include "studio/cli/generation_options.h"

namespace jl::cli {


Command add_txt2img_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<GenerationArgs>();
  Command command;
  command.app = parent.add_subcommand(
      "txt2img", "Text to image: autoregressive tokens (ar, ar + speculative), maskgit, or diffusion (also img2img)");
  add_generation_options(*command.app, *args);
  command.run = [args, &global] {
    finish_generation_args(*args);
    args->params.validate();
    check_outputs(args->output, args->params.count, global.overwrite);
    models::ModelStore store(global.models_dir);
    const Txt2ImgResult result = txt2img(args->params, store, generation_callbacks(*args, "txt2img", global.overwrite));
    write_generated(result.images, *args, global.overwrite, result.stats);
    if (result.stats.contains("acceptance_rate"))
      say("speculative decoding: " + std::to_string(int(100 * result.stats["acceptance_rate"].get<double>() + 0.5)) +
          "% of draft tokens accepted");
  };
  return command;
}

Command add_inpaint_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<GenerationArgs>();
  auto region = std::make_shared<InpaintArgs>();
  Command command;
  command.app = parent.add_subcommand("inpaint", "Regenerate the masked region of a picture for a prompt, or extend it (maskgit, diffusion)");
  add_inpaint_command_options(*command.app, *args, *region);
  command.run = [args, region, &global] {
    finish_generation_args(*args);
    const InpaintParams params = finish_inpaint_args(*region, *args);
    params.validate();
    check_outputs(args->output, params.generation.count, global.overwrite);
    models::ModelStore store(global.models_dir);
    write_generated(inpaint(params, store, generation_callbacks(*args, "inpaint", global.overwrite)), *args,
                    global.overwrite, nlohmann::json::object());
  };
  return command;
}

}  // namespace jl::cli
