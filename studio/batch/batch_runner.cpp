#include "studio/batch/batch_runner.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>

#include "core/atomic_file.h"
#include "core/console.h"
#include "core/error.h"
#include "studio/batch/batch_tasks.h"
#include "studio/batch/job_file.h"
#include "studio/batch/manifest.h"

namespace jl::batch {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The first line of a message (torch and OpenCV errors run over several).
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Temporary files of these outputs left by a process that no longer runs (kill -9): removed, so a
// crash leaves no litter behind once the batch is rerun. AtomicFile names them
// ".STEM.jl-tmp-PID-N.EXT" beside the output.
void remove_stale_temporaries(const fs::path& root, const std::vector<BatchItem>& items) {
  std::set<fs::path> folders;
  std::set<std::string> prefixes;
  for (const BatchItem& item : items) {
    folders.insert(root / item.output.parent_path());
    prefixes.insert((root / item.output.parent_path() / ("." + item.output.stem().string() + ".jl-tmp-")).string());
  }
  std::error_code ec;
  for (const fs::path& folder : folders) {
    if (!fs::is_directory(folder, ec)) continue;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string path = entry.path().string();
      const size_t tag = path.rfind(".jl-tmp-");
      if (tag == std::string::npos || !prefixes.count(path.substr(0, tag + 8))) continue;
      const long pid = std::strtol(path.c_str() + tag + 8, nullptr, 10);
      if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) fs::remove(entry.path(), ec);
    }
  }
}

nlohmann::json item_event(const BatchItem& item, const std::string& status) {
  return {{"event", "item"}, {"status", status}, {"index", item.index}, {"job", item.job},
          {"item", item.item}, {"task", item.task}, {"output", item.output.generic_string()}};
}

}  // namespace

void BatchOptions::validate() const {
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count)
    throw UsageError("--shard I/N needs 0 <= I < N, got " + std::to_string(shard_index) + "/" + std::to_string(shard_count));
  std::error_code ec;
  if (fs::exists(out_root, ec) && !fs::is_directory(out_root, ec))
    throw UsageError("--out " + out_root.string() + " is a file; give a folder");
}

std::pair<int, int> parse_shard(const std::string& text) {
  int index = -1, count = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &index, &slash, &count, &extra) != 3 || slash != '/' || count < 1 ||
      index < 0 || index >= count)
    throw UsageError("--shard takes I/N with 0 <= I < N (for example 0/4, or $SLURM_ARRAY_TASK_ID/4), got '" + text + "'");
  return {index, count};
}

BatchSummary run_batch(const BatchOptions& options, models::ModelStore& store) {
  options.validate();
  const auto start = Clock::now();
  const JobFile file = read_job_file(options.job_file, task_names());

  // Every item of the whole file is checked (in every shard, so all shards agree on what is wrong).
  std::vector<BatchItem> mine;
  std::vector<std::unique_ptr<PreparedTask>> tasks;
  for (const BatchItem& item : file.items) {
    std::unique_ptr<PreparedTask> task = prepare(item, store);
    if (item.index % options.shard_count != options.shard_index) continue;
    mine.push_back(item);
    tasks.push_back(std::move(task));
  }

  BatchSummary summary;
  summary.items = int(file.items.size());
  summary.mine = int(mine.size());
  Manifest manifest(options.out_root, Manifest::file_name_for(options.shard_index, options.shard_count));
  std::vector<size_t> todo;
  std::vector<std::string> in_the_way;
  for (size_t i = 0; i < mine.size(); ++i) {
    const std::string output = mine[i].output.generic_string();
    if (manifest.done(output, mine[i].params_hash)) {
      ++summary.skipped;
      emit_json(item_event(mine[i], "skipped"));
      continue;
    }
    std::error_code ec;
    if (fs::exists(options.out_root / mine[i].output, ec) && !options.overwrite) in_the_way.push_back(output);
    todo.push_back(i);
  }
  if (!in_the_way.empty()) {
    std::string list;
    for (size_t i = 0; i < in_the_way.size() && i < 3; ++i) list += (i ? ", " : "") + in_the_way[i];
    if (in_the_way.size() > 3) list += ", ...";
    throw Error(std::to_string(in_the_way.size()) + " output(s) under " + options.out_root.string() +
                " exist but are not recorded as made with these parameters (" + list +
                "); pass --overwrite to render them again, or choose another --out");
  }

  const std::string shard_text =
      options.shard_count > 1 ? " (shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) + ")" : "";
  say(options.job_file.string() + ": " + std::to_string(summary.items) + " item(s)" + shard_text + "; " +
      std::to_string(todo.size()) + " to render, " + std::to_string(summary.skipped) + " already done");
  emit_json({{"event", "plan"}, {"items", summary.items}, {"mine", summary.mine}, {"to_render", todo.size()},
             {"skipped", summary.skipped}, {"shard", std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count)}});
  if (options.dry_run) {
    for (size_t i : todo) {
      say("  would render " + (options.out_root / mine[i].output).string() + "  (" + mine[i].where + ")");
      emit_json(item_event(mine[i], "planned"));
    }
    summary.seconds = since(start);
    return summary;
  }

  remove_stale_temporaries(options.out_root, mine);
  Progress bar("batch", int64_t(todo.size()));
  Callbacks callbacks;
  callbacks.cancel = options.cancel;
  for (size_t n = 0; n < todo.size(); ++n) {
    const BatchItem& item = mine[todo[n]];
    const fs::path destination = options.out_root / item.output;
    const auto item_start = Clock::now();
    try {
      callbacks.throw_if_cancelled();
      std::error_code ec;
      fs::create_directories(destination.parent_path(), ec);
      AtomicFile out(destination, /*overwrite=*/true);
      nlohmann::json extra = tasks[todo[n]]->run(store, out.temp_path(), callbacks);
      extra["task"] = item.task;
      extra["seconds"] = std::round(since(item_start) * 1000) / 1000;
      // Recorded before the rename: a crash in between leaves a record whose file is missing, which
      // the next run renders again; never a file without a record.
      manifest.record({item.output.generic_string(), item.params_hash, "", 0, extra}, out.temp_path());
      out.commit();
      ++summary.done;
      if (extra.contains("judge")) {
        ++summary.judged;
        summary.judge_passed += extra["judge"].value("pass", false);
      }
      nlohmann::json event = item_event(item, "done");
      event.update(extra);
      emit_json(event);
    } catch (const std::exception& e) {
      if (options.cancel && options.cancel->load()) throw Error("cancelled");
      ++summary.failed;
      const std::string why = first_line(e.what());
      summary.failures.emplace_back(item.where + " -> " + item.output.generic_string(), why);
      nlohmann::json event = item_event(item, "failed");
      event["error"] = why;
      emit_json(event);
      say("FAILED " + item.where + " (" + destination.string() + "): " + why);
      bar.set_note(std::to_string(summary.failed) + " failed");
    }
    bar.update(int64_t(n + 1));
  }
  bar.finish();
  summary.seconds = since(start);
  return summary;
}

}  // namespace jl::batch
