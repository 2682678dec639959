#include "models/unit_vocoder.h"

#include <cmath>

#include "core/error.h"
#include "models/checkpoint.h"
#include "models/mel_vocoders.h"

namespace jl::models {

void UnitVocoderConfig::validate() const {
  features.validate();
  if (units < 2 || units > 65536) throw Error("unit vocoder config: units must be in 2..65536");
  if (channels < 8 || channels > 2048) throw Error("unit vocoder config: channels must be in 8..2048");
  if (dilations.empty() || dilations.size() > 64) throw Error("unit vocoder config: 1..64 dilations (one block each)");
  for (const int d : dilations)
    if (d < 1 || d > 256) throw Error("unit vocoder config: dilations must be in 1..256");
  if (kernel < 1 || kernel > 31 || kernel % 2 == 0) throw Error("unit vocoder config: kernel must be odd, 1..31");
}

UnitVocoderImpl::UnitVocoderImpl(const UnitVocoderConfig& cfg) : config(cfg) {
  config.validate();
  const int64_t c = config.channels;
  embed = register_module("embed", torch::nn::Embedding(config.units, c));
  norms = register_module("norms", torch::nn::ModuleList());
  convs = register_module("convs", torch::nn::ModuleList());
  mixes = register_module("mixes", torch::nn::ModuleList());
  for (const int d : config.dilations) {
    norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
    convs->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(c, c, config.kernel).dilation(d).padding(d * (config.kernel - 1) / 2)));
    mixes->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(c, c, 1)));
  }
  out_norm = register_module("out_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
  head = register_module("head", torch::nn::Linear(c, config.features.n_mels + 2));
  mel_mean = register_buffer("mel_mean", torch::zeros({config.features.n_mels}));
  mel_deviation = register_buffer("mel_deviation", torch::ones({config.features.n_mels}));
  if (config.voice) {
    voice_in = register_module("voice_in", torch::nn::Linear(config.features.n_mels, c));
    default_voice = register_buffer("default_voice", torch::zeros({config.features.n_mels}));
  }
}

namespace {

// LayerNorm over the channels of [B, C, T] (each frame on its own, so a clip's length does not change
// it), written out from elementwise operations.
torch::Tensor channel_norm(const torch::Tensor& x, torch::nn::LayerNormImpl& norm) {
  const torch::Tensor centred = x - x.mean(1, true);
  return centred * torch::rsqrt(centred.pow(2).mean(1, true) + 1e-5) * norm.weight.unsqueeze(1) + norm.bias.unsqueeze(1);
}

}  // namespace

torch::Tensor UnitVocoderImpl::forward(const torch::Tensor& units, const torch::Tensor& voice) {
  if (units.dim() != 2) throw Error("unit vocoder: expected units [B, T], got " + c10::str(units.sizes()));
  if (units.numel() && (units.min().item<int64_t>() < 0 || units.max().item<int64_t>() >= config.units))
    throw Error("unit vocoder: units must be in 0.." + std::to_string(config.units - 1) + " (this vocoder's codebook)");
  // The residual stream stays [B, C, T] and contiguous: libtorch 1.13's CPU convolution gave wrong
  // weight and input gradients (off by several times their size; NaN now and then) when its input or
  // output gradient was a transposed view, and the network learnt nothing.
  torch::Tensor x = embed->forward(units).transpose(1, 2).contiguous();
  if (config.voice) {
    const int64_t m = config.features.n_mels;
    const torch::Tensor v = voice.defined() ? voice : default_voice.unsqueeze(0).expand({units.size(0), m});
    if (v.dim() != 2 || v.size(0) != units.size(0) || v.size(1) != m)
      throw Error("unit vocoder: expected a voice vector [" + std::to_string(units.size(0)) + ", " + std::to_string(m) + "], got " +
                  c10::str(v.sizes()));
    x = x + voice_in->forward(v).unsqueeze(2);
  }
  for (size_t i = 0; i < convs->size(); ++i) {
    const torch::Tensor h = torch::gelu(convs[i]->as<torch::nn::Conv1d>()->forward(torch::gelu(channel_norm(x, *norms[i]->as<torch::nn::LayerNorm>()))));
    x = x + mixes[i]->as<torch::nn::Conv1d>()->forward(h);
  }
  return head->forward(channel_norm(x, *out_norm).transpose(1, 2).contiguous());
}

UnitVocoderFrames UnitVocoderImpl::decode(const torch::Tensor& outputs) const {
  const int64_t m = config.features.n_mels;
  UnitVocoderFrames frames;
  frames.log_mel = outputs.narrow(-1, 0, m) * mel_deviation + mel_mean;
  frames.f0 = kReferenceHz * torch::exp(outputs.select(-1, m).clamp(-3, 3));
  frames.voicing = torch::sigmoid(outputs.select(-1, m + 1));
  return frames;
}

torch::Tensor UnitVocoderImpl::voice_of(const torch::Tensor& log_mel) const {
  return ((log_mel - mel_mean) / mel_deviation).mean(0);
}

UnitVocoderFrames UnitVocoderImpl::predict(const std::vector<int64_t>& units, const torch::Tensor& voice) {
  if (units.empty()) throw Error("unit vocoder: no units to speak");
  torch::NoGradGuard no_grad;
  return decode(forward(torch::tensor(units, torch::kLong).unsqueeze(0), voice.defined() ? voice.unsqueeze(0) : voice));
}

torch::Tensor UnitVocoderImpl::synthesize(const std::vector<int64_t>& units, uint64_t seed, const torch::Tensor& voice) {
  const UnitVocoderFrames frames = predict(units, voice);
  return source_filter(config.features, frames.log_mel[0], frames.f0[0], frames.voicing[0], seed);
}

UnitVocoder load_unit_vocoder(const std::filesystem::path& path) {
  return load_model<UnitVocoder, UnitVocoderConfig>(path, kUnitVocoderModel);
}

}  // namespace jl::models
