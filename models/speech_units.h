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
  // Each recording's own mean log-mel taken away first, so that units name sounds rather than the
  // voice or the microphone (which the unit vocoder gets back from its voice vector).
  bool normalize_recording = false;
  // The frames either side stacked beside each frame (0: the frame alone): a unit then names a
  // sound with its neighbours, ~100 ms at 2, rather than one 20 ms slice that flickers between
  // neighbouring units.
  int context = 0;
  int64_t feature_size() const { return int64_t(features.n_mels) * (2 * context + 1); }
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpeechUnitsConfig, features, units, normalize_recording, context)

class SpeechUnitsImpl : public torch::nn::Module {
 public:
  explicit SpeechUnitsImpl(const SpeechUnitsConfig& config);

  // A recording's log-mel [T, n_mels] with its own mean taken away when the config says so (what
  // `mean` and `deviation` are the statistics of).
  torch::Tensor recording_normalized(const torch::Tensor& log_mel) const;
  // The features units are the nearest centroid to: [T, feature_size()], standardised frames with
  // their context (edges repeated), of a recording's log-mel [T, n_mels] or mono samples [N].
  torch::Tensor features_of_mel(const torch::Tensor& log_mel) const;
  torch::Tensor features(const torch::Tensor& samples) const;
  // The nearest centroid of each frame: [T, feature_size()] -> [T] int64.
  torch::Tensor assign(const torch::Tensor& features) const;
  torch::Tensor encode(const torch::Tensor& samples) const { return assign(features(samples)); }

  SpeechUnitsConfig config;
  torch::Tensor mean, deviation;  // [n_mels]: the training frames' statistics (after recording_normalized)
  torch::Tensor centroids;        // [units, feature_size()], in standardised feature space
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
