// jielong-full: the studio's program with every subcommand (libtorch loaded). Users run `jielong`,
// the torch-free front end (front_main.cpp), which runs what it can itself and hands everything else
// to this program with the same arguments. Parses the command line, runs the chosen subcommand, and
// turns every failure into one line on stderr and an exit code (run_reporting_errors).
#include <cstdio>
#include <vector>

#include "models/runtime.h"
#include "pipelines/net_upscaler.h"
#include "studio/cli/commands.h"

int main(int argc, char** argv) {
  using namespace jl::cli;
  keep_frame_buffers_on_heap();
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
      add_upscale_command(app, global, jl::load_upscaler),
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
      add_studio_command(app, global),
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

  return run_reporting_errors(global, [&] {
    jl::set_threads(global.threads);  // libtorch's pool (apply() has set OpenCV's)
    for (const Command& command : commands)
      if (command.app->parsed()) command.run();
  });
}
