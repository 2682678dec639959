// jielong: the program users run. It links no libtorch, because loading libtorch takes ~0.3 s before
// anything else happens, and for `jielong upscale` with an UpscalerJS model or bicubic that is most
// of a small picture's time. Those runs happen here; any other command line (other subcommands,
// photo and world upscaling, --help, --version, any parse error) is handed unchanged to jielong-full,
// the program with every subcommand, which sits beside this one and answers exactly as it would
// have.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "studio/cli/commands.h"

namespace {

[[noreturn]] void hand_to_full_program(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path full = (ec ? std::filesystem::path(argv[0]).parent_path() : self.parent_path()) / "jielong-full";
  ::execv(full.c_str(), argv);
  std::fprintf(stderr, "jielong: cannot start %s (%s); build it with `make build`\n", full.c_str(), std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace jl::cli;
  keep_frame_buffers_on_heap();
  CLI::App app{"", "jielong"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  for (int i = 0; i < argc; ++i) global.command_line += (i ? " " : "") + std::string(argv[i]);
  global.add_to(app);
  jl::UpscaleParams params;
  const CLI::App* upscale = add_upscale_subcommand(app, params);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error&) {
    hand_to_full_program(argv);
  }
  if (!upscale->parsed() || jl::upscaler_needs_libtorch(params.model)) hand_to_full_program(argv);
  return run_reporting_errors(global, [&] { run_upscale(params, global, jl::load_file_upscaler); });
}
