// The tasks a batch job can name, each filled exactly the way its command fills it: a job's fields
// become the command's flags ("cfg_scale": 5 is --cfg-scale 5, "judge": true is --judge) and go
// through the same CLI11 options, params structs and validate(); so an item and a single command
// with the same flags produce the same params, and the same bytes.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"
#include "studio/batch/job_file.h"

namespace jl::models {
class ModelStore;
}

namespace jl::batch {

// txt2img, inpaint, upscale, convert (video and speech tasks join as their commands land).
const std::vector<std::string>& task_names();

// An item whose fields were checked, ready to run.
class PreparedTask {
 public:
  virtual ~PreparedTask() = default;
  // Renders into `file` (a temporary name in the output's folder, with its extension) and returns
  // what is worth recording beside it (for example the judge's verdict).
  virtual nlohmann::json run(models::ModelStore& store, const fs::path& file, const Callbacks& callbacks) = 0;
};

// Checks the item's fields as its command would, and that the checkpoints it names exist; a
// jl::UsageError names the item, the field and what is expected.
std::unique_ptr<PreparedTask> prepare(const BatchItem& item, models::ModelStore& store);

}  // namespace jl::batch
