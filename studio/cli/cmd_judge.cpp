#include <cstdio>
#include <memory>

#include "core/console.h"
#include "pipelines/shapeworld.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

struct JudgeArgs {
  std::string prompt;
  std::string file;
};

}  // namespace

Command add_judge_command(CLI::App& parent, const GlobalOptions&) {
  auto args = std::make_shared<JudgeArgs>();
  Command command;
  command.app = parent.add_subcommand("judge", "Judge an image or video against a ShapeWorld prompt; prints one JSON object");
  command.app->add_option("--prompt", args->prompt, "The prompt to check")->required();
  command.app->add_option("file", args->file, "The image or video to judge")->required();
  command.run = [args] {
    const nlohmann::json j = judge_file(args->prompt, args->file);
    std::printf("%s\n", json_line(j).c_str());
  };
  return command;
}

}  // namespace jl::cli
