#include "models/speech_units.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void SpeechUnitsConfig::validate() const {
  features.validate();
  if (units < 2 || units > 65536) throw Error("speech units config: units must be in 2..65536");
  if (cepstra < 0 || cepstra > features.n_mels) throw Error("speech units config: cepstra must be in 0..n_mels (0: the bands)");
}

SpeechUnitsImpl::SpeechUnitsImpl(const SpeechUnitsConfig& cfg) : config(cfg) {
  config.validate();
  mean = register_buffer("mean", torch::zeros({config.feature_size()}));
  deviation = register_buffer("deviation", torch::ones({config.feature_size()}));
  if (config.cepstra > 0) {
    const int64_t m = config.features.n_mels;
    const torch::Tensor n = torch::arange(m, torch::kDouble).unsqueeze(1), k = torch::arange(config.cepstra, torch::kDouble).unsqueeze(0);
    const torch::Tensor scale = torch::where(k == 0, torch::full_like(k, std::sqrt(1.0 / m)), torch::full_like(k, std::sqrt(2.0 / m)));
    dct_ = (torch::cos(M_PI / m * (n + 0.5) * k) * scale).to(torch::kFloat);
  }
  centroids = register_buffer("centroids", torch::zeros({config.units, config.feature_size()}));
}

torch::Tensor SpeechUnitsImpl::frames_of_mel(const torch::Tensor& log_mel) const {
  return config.cepstra > 0 ? torch::matmul(log_mel, dct_) : log_mel;
}

torch::Tensor SpeechUnitsImpl::log_mel_of(const torch::Tensor& units) const {
  if (units.dim() != 1 || units.numel() == 0 || units.min().item<int64_t>() < 0 || units.max().item<int64_t>() >= config.units)
    throw Error("speech units: expected a sequence of units 0.." + std::to_string(config.units - 1));
  const torch::Tensor frames = centroids.index_select(0, units) * deviation + mean;
  // The DCT's columns are orthonormal: its transpose takes cepstra back to bands.
  return config.cepstra > 0 ? torch::matmul(frames, dct_.t()) : frames;
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

std::string SpeechUnitsImpl::fingerprint() const {
  // FNV-1a over the bytes of what decides a frame's unit (not the config's text, which gains fields
  // with defaults as the code grows).
  uint64_t hash = 1469598103934665603ull;
  for (const torch::Tensor& t : {mean, deviation, centroids}) {
    const torch::Tensor c = t.to(torch::kFloat).contiguous();
    const auto* bytes = reinterpret_cast<const unsigned char*>(c.data_ptr<float>());
    for (size_t i = 0; i < size_t(c.numel()) * sizeof(float); ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
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
