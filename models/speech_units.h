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
  // Each frame as its first `cepstra` cepstral coefficients (a DCT of the log-mel: the spectrum's
  // envelope, which names the sound, without the harmonics of the voice's pitch that the narrow low
  // bands resolve) instead of its n_mels bands (0). With 13, units are heard far better through the
  // vocoder than with the bands (assets/models/MODELS.md, speech_units).
  int cepstra = 0;
  int64_t feature_size() const { return cepstra > 0 ? cepstra : features.n_mels; }
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpeechUnitsConfig, features, units, cepstra)

class SpeechUnitsImpl : public torch::nn::Module {
 public:
  explicit SpeechUnitsImpl(const SpeechUnitsConfig& config);

  // A recording's frames [T, feature_size()] from its log-mel [T, n_mels]: the bands or their
  // cepstra (what `mean` and `deviation` are the statistics of).
  torch::Tensor frames_of_mel(const torch::Tensor& log_mel) const;
  // The features units are the nearest centroid to: [T, feature_size()], those frames standardised,
  // of a recording's log-mel [T, n_mels] or mono samples [N].
  torch::Tensor features_of_mel(const torch::Tensor& log_mel) const { return (frames_of_mel(log_mel) - mean) / deviation; }
  torch::Tensor features(const torch::Tensor& samples) const;
  // The nearest centroid of each frame: [T, feature_size()] -> [T] int64.
  torch::Tensor assign(const torch::Tensor& features) const;
  torch::Tensor encode(const torch::Tensor& samples) const { return assign(features(samples)); }
  // The log-mel [T, n_mels] the units [T] stand for in the codebook alone: their centroids back in
  // bands (through the inverse DCT with cepstra: the spectrum's envelope, without harmonics). What
  // resynthesis without a learned vocoder can start from (`speech resynth --from-codebook`).
  torch::Tensor log_mel_of(const torch::Tensor& units) const;
  // A short name of this very codebook (a hash of its statistics and centroids), which the models that
  // speak its units record (their config's `codebook`) so that a model of another codebook of the
  // same size is refused rather than heard as noise.
  std::string fingerprint() const;

  SpeechUnitsConfig config;
  torch::Tensor mean, deviation;  // [feature_size()]: the training frames' statistics (of frames_of_mel)
  torch::Tensor centroids;        // [units, feature_size()], in standardised feature space

 private:
  torch::Tensor dct_;  // [n_mels, cepstra] with config.cepstra (orthonormal DCT-II)
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
