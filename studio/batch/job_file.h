// Batch job files: what `jielong batch` renders, read and expanded into items before anything runs.
//
// A file is JSON — {"defaults": {...}, "jobs": [{...}, ...]} or a bare array of jobs — or JSON Lines
// (one job per line; a first line {"defaults": {...}} sets the file's defaults). A job is a task name
// and that task's command-line flags as fields ("cfg_scale" is --cfg-scale), plus an output template:
//   {"task": "txt2img", "prompt": ["a red circle", "a blue star"], "seed": {"from": 1, "count": 4},
//    "method": ["maskgit", "diffusion"], "output": "{task}/{prompt_slug}_{method}_{seed}.png"}
// A field given as a list is a grid axis: the job expands to every combination, the first axis
// outermost (here 2 prompts x 4 seeds x 2 methods = 16 items). {"from": A, "count": N} is the list
// A, A+1, ..., A+N-1. Paths in input fields are relative to the job file's folder; outputs are
// relative to the output root. This file knows nothing of the tasks' flags: the task layer
// (batch_tasks.h) checks each item's fields the way the command line does.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace jl::batch {

namespace fs = std::filesystem;

// One output to render: a task, its scalar fields (grids expanded, input paths resolved), and where
// the output goes under the output root.
struct BatchItem {
  int job = 0;                     // the job's index in the file (0-based, as jobs[i])
  int item = 0;                    // the item's index within its job's grid
  int index = 0;                   // the item's index in the whole file
  std::string task;
  nlohmann::ordered_json fields;   // flag name (snake_case) -> string, number or bool; "inputs" may be a list
  fs::path output;                 // relative to the output root

  // "jobs.json: jobs[2] item 5" (or "jobs.jsonl:3 item 5" for JSON Lines), for messages.
  std::string where;
  // Where each field was written: "jobs.json: jobs[2].seed" or "jobs.json: defaults.seed".
  std::map<std::string, std::string> origin;
  // A stable hash of everything that decides the output's bytes: the task, the fields as written
  // and the output path.
  std::string params_hash;
};

struct JobFile {
  fs::path path;
  std::vector<BatchItem> items;
};

// The fields whose values are paths of inputs (resolved against the job file's folder).
bool is_input_path_field(const std::string& field);

// Reads, checks the structure and expands every job. Any problem is a jl::UsageError that names the
// file, the job, the field and what is expected (the CLI exits 2).
// `tasks` are the task names a job may use (and that "defaults" may hold sections for).
JobFile read_job_file(const fs::path& path, const std::vector<std::string>& tasks);
// The same on text already read; `name` is used in messages, relative input paths resolve against `base`.
JobFile parse_job_file(const std::string& text, const std::string& name, const fs::path& base,
                       const std::vector<std::string>& tasks);

// "a red circle in the top left" -> "a-red-circle-in-the-top-left" (lower case, a-z0-9 and '-', at
// most 60 characters): a file-name-safe form of a prompt.
std::string slug(const std::string& text);

// Items i with i % count == index: deterministic, disjoint, covering, and balanced across shards.
std::vector<BatchItem> shard(const std::vector<BatchItem>& items, int index, int count);

}  // namespace jl::batch
