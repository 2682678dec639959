// One function per trainable task (each in its own train_*.cpp); train() dispatches to them.
#pragma once

#include <torch/torch.h>

#include "training/train.h"

namespace jl::training {

nlohmann::json train_tokenizer(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_text(const TrainParams& params, const Callbacks& callbacks);
// ar, ar-draft and maskgit
nlohmann::json train_generator(const TrainParams& params, const Callbacks& callbacks);

// A model config: the defaults of Config with `overrides` (a JSON object) applied on top; an unknown
// or mistyped key is a jl::Error naming it.
template <class Config>
Config config_with_overrides(const nlohmann::json& overrides) {
  nlohmann::json merged = Config{};
  for (const auto& [key, value] : overrides.items()) {
    if (!merged.contains(key)) throw Error("--model-config: unknown key '" + key + "' (known: " + merged.dump() + ")");
    merged[key] = value;
  }
  Config config;
  try {
    from_json(merged, config);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("--model-config: ") + e.what());
  }
  config.validate();
  return config;
}

}  // namespace jl::training
