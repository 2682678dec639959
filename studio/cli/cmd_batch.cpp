#include <memory>

#include "core/console.h"
#include "core/error.h"
#include "models/model_store.h"
#include "studio/batch/batch_runner.h"
#include "studio/cli/commands.h"

namespace jl::cli {

Command add_batch_command(CLI::App& parent, const GlobalOptions& global) {
  auto options = std::make_shared<batch::BatchOptions>();
  auto shard = std::make_shared<std::string>();
  Command command;
  command.app = parent.add_subcommand(
      "batch",
      "Render a job file (JSON or JSON Lines) headless: grids of prompts x seeds x methods, resumable, "
      "shardable over machines (docs/batch.md). Exit 0 all done, 3 some items failed, 2 invalid job file.");
  command.app->add_option("jobs", options->job_file, "The job file (.json or .jsonl)")->required();
  command.app->add_option("--out", options->out_root, "Output root: the outputs' templates and the manifest are under it")
      ->capture_default_str();
  command.app->add_option("--shard", *shard, "Render only share I of N (0 <= I < N): item k goes to shard k mod N");
  command.app->add_flag("--dry-run", options->dry_run, "Validate the file and list what would be rendered");
  command.run = [options, shard, &global] {
    if (!shard->empty()) std::tie(options->shard_index, options->shard_count) = batch::parse_shard(*shard);
    options->overwrite = global.overwrite;
    options->cancel = cancel_signal();
    models::ModelStore store(global.models_dir);
    const batch::BatchSummary s = batch::run_batch(*options, store);
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [where, why] : s.failures) failures.push_back({{"where", where}, {"error", why}});
    const double rate = s.seconds > 0 ? s.done / s.seconds : 0;
    emit_result({{"items", s.items}, {"mine", s.mine}, {"done", s.done}, {"skipped", s.skipped}, {"failed", s.failed},
                 {"failures", failures}, {"judged", s.judged}, {"judge_passed", s.judge_passed}, {"seconds", s.seconds}, {"items_per_second", rate}, {"out", options->out_root.string()}});
    if (options->dry_run) return;
    char line[160];
    std::snprintf(line, sizeof line, "batch: %d done, %d skipped (already done), %d failed in %s (%.2f items/s); outputs under ",
                  s.done, s.skipped, s.failed, format_duration(s.seconds).c_str(), rate);
    say(line + options->out_root.string());
    if (s.judged > 0)
      say("judge: " + std::to_string(s.judge_passed) + " of " + std::to_string(s.judged) + " judged outputs pass their prompts");
    for (const auto& [where, why] : s.failures) say("  failed: " + where + ": " + why);
    if (s.failed > 0)
      throw PartialFailure(std::to_string(s.failed) + " of " + std::to_string(s.mine) +
                           " item(s) failed (listed above); fix them and rerun: finished outputs are skipped");
  };
  return command;
}

}  // namespace jl::cli
