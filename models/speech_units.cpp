#include "models/speech_units.h"

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void SpeechUnitsConfig::validate() const {
  features.validate();
  if (units < 2 || units > 65536) throw Error("speech units config: units must be in 2..65536");
}

SpeechUnitsImpl::SpeechUnitsImpl(const SpeechUnitsConfig& cfg) : config(cfg) {
  config.validate();
  mean = register_buffer("mean", torch::zeros({config.features.n_mels}));
  deviation = register_buffer("deviation", torch::ones({config.features.n_mels}));
  centroids = register_buffer("centroids", torch::zeros({config.units, config.features.n_mels}));
}

torch::Tensor SpeechUnitsImpl::features(const torch::Tensor& samples) const {
  return (log_mel(config.features, samples) - mean) / deviation;
}

torch::Tensor SpeechUnitsImpl::assign(const torch::Tensor& features) const {
  if (features.dim() != 2 || features.size(1) != config.features.n_mels)
    throw Error("speech units: expected features [T, " + std::to_string(config.features.n_mels) + "], got " +
                c10::str(features.sizes()));
  // |f - c|^2 = |f|^2 - 2 f.c + |c|^2; |f|^2 is the same for every centroid of a frame.
  const torch::Tensor distance = centroids.pow(2).sum(1).unsqueeze(0) - 2 * torch::matmul(features, centroids.t());
  return distance.argmin(1);
}

SpeechUnits load_speech_units(const std::filesystem::path& path) {
  return load_model<SpeechUnits, SpeechUnitsConfig>(path, kSpeechUnitsModel);
}

std::vector<UnitRun> deduplicate(const std::vector<int64_t>& units) {
  std::vector<UnitRun> runs;
  for (const int64_t unit : units) {
    if (runs.empty() || runs.back().unit != unit) runs.push_back({unit, 0});
    ++runs.back().frames;
  }
  return runs;
}

}  // namespace jl::models
