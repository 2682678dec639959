#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "models/model_store.h"
#include "models/runtime.h"
#include "studio/cli/commands.h"
#include "studio/gui/app.h"

namespace jl::cli {

namespace {

// libtorch's OpenMP threads spin while they wait for each other, which takes the cores from the
// window's thread and, when another process keeps a core busy, slows renders twofold. Waiting
// passively fixes both (docs/benchmarks.md: the longest frame 20-23 ms instead of 30-46, 16 diffusion
// pictures beside a training process in 5.4 s instead of 12.0) at 10-20% of a render's time on an
// idle machine. libgomp reads OMP_WAIT_POLICY when it loads, before main(), so the studio starts
// itself again with it set (unless the user set it).
void wait_passively_in_openmp() {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> words;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    words.push_back(all.substr(start, end - start));
    start = end == std::string::npos ? all.size() : end + 1;
  }
  if (words.empty()) return;
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  ::setenv("OMP_WAIT_POLICY", "passive", 1);
  ::execv("/proc/self/exe", argv.data());
  // Could not start again: go on with OpenMP's default, slower beside the window but correct.
}

}  // namespace

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
    wait_passively_in_openmp();
    gui::StudioOptions o = *options;
    o.threads = jl::threads();
    models::ModelStore store(global.models_dir);
    gui::run_studio(store, o);
  };
  return command;
}

}  // namespace jl::cli
