// jielong: the studio's one binary. Parses the command line, runs the chosen subcommand, and turns
// every failure into one line on stderr and an exit code: 0 done, 1 failed (jl::Error), 2 bad usage,
// 3 partly failed (a batch with failed items), 130 cancelled.
#include <malloc.h>

#include <cstdio>
#include <vector>

#include "core/console.h"
#include "core/error.h"
#include "studio/cli/commands.h"

int main(int argc, char** argv) {
  // Video and image pipelines allocate frame-sized buffers (megabytes) for every frame. glibc serves
  // those with fresh mmaps and returns them on free, so each frame paid for faulting in and zeroing
  // its pages again: a quarter of frame interpolation's time went to the kernel. Keeping them on the
  // heap lets freed frames be reused.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  using namespace jl::cli;
  CLI::App app{"Jielong Studio: generate and edit images, video and speech on the CPU.\n"
               "Run `jielong COMMAND --help` for the flags of a command.",
               "jielong"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags are accepted after the subcommand name too
  app.set_help_all_flag("--help-all", "Show the help of every command");
  app.set_version_flag("--version", std::string("jielong ") + JL_VERSION);

  GlobalOptions global;
  for (int i = 0; i < argc; ++i) global.command_line += (i ? " " : "") + std::string(argv[i]);
  global.add_to(app);
  const std::vector<Command> commands = {
      add_version_command(app, global),
      add_info_command(app, global),
      add_convert_command(app, global),
      add_probe_command(app, global),
      add_world_command(app, global),
      add_judge_command(app, global),
      add_eval_command(app, global),
      add_txt2img_command(app, global),
      add_inpaint_command(app, global),
      add_upscale_command(app, global),
      add_eval_upscale_command(app, global),
      add_interpolate_command(app, global),
      add_eval_interpolate_command(app, global),
      add_eval_speech_command(app, global),
      add_speech_command(app, global),
      add_speak_command(app, global),
      add_watermark_command(app, global),
      add_holdout_command(app, global),
      add_train_command(app, global),
      add_batch_command(app, global),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {  // a ParseError to CLI11, but a request like --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string where = app.get_subcommands().empty() ? "jielong" : "jielong " + app.get_subcommands()[0]->get_name();
    std::fprintf(stderr, "jielong: %s (see `%s --help`)\n", e.what(), where.c_str());
    return 2;
  }

  install_cancel_handlers();
  try {
    global.apply();
    for (const Command& command : commands)
      if (command.app->parsed()) command.run();
    return 0;
  } catch (const jl::PartialFailure& e) {
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 3;
  } catch (const jl::UsageError& e) {
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 2;
  } catch (const jl::Error& e) {
    if (cancel_requested()) {
      std::fprintf(stderr, "jielong: cancelled; nothing was left half-written\n");
      return 130;
    }
    std::fprintf(stderr, "jielong: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // Anything else is a bug, but it still ends in one line, not a crash.
    std::fprintf(stderr, "jielong: internal error: %s (please report it)\n", e.what());
    return 1;
  }
}
