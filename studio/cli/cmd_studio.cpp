#include "models/model_store.h"
#include "models/runtime.h"
#include "studio/cli/commands.h"
#include "studio/gui/app.h"

namespace jl::cli {

Command add_studio_command(CLI::App& parent, const GlobalOptions& global) {
  auto options = std::make_shared<gui::StudioOptions>();
  Command command;
  command.app = parent.add_subcommand("studio", "Open the studio's window: generate, inpaint, upscale, browse the gallery");
  command.app->add_option("--open", options->open, "A picture to open at start");
  command.app->add_option("--output-dir", options->output_dir,
                          "Where Save writes and the gallery looks (default: the last one used, else ~/Pictures/jielong or ./outputs)");
  command.app->add_option("--config-dir", options->config_dir,
                          "Where the settings and the panels' layout are kept (default: $JIELONG_CONFIG_DIR, $XDG_CONFIG_HOME/jielong or ~/.config/jielong)");
  command.app->add_option("--ui-report", options->ui_report,
                          "Keep writing the widgets' screen positions and the state to this JSON file (for automated GUI tests)");
  command.run = [options, &global] {
    gui::StudioOptions o = *options;
    o.threads = jl::threads();
    models::ModelStore store(global.models_dir);
    gui::run_studio(store, o);
  };
  return command;
}

}  // namespace jl::cli
