// `jielong batch`: reads a job file, validates all of it, and renders what is missing — one model
// store for the whole run, one output at a time, each written atomically and recorded in the
// manifest, a failing item reported and skipped past. With --shard I/N a process takes its share of
// the items (item k goes to shard k mod N), so N processes (a Slurm array) cover the file exactly
// once between them, writing into one shared folder.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace jl::models {
class ModelStore;
}

namespace jl::batch {

namespace fs = std::filesystem;

struct BatchOptions {
  fs::path job_file;
  fs::path out_root = ".";     // outputs and the manifest go under it
  int shard_index = 0;
  int shard_count = 1;
  bool overwrite = false;      // render again outputs that exist without a matching record
  bool dry_run = false;        // validate and show the plan; render nothing
  const std::atomic<bool>* cancel = nullptr;

  void validate() const;       // jl::UsageError naming the flag
};

struct BatchSummary {
  int items = 0;               // in the whole file
  int mine = 0;                // in this shard
  int done = 0, skipped = 0, failed = 0;
  int judged = 0, judge_passed = 0;  // items rendered with "judge": true
  std::vector<std::pair<std::string, std::string>> failures;  // (where, why)
  double seconds = 0;
};

// A problem with the job file is a jl::UsageError; outputs in the way (without --overwrite) a
// jl::Error; items that fail are counted in the summary and do not stop the run.
BatchSummary run_batch(const BatchOptions& options, models::ModelStore& store);

// "I/N" -> (I, N); UsageError unless 0 <= I < N.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace jl::batch
