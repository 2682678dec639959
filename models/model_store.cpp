#include "models/model_store.h"

#include <cstdlib>
#include <set>
#include <sstream>

#include "core/error.h"
#include "models/checkpoint_info.h"

namespace jl::models {

fs::path models_cache_dir() {
  if (const char* cache = std::getenv("JIELONG_CACHE"); cache && *cache) return fs::path(cache) / "models";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "jielong" / "models";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "jielong" / "models";
}

ModelStore::ModelStore(const fs::path& models_dir) {
  if (!models_dir.empty()) search_path_.push_back(models_dir);
  if (const char* env = std::getenv("JIELONG_MODELS")) {
    std::stringstream list(env);
    std::string dir;
    while (std::getline(list, dir, ':'))
      if (!dir.empty()) search_path_.push_back(dir);
  }
  search_path_.push_back(fs::path(JL_SOURCE_DIR) / "assets" / "models");
}

std::vector<CheckpointEntry> ModelStore::list() const {
  std::vector<CheckpointEntry> entries;
  std::set<std::string> seen;
  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(dir, ec))
      if (item.path().extension() == ".safetensors") files.push_back(item.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      CheckpointEntry e;
      e.name = file.stem().string();
      if (!seen.insert(e.name).second) continue;
      e.path = file;
      e.bytes = fs::file_size(file, ec);
      try {
        // The same header check loading does, so a file listed without a problem is one that loads.
        const CheckpointInfo info = read_checkpoint_info(file);
        e.model = info.model;
        e.step = info.step;
      } catch (const Error& error) {
        e.problem = error.what();
      }
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

fs::path ModelStore::locate(const std::string& name) const {
  std::error_code ec;
  if (fs::path(name).extension() == ".safetensors" && fs::is_regular_file(name, ec)) return name;
  for (const auto& dir : search_path_) {
    const fs::path candidate = dir / (name + ".safetensors");
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

fs::path ModelStore::find(const std::string& name) const {
  if (fs::path found = locate(name); !found.empty()) return found;
  std::string searched;
  for (const auto& dir : search_path_) searched += (searched.empty() ? "" : ", ") + dir.string();
  throw Error("model '" + name + "' not found (looked for " + name + ".safetensors in " + searched +
              "); train it with `jielong train`, or point --models-dir at the folder that has it");
}

bool ModelStore::contains(const std::string& name) const { return !locate(name).empty(); }

size_t ModelStore::loaded_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loaded_.size();
}

std::vector<std::string> ModelStore::loaded_names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [key, model] : loaded_) {
    // Files are keyed "file:<path>": their folder names the model (UpscalerJS: .../slim/x2/model.json).
    const fs::path file = key.rfind("file:", 0) == 0 ? fs::path(key.substr(5)) : fs::path();
    names.push_back(file.empty() ? key : file.parent_path().parent_path().filename().string() + " " + file.parent_path().filename().string());
  }
  return names;
}

std::string companion_for(const ModelStore& store, const std::string& model, const std::string& key,
                          const std::string& requested, const std::string& fallback) {
  if (!requested.empty()) return requested;
  const CheckpointInfo info = read_checkpoint_info(store.find(model));
  const auto recorded = info.extra.find(key);
  return recorded != info.extra.end() && !recorded->second.empty() ? recorded->second : fallback;
}

}  // namespace jl::models
