#include <memory>

#include "core/console.h"
#include "models/model_store.h"
#include "pipelines/speech/speech_units.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_speech_command(CLI::App& parent, const GlobalOptions& global) {
  Command command;
  command.app = parent.add_subcommand("speech", "Speech as discrete units: a recording to its unit sequence");
  command.app->require_subcommand(1);

  auto units = std::make_shared<speech::SpeechUnitsParams>();
  CLI::App* u = command.app->add_subcommand(
      "units", "Write a recording's speech units (50 a second) as UNITxFRAMES runs: the de-duplicated units and their durations");
  u->add_option("input", units->input, "A recording (any audio or video FFmpeg reads)")->required();
  u->add_option("-o,--output", units->output, "The units file to write (e.g. units.txt)")->required();
  u->add_option("--model", units->model, "The unit codebook checkpoint (jielong train units)")->capture_default_str();

  command.run = [=, &global] {
    units->overwrite = global.overwrite;
    models::ModelStore store(global.models_dir);
    const nlohmann::json r = speech::speech_units(*units, store);
    emit_result(r);
    say("wrote " + std::to_string(r.at("runs").get<size_t>()) + " unit runs (" + std::to_string(r.at("frames").get<size_t>()) +
        " frames, " + std::to_string(r.at("seconds").get<double>()).substr(0, 5) + " s) to " + units->output.string());
  };
  return command;
}

}  // namespace jl::cli
