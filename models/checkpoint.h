// Checkpoints: a module's parameters and buffers in a safetensors file, plus metadata that makes the
// file self-describing (DESIGN.md conventions 1-3): which model, its config, the command that trained
// it, on what data, after how many steps. Loading is strict: every key present, every shape equal, and
// an error names the tensor and both shapes.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/checkpoint_info.h"
#include "models/safetensors.h"

namespace torch::nn {
class Module;
}

namespace jl::models {

namespace fs = std::filesystem;

// The tensors a checkpoint of `module` holds: named_parameters() and named_buffers(), keyed by the
// module's own names (the names register_module gave them).
std::map<std::string, at::Tensor> module_tensors(const torch::nn::Module& module);

// Writes tensors (any device, any layout; saved as contiguous CPU data) atomically. Supported dtypes:
// float32, float16, bfloat16, int64, int32, uint8; anything else is a jl::Error naming the tensor.
void save_tensors(const fs::path& path, const std::map<std::string, at::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata, bool overwrite = false);

// module_tensors(module) + info. Refuses to replace an existing file unless `overwrite`.
void save_checkpoint(const fs::path& path, const torch::nn::Module& module, const CheckpointInfo& info,
                     bool overwrite = false);

// An open checkpoint file (memory-mapped until destroyed).
class Checkpoint {
 public:
  explicit Checkpoint(const fs::path& path);

  const fs::path& path() const { return file_.path(); }
  const CheckpointInfo& info() const { return info_; }
  std::vector<std::string> names() const { return file_.names(); }  // sorted
  bool contains(const std::string& name) const { return file_.contains(name); }
  const st::TensorView& view(const std::string& name) const { return file_.at(name); }
  // A CPU tensor with its own memory (valid after the Checkpoint is gone), in the stored dtype.
  at::Tensor tensor(const std::string& name) const;

 private:
  st::SafetensorsFile file_;
  CheckpointInfo info_;
};

// Copies every parameter and buffer of `module` from `checkpoint`. Everything is checked before
// anything is copied, so on error the module is unchanged; the one-line jl::Error lists each problem:
// "KEY: got [..], expected [..]", "missing tensor KEY (expected [..])", "unexpected tensor KEY [..]",
// and a model name other than `expected_model` (when given). Floating-point data is cast to the
// parameter's dtype (an F16 checkpoint loads into float32 parameters); integer data must be integer.
void load_strict(torch::nn::Module& module, const Checkpoint& checkpoint, const std::string& expected_model = "");

// Throws unless the checkpoint's model name is `expected_model`: "PATH: is a checkpoint of model 'x',
// expected 'y'".
void check_model_name(const Checkpoint& checkpoint, const std::string& expected_model);

[[noreturn]] void throw_config_error(const Checkpoint& checkpoint, const std::string& problem);

// The checkpoint's config as `Config` (through its from_json), after checking the model name; a
// missing or mistyped field is a jl::Error naming the file and the field.
template <class Config>
Config read_config(const Checkpoint& checkpoint, const std::string& expected_model) {
  check_model_name(checkpoint, expected_model);
  Config config;
  try {
    from_json(checkpoint.info().config, config);
    config.validate();
  } catch (const std::exception& e) {  // a json field error, or jl::Error from validate()
    throw_config_error(checkpoint, e.what());
  }
  return config;
}

// The usual way to load a model: build `Holder` (a TORCH_MODULE holder) from the checkpoint's config,
// load its tensors strictly, and switch it to eval mode.
template <class Holder, class Config>
Holder load_model(const fs::path& path, const std::string& model_name) {
  const Checkpoint checkpoint(path);
  Holder model(read_config<Config>(checkpoint, model_name));
  load_strict(*model, checkpoint, model_name);
  model->eval();
  return model;
}

}  // namespace jl::models
