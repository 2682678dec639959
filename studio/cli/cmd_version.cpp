#include <nlohmann/json.hpp>

#include "core/console.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_version_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand("version", "Print the version of jielong");
  command.run = [&global] {
    emit_result({{"version", JL_VERSION}});
    if (!global.json) std::printf("jielong %s\n", JL_VERSION);
  };
  return command;
}

}  // namespace jl::cli
