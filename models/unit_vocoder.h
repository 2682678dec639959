// UnitVocoder: speech units (models/speech_units.h, 50 a second) back to a waveform. A stack of
// dilated 1-D convolutions over the unit sequence predicts, per frame, the log-mel spectrum, the pitch
// and the voicing — a unit alone names a sound but not its neighbours' influence on it or its
// melody, and the convolutions see about a second of context either side — and a harmonic-plus-noise
// source shaped to that mel (models/mel_vocoders.h) makes the waveform.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/log_mel.h"

namespace jl::models {

struct UnitVocoderConfig {
  LogMelConfig features;  // the mel it predicts (the unit codebook's features)
  int units = 100;        // the codebook's size
  int channels = 192;
  std::vector<int> dilations{1, 2, 4, 8, 1, 2, 4, 8};  // one residual block each
  int kernel = 5;
  // Conditioned on a voice vector (voice_of(): a recording's mean standardised log-mel): units of the
  // spectrum's envelope say what is said, the voice vector whose voice says it (resynthesis and
  // continuation keep their input's). Without one, the mean voice of its teacher clips.
  bool voice = false;
  std::string codebook;  // SpeechUnitsImpl::fingerprint() of its codebook ("": not recorded, older checkpoints)
  void validate() const;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UnitVocoderConfig, features, units, channels, dilations, kernel, voice, codebook)

struct UnitVocoderFrames {
  torch::Tensor log_mel;  // [B, T, n_mels]
  torch::Tensor f0;       // [B, T] Hz (predicted in every frame, voiced or not)
  torch::Tensor voicing;  // [B, T] probability
};

class UnitVocoderImpl : public torch::nn::Module {
 public:
  explicit UnitVocoderImpl(const UnitVocoderConfig& config);

  // The reference pitch the network's log-pitch output is relative to.
  static constexpr double kReferenceHz = 150;

  // units: [B, T] int64 in 0..units-1, voice: [B, n_mels] or undefined (default_voice; ignored
  // without config.voice) -> [B, T, n_mels + 2]: the standardised log-mel, log(f0 / kReferenceHz), the
  // voicing logit.
  torch::Tensor forward(const torch::Tensor& units, const torch::Tensor& voice = {});
  UnitVocoderFrames decode(const torch::Tensor& outputs) const;
  // A recording's voice vector [n_mels] from its log-mel [T, n_mels].
  torch::Tensor voice_of(const torch::Tensor& log_mel) const;
  // The frames of one 50 Hz unit sequence (batch of one, no gradients) in `voice` ([n_mels] or undefined).
  UnitVocoderFrames predict(const std::vector<int64_t>& units, const torch::Tensor& voice = {});
  // Its waveform through the source-filter stage: (frames - 1) * hop samples; `seed` picks the noise.
  torch::Tensor synthesize(const std::vector<int64_t>& units, uint64_t seed, const torch::Tensor& voice = {});

  UnitVocoderConfig config;
  torch::Tensor mel_mean, mel_deviation;  // [n_mels]: the training frames' statistics
  torch::Tensor default_voice;            // [n_mels] with config.voice: the teacher clips' mean voice vector

 private:
  torch::nn::Embedding embed{nullptr};
  torch::nn::Linear voice_in{nullptr};
  torch::nn::ModuleList norms{nullptr}, convs{nullptr}, mixes{nullptr};
  torch::nn::LayerNorm out_norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(UnitVocoder);

inline constexpr const char* kUnitVocoderModel = "unit_vocoder";

UnitVocoder load_unit_vocoder(const std::filesystem::path& path);

}  // namespace jl::models
