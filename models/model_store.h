// Finds checkpoints and keeps loaded models for the life of the process, so that the GUI and a batch
// run never load a model twice. Search order: --models-dir, then $JIELONG_MODELS (colon-separated),
// then the shipped assets/models of this source tree.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace jl::models {

namespace fs = std::filesystem;

struct CheckpointEntry {
  std::string name;      // file stem: what `--model NAME` refers to
  fs::path path;
  uintmax_t bytes = 0;
  std::string model;     // metadata "model" (the architecture)
  int64_t step = 0;      // metadata "step"
  std::string problem;   // non-empty when the header could not be read: why
};

// Where fetched third-party models live (never committed): $JIELONG_CACHE/models, by default
// ~/.cache/jielong/models (scripts/fetch-upscalerjs.sh fills upscalerjs/ there).
fs::path models_cache_dir();

class ModelStore {
 public:
  // `models_dir` is the --models-dir flag (empty when not given).
  explicit ModelStore(const fs::path& models_dir = {});

  const std::vector<fs::path>& search_path() const { return search_path_; }

  // Every *.safetensors in the search path, by reading headers only (cheap); an unreadable file is
  // listed with its problem rather than hiding it. A name found in two folders is listed once, from
  // the earlier folder, which is the one find() uses.
  std::vector<CheckpointEntry> list() const;

  // The path of NAME.safetensors (or NAME given as a path). A jl::Error lists the folders searched.
  fs::path find(const std::string& name) const;
  bool contains(const std::string& name) const;  // find() would succeed
  // Keeps a model made in memory (a trainer's model under training) under `name`, so that pipelines
  // asked for that name run it.
  template <class T>
  void put(const std::string& name, std::shared_ptr<T> model) {
    std::lock_guard<std::mutex> lock(mutex_);
    loaded_[name] = std::move(model);
  }

  // The model of type T loaded from checkpoint `name` by `load`, loaded at most once per store and
  // shared afterwards. Thread-safe.
  template <class T>
  std::shared_ptr<T> get(const std::string& name, const std::function<std::shared_ptr<T>(const fs::path&)>& load) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = loaded_.find(name);
    if (it == loaded_.end()) it = loaded_.emplace(name, load(find(name))).first;  // a failed load stores nothing
    return std::static_pointer_cast<T>(it->second);
  }
  // The same for a model file found by other means (a TF.js model.json in the models cache), keyed
  // by its path.
  template <class T>
  std::shared_ptr<T> get_file(const fs::path& file, const std::function<std::shared_ptr<T>(const fs::path&)>& load) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string key = "file:" + file.string();
    auto it = loaded_.find(key);
    if (it == loaded_.end()) it = loaded_.emplace(key, load(file)).first;
    return std::static_pointer_cast<T>(it->second);
  }
  size_t loaded_count() const;
  std::vector<std::string> loaded_names() const;  // what get() has loaded, for the GUI's status bar

 private:
  fs::path locate(const std::string& name) const;  // empty when not found
  std::vector<fs::path> search_path_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<void>> loaded_;
};

// The companion checkpoint (tokenizer, text encoder) that `model` reads: `requested` when given, else
// the one its checkpoint records under `key` (training writes "tokenizer" and "text_encoder"), else
// `fallback`. So a generator keeps working when its companions are retrained under new names, until
// it is retrained itself.
std::string companion_for(const ModelStore& store, const std::string& model, const std::string& key,
                          const std::string& requested, const std::string& fallback);
inline std::string tokenizer_for(const ModelStore& store, const std::string& generator, const std::string& requested) {
  return companion_for(store, generator, "tokenizer", requested, "tokenizer");
}
inline std::string text_encoder_for(const ModelStore& store, const std::string& generator, const std::string& requested) {
  return companion_for(store, generator, "text_encoder", requested, "text_encoder");
}

}  // namespace jl::models
