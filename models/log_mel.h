// Log-mel spectrogram: the speech features the unit codebook clusters and the unit vocoder predicts.
// 50 frames a second at 16 kHz (hop 320), 80 mel bands up to 8 kHz, natural log of the power with a
// floor, frames centred on multiples of the hop (the signal reflect-padded by half a window).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

namespace jl::models {

struct LogMelConfig {
  int sample_rate = 16000;
  int n_fft = 1024;   // window and FFT length (64 ms)
  int hop = 320;      // 20 ms: 50 frames a second
  int n_mels = 80;
  double f_max = 8000;
  void validate() const;
  double frames_per_second() const { return double(sample_rate) / hop; }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LogMelConfig, sample_rate, n_fft, hop, n_mels, f_max)

// [n_mels, n_fft / 2 + 1]: triangular filters evenly spaced on the HTK mel scale from 0 to f_max.
torch::Tensor mel_filterbank(const LogMelConfig& config);

// samples: [N] float mono at config.sample_rate. Returns [1 + N / hop, n_mels] (at least one frame;
// an empty signal is a jl::Error).
torch::Tensor log_mel(const LogMelConfig& config, const torch::Tensor& samples);

}  // namespace jl::models
