// SpeechUnits: speech as a chain of discrete units, 50 a second, like HuBERT k-means units but over
// log-mel features: each frame's features, standardised by the training set's mean and deviation, go
// to the nearest of `units` centroids (a k-means codebook trained by `jielong train units`). The
// de-duplicated form (runs of one unit collapsed, with their lengths) is what a unit language model
// reads.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/log_mel.h"

namespace jl::models {

struct SpeechUnitsConfig {
  LogMelConfig features;
  int units = 100;
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SpeechUnitsConfig, features, units)

class SpeechUnitsImpl : public torch::nn::Module {
 public:
  explicit SpeechUnitsImpl(const SpeechUnitsConfig& config);

  // Standardised log-mel frames [T, n_mels] of mono samples [N] at the config's rate.
  torch::Tensor features(const torch::Tensor& samples) const;
  // The nearest centroid of each frame: [T, n_mels] -> [T] int64.
  torch::Tensor assign(const torch::Tensor& features) const;
  torch::Tensor encode(const torch::Tensor& samples) const { return assign(features(samples)); }

  SpeechUnitsConfig config;
  torch::Tensor mean, deviation;  // [n_mels]: the training frames' statistics
  torch::Tensor centroids;        // [units, n_mels], in standardised feature space
};
TORCH_MODULE(SpeechUnits);

inline constexpr const char* kSpeechUnitsModel = "speech_units";
SpeechUnits load_speech_units(const std::filesystem::path& path);

// A run of one unit: the de-duplicated form is the units of the runs, the durations their lengths.
struct UnitRun {
  int64_t unit = 0;
  int64_t frames = 0;
  bool operator==(const UnitRun& o) const { return unit == o.unit && frames == o.frames; }
};
std::vector<UnitRun> deduplicate(const std::vector<int64_t>& units);

}  // namespace jl::models
