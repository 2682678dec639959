#include "models/checkpoint.h"

#include <torch/torch.h>

#include <cstring>

#include "core/error.h"

namespace jl::models {

namespace {

std::string shape_string(at::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

st::DType stored_dtype(at::ScalarType type, const fs::path& path, const std::string& name) {
  switch (type) {
    case at::kFloat: return st::DType::F32;
    case at::kHalf: return st::DType::F16;
    case at::kBFloat16: return st::DType::BF16;
    case at::kLong: return st::DType::I64;
    case at::kInt: return st::DType::I32;
    case at::kByte: return st::DType::U8;
    default:
      throw Error(path.string() + ": tensor '" + name + "' has dtype " + c10::toString(type) +
                  ", which checkpoints do not store (use float32, float16, bfloat16, int64, int32 or uint8)");
  }
}

at::ScalarType scalar_type(st::DType dtype) {
  switch (dtype) {
    case st::DType::F32: return at::kFloat;
    case st::DType::F16: return at::kHalf;
    case st::DType::BF16: return at::kBFloat16;
    case st::DType::I64: return at::kLong;
    case st::DType::I32: return at::kInt;
    case st::DType::U8: return at::kByte;
  }
  return at::kFloat;
}

// Floating-point data converts between precisions; integer data (counters, indices) never turns into
// floats or back, which would hide a checkpoint/model mismatch.
bool loadable_into(st::DType stored, at::ScalarType target) {
  const bool stored_float = stored == st::DType::F32 || stored == st::DType::F16 || stored == st::DType::BF16;
  return stored_float ? at::isFloatingType(target) : at::isIntegralType(target, /*includeBool=*/false);
}

std::string join_problems(const std::vector<std::string>& problems) {
  constexpr size_t kShown = 8;  // keeps the message one readable line
  std::string out;
  for (size_t i = 0; i < problems.size() && i < kShown; ++i) out += (i ? "; " : "") + problems[i];
  if (problems.size() > kShown) out += "; and " + std::to_string(problems.size() - kShown) + " more";
  return out;
}

}  // namespace

// --- saving ------------------------------------------------------------------------------------------

std::map<std::string, at::Tensor> module_tensors(const torch::nn::Module& module) {
  std::map<std::string, at::Tensor> out;
  // Optional members (a Linear without bias) are registered as undefined tensors: nothing to store.
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    if (item.value().defined()) out.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    if (item.value().defined()) out.emplace(item.key(), item.value());
  return out;
}

void save_tensors(const fs::path& path, const std::map<std::string, at::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata, bool overwrite) {
  std::vector<at::Tensor> cpu;  // owns the bytes the views point into until the file is written
  cpu.reserve(tensors.size());
  std::map<std::string, st::TensorView> views;
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) throw Error(path.string() + ": tensor '" + name + "' is undefined");
    if (tensor.layout() != at::kStrided)
      throw Error(path.string() + ": tensor '" + name + "' is not dense; convert it with to_dense() first");
    st::TensorView view;
    view.dtype = stored_dtype(tensor.scalar_type(), path, name);
    cpu.push_back(tensor.detach().to(at::kCPU).contiguous());
    view.shape = cpu.back().sizes().vec();
    view.data = cpu.back().data_ptr();
    view.nbytes = cpu.back().nbytes();
    views.emplace(name, std::move(view));
  }
  st::write_safetensors(path, views, metadata, overwrite);
}

void save_checkpoint(const fs::path& path, const torch::nn::Module& module, const CheckpointInfo& info,
                     bool overwrite) {
  save_tensors(path, module_tensors(module), info.to_metadata(), overwrite);
}

// --- loading -----------------------------------------------------------------------------------------

Checkpoint::Checkpoint(const fs::path& path)
    : file_(path), info_(CheckpointInfo::from_metadata(file_.metadata(), path)) {}

at::Tensor Checkpoint::tensor(const std::string& name) const {
  const st::TensorView& view = file_.at(name);
  at::Tensor out = at::empty(view.shape, at::TensorOptions().dtype(scalar_type(view.dtype)));
  // memcpy, not a typed view: offsets in a crafted file need not be aligned for the element type.
  if (view.nbytes > 0) std::memcpy(out.data_ptr(), view.data, view.nbytes);
  return out;
}

void check_model_name(const Checkpoint& checkpoint, const std::string& expected_model) {
  if (!expected_model.empty() && checkpoint.info().model != expected_model)
    throw Error(checkpoint.path().string() + ": is a checkpoint of model '" + st::printable(checkpoint.info().model) +
                "', expected '" + expected_model + "'");
}

void throw_config_error(const Checkpoint& checkpoint, const std::string& problem) {
  throw Error(checkpoint.path().string() + ": its config does not describe a '" + st::printable(checkpoint.info().model) +
              "' model (" + problem + "); retrain it or use a checkpoint written by this version");
}

void load_strict(torch::nn::Module& module, const Checkpoint& checkpoint, const std::string& expected_model) {
  const std::string where = checkpoint.path().string();
  check_model_name(checkpoint, expected_model);

  const std::map<std::string, at::Tensor> targets = module_tensors(module);
  std::vector<std::string> problems;
  for (const auto& [key, target] : targets) {
    if (!checkpoint.contains(key)) {
      problems.push_back("missing tensor " + st::printable(key) + " (expected " + shape_string(target.sizes()) + ")");
      continue;
    }
    const st::TensorView& stored = checkpoint.view(key);
    if (at::IntArrayRef(stored.shape) != target.sizes())
      problems.push_back(st::printable(key) + ": got " + shape_string(stored.shape) + ", expected " + shape_string(target.sizes()));
    else if (!loadable_into(stored.dtype, target.scalar_type()))
      problems.push_back(st::printable(key) + ": stored as " + st::name_of(stored.dtype) + ", which cannot load into " +
                         c10::toString(target.scalar_type()));
  }
  for (const std::string& name : checkpoint.names())
    if (!targets.count(name))
      problems.push_back("unexpected tensor " + st::printable(name) + " " + shape_string(checkpoint.view(name).shape));
  if (!problems.empty())
    throw Error(where + ": does not fit model '" + st::printable(checkpoint.info().model) + "' (" +
                std::to_string(problems.size()) + (problems.size() == 1 ? " problem): " : " problems): ") + join_problems(problems));

  torch::NoGradGuard no_grad;
  // copy_ converts dtype (F16 -> float32) and device (CPU -> wherever the module lives).
  for (const auto& [key, target] : targets) target.copy_(checkpoint.tensor(key));
}

}  // namespace jl::models
