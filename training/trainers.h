// One function per trainable task (each in its own train_*.cpp); train() dispatches to them.
#pragma once

#include <torch/torch.h>

#include "training/train.h"

namespace jl::training {

nlohmann::json train_tokenizer(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_text(const TrainParams& params, const Callbacks& callbacks);
// ar, ar-draft and maskgit
nlohmann::json train_generator(const TrainParams& params, const Callbacks& callbacks);
// diffusion and diffusion-inpaint
nlohmann::json train_diffusion(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_upscaler(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_interpolator(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_units(const TrainParams& params, const Callbacks& callbacks);
nlohmann::json train_vocoder(const TrainParams& params, const Callbacks& callbacks);
// tts and unit-lm
nlohmann::json train_speech(const TrainParams& params, const Callbacks& callbacks);

// Classifier-free guidance needs the unconditional model too: each caption becomes the null prompt
// with probability `rate`.
inline void drop_captions(std::vector<std::string>& captions, double rate) {
  const torch::Tensor drop = torch::rand({int64_t(captions.size())}) < rate;
  for (size_t i = 0; i < captions.size(); ++i)
    if (drop[int64_t(i)].item<bool>()) captions[i].clear();
}

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
