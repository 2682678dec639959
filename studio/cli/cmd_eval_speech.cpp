#include <cstdio>
#include <memory>

#include "core/atomic_file.h"
#include "core/console.h"
#include "pipelines/speech/speech_eval.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_eval_speech_command(CLI::App& parent, const GlobalOptions& global) {
  struct Args {
    speech::SpeechEvalParams params;
    std::string grammar;
    std::string report;
  };
  auto args = std::make_shared<Args>();
  Command command;
  command.app = parent.add_subcommand(
      "eval-speech", "Transcribe a folder of speech with pocketsphinx and score it against the sentences: word error rate");
  command.app->add_option("--texts", args->params.texts,
                          "Sentences, one a line; line N (from 0) is scored against the audio whose stem is N, or the "
                          "stem given after a tab")
      ->required();
  command.app->add_option("--inputs", args->params.inputs, "Folder of audio files")->required();
  command.app->add_option("--grammar", args->grammar,
                          "open: the recognizer's whole English vocabulary; shapeworld: it hears only ShapeWorld "
                          "captions, and each must parse back to the scene of its text")
      ->check(CLI::IsMember({"open", "shapeworld"}))
      ->default_str("open");
  command.app->add_option("--report", args->report, "Also write the whole JSON result (every transcript) to this file");
  command.run = [args, &global] {
    if (!args->report.empty()) check_can_write(args->report, global.overwrite);  // before the long part
    args->params.shapeworld_grammar = args->grammar == "shapeworld";
    const nlohmann::json r = speech::evaluate_speech(args->params, progress_callbacks("eval-speech"));
    if (!args->report.empty()) write_file_atomic(args->report, json_line(r) + "\n", global.overwrite);
    nlohmann::json summary = r;
    summary.erase("items");
    emit_result(summary);
    if (global.json) return;
    std::printf("sentences %d, words %d: WER %.1f%% (%d substitutions, %d deletions, %d insertions)\n",
                r.at("sentences").get<int>(), r.at("words").get<int>(), 100 * r.at("wer").get<double>(),
                r.at("substitutions").get<int>(), r.at("deletions").get<int>(), r.at("insertions").get<int>());
    if (r.contains("scenes_right"))
      std::printf("scenes heard right: %d of %d (%.1f%%)\n", r.at("scenes_right").get<int>(), r.at("sentences").get<int>(),
                  100 * r.at("scene_accuracy").get<double>());
    int shown = 0;
    for (const auto& row : r.at("items")) {
      if (row.at("wer").get<double>() == 0 || shown == 5) continue;
      if (shown++ == 0) std::printf("\nfirst sentences with errors:\n");
      std::printf("  [%d] %s -> %s\n", row.at("index").get<int>(), row.at("text").get<std::string>().c_str(),
                  row.contains("error") ? row.at("error").get<std::string>().c_str()
                                        : ("\"" + row.at("heard").get<std::string>() + "\"").c_str());
    }
  };
  return command;
}

}  // namespace jl::cli
