#include <cstdio>
#include <memory>

#include "core/atomic_file.h"
#include "core/console.h"
#include "pipelines/shapeworld.h"
#include "studio/cli/commands.h"

namespace jl::cli {
namespace {

struct EvalArgs {
  EvalParams params;
  std::string report;  // optional path for the JSON report
};

void print_eval_table(const nlohmann::json& r) {
  std::printf("%-12s %8s %8s %9s\n", "clause", "passed", "total", "accuracy");
  for (const auto& [kind, c] : r.at("clauses").items())
    std::printf("%-12s %8d %8d %8.1f%%\n", kind.c_str(), c.at("passed").get<int>(), c.at("total").get<int>(),
                100 * c.at("accuracy").get<double>());
  std::printf("%-12s %8d %8d %8.1f%%\n", "overall", r.at("passed").get<int>(), r.at("prompts").get<int>(),
              100 * r.at("accuracy").get<double>());
  const auto& failures = r.at("failures");
  if (!failures.empty()) std::printf("\n%zu failure(s), first ones:\n", failures.size());
  for (size_t i = 0; i < failures.size() && i < 10; ++i) {
    const auto& f = failures[i];
    std::string why;
    if (f.contains("error")) why = f.at("error").get<std::string>();
    else
      for (const auto& c : f.at("failed"))
        why += (why.empty() ? "" : "; ") + c.at("kind").get<std::string>() + ": " + c.at("found").get<std::string>();
    std::printf("  [%d] %s -> %s\n", f.at("index").get<int>(), f.at("prompt").get<std::string>().c_str(), why.c_str());
  }
}

}  // namespace

Command add_eval_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<EvalArgs>();
  Command command;
  command.app = parent.add_subcommand(
      "eval", "Judge a folder of outputs against a prompt list: overall and per-clause accuracy, and the failures");
  command.app->add_option("--prompts", args->params.prompts,
                          "Prompt list: one prompt a line; line N (from 0) is judged against the file whose stem is N, "
                          "or against the stem given after a tab")
      ->required();
  command.app->add_option("--inputs", args->params.inputs, "Folder of images or videos")->required();
  command.app->add_option("--report", args->report, "Also write the whole JSON result to this file");
  command.run = [args, &global] {
    if (!args->report.empty()) check_can_write(args->report, global.overwrite);  // before the long part
    const nlohmann::json r = evaluate(args->params, progress_callbacks("eval"));
    if (!args->report.empty()) write_file_atomic(args->report, json_line(r) + "\n", global.overwrite);
    emit_result(r);
    if (!global.json) print_eval_table(r);
  };
  return command;
}

}  // namespace jl::cli
