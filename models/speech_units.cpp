#include "models/speech_units.h"

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void SpeechUnitsConfig::validate() const {
  features.validate();
  if (units < 2 || units > 65536) throw Error("speech units config: units must be in 2..65536");
  if (context < 0 || context > 8) throw Error("speech units config: context must be in 0..8 frames");
}

SpeechUnitsImpl::SpeechUnitsImpl(const SpeechUnitsConfig& cfg) : config(cfg) {
  config.validate();
  mean = register_buffer("mean", torch::zeros({config.features.n_mels}));
  deviation = register_buffer("deviation", torch::ones({config.features.n_mels}));
  centroids = register_buffer("centroids", torch::zeros({config.units, config.feature_size()}));
}

torch::Tensor SpeechUnitsImpl::recording_normalized(const torch::Tensor& log_mel) const {
  return config.normalize_recording ? log_mel - log_mel.mean(0, true) : log_mel;
}

torch::Tensor SpeechUnitsImpl::features_of_mel(const torch::Tensor& log_mel) const {
  const torch::Tensor frames = (recording_normalized(log_mel) - mean) / deviation;
  const int64_t c = config.context, count = frames.size(0);
  if (c == 0 || count == 0) return frames;
  const torch::Tensor padded = torch::cat({frames.narrow(0, 0, 1).expand({c, -1}), frames, frames.narrow(0, count - 1, 1).expand({c, -1})});
  std::vector<torch::Tensor> shifted;
  for (int64_t k = 0; k <= 2 * c; ++k) shifted.push_back(padded.narrow(0, k, count));
  return torch::cat(shifted, 1);
}

torch::Tensor SpeechUnitsImpl::features(const torch::Tensor& samples) const { return features_of_mel(log_mel(config.features, samples)); }

torch::Tensor SpeechUnitsImpl::assign(const torch::Tensor& features) const {
  if (features.dim() != 2 || features.size(1) != config.feature_size())
    throw Error("speech units: expected features [T, " + std::to_string(config.feature_size()) + "], got " +
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
