#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/upscale.h"
#include "studio/cli/commands.h"

namespace jl::cli {

void add_upscale_options(CLI::App& app, UpscaleParams& params) {
  std::string models;
  for (const std::string& name : upscaler_names()) models += (models.empty() ? "" : "|") + name;
  app.add_option("input", params.input, "A picture, a folder of pictures, or a video")->required();
  app.add_option("-o,--output", params.output, "The same kind: a picture, a folder, a video (its audio is kept)")->required();
  app.add_option("--model", params.model,
                 "Upscaler: " + models + " (slim/medium/thick: UpscalerJS ESRGAN, fetched by scripts/fetch-upscalerjs.sh)")
      ->capture_default_str();
  app.add_option("--scale", params.scale, "2, 3, 4 or 8")->capture_default_str();
  app.add_option("--tile", params.tile, "Input pixels per tile side (0: the whole picture at once)")->capture_default_str();
  app.add_option("--overlap", params.overlap, "Input pixels of context each tile takes from its neighbours")->capture_default_str();
}

CLI::App* add_upscale_subcommand(CLI::App& parent, UpscaleParams& params) {
  CLI::App* app = parent.add_subcommand("upscale", "Make pictures, folders of pictures or videos larger with a learned upscaler (tiled)");
  add_upscale_options(*app, params);
  return app;
}

void run_upscale(UpscaleParams params, const GlobalOptions& global, const UpscalerLoader& load) {
  params.overwrite = global.overwrite;
  params.validate();
  models::ModelStore store(global.models_dir);
  const UpscaleResult r = upscale_with(load, params, store, progress_callbacks("upscale"));
  char line[200];
  std::snprintf(line, sizeof line, "wrote %s (%lld picture(s), %dx%d, %.2f megapixels/s)", r.output.string().c_str(),
                static_cast<long long>(r.pictures), r.width, r.height, r.megapixels_per_second);
  say(line);
  emit_result({{"output", r.output.string()}, {"pictures", r.pictures}, {"width", r.width}, {"height", r.height},
               {"seconds", r.seconds}, {"megapixels_per_second", r.megapixels_per_second}});
}

Command add_upscale_command(CLI::App& parent, const GlobalOptions& global, UpscalerLoader load) {
  auto params = std::make_shared<UpscaleParams>();
  Command command;
  command.app = add_upscale_subcommand(parent, *params);
  command.run = [params, &global, load = std::move(load)] { run_upscale(*params, global, load); };
  return command;
}

}  // namespace jl::cli
