// A checkpoint's metadata (DESIGN.md conventions 1-3): which model, its config, the command that
// trained it, on what data, after how many steps. Free of libtorch: listings and the model store read
// it from the safetensors header alone (models/checkpoint.h loads the tensors).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace jl::models {

namespace fs = std::filesystem;

struct CheckpointInfo {
  std::string model;       // model family, e.g. "vq"; load_strict can insist on it
  nlohmann::json config;   // the model's XxxConfig as JSON
  std::string command;     // the command line that trained it, to reproduce it
  std::string dataset;     // what it was trained on, in words
  int64_t step = 0;        // training steps taken
  std::map<std::string, std::string> extra;  // any other metadata entries, kept as they are

  // Metadata keys "model", "config" (JSON text), "command", "dataset", "step" (decimal) plus `extra`.
  // Throws jl::Error when an `extra` key collides with one of those.
  std::map<std::string, std::string> to_metadata() const;
  // Throws jl::Error naming `source` when "model" or "config" is missing, the config is not valid
  // JSON, or "step" is not an integer.
  static CheckpointInfo from_metadata(const std::map<std::string, std::string>& metadata, const fs::path& source);
};

// Reads only the header: for listings and for building the right model before loading.
CheckpointInfo read_checkpoint_info(const fs::path& path);

}  // namespace jl::models
