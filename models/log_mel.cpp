#include "models/log_mel.h"

#include <cmath>

#include "core/error.h"

namespace jl::models {

namespace {

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

constexpr double kPowerFloor = 1e-5;  // far below speech (a full-scale sine peaks near 6e4): silence stays finite

}  // namespace

void LogMelConfig::validate() const {
  if (sample_rate < 1000 || sample_rate > 192000) throw Error("log-mel config: sample_rate must be in 1000..192000");
  if (n_fft < 16 || n_fft > 16384 || (n_fft & (n_fft - 1)) != 0) throw Error("log-mel config: n_fft must be a power of two in 16..16384");
  if (hop < 1 || hop > n_fft) throw Error("log-mel config: hop must be in 1..n_fft");
  if (n_mels < 1 || n_mels > n_fft / 2) throw Error("log-mel config: n_mels must be in 1..n_fft/2");
  if (!(f_max > 0 && f_max <= sample_rate / 2.0)) throw Error("log-mel config: f_max must be in (0, sample_rate/2]");
}

torch::Tensor mel_filterbank(const LogMelConfig& c) {
  c.validate();
  const int bins = c.n_fft / 2 + 1;
  // n_mels + 2 edges evenly spaced in mel; filter m rises from edge m to m+1 and falls to m+2.
  std::vector<double> edges(size_t(c.n_mels) + 2);
  for (size_t i = 0; i < edges.size(); ++i) edges[i] = mel_to_hz(hz_to_mel(c.f_max) * double(i) / double(c.n_mels + 1));
  torch::Tensor bank = torch::zeros({c.n_mels, bins});
  auto a = bank.accessor<float, 2>();
  for (int m = 0; m < c.n_mels; ++m) {
    for (int k = 0; k < bins; ++k) {
      const double hz = double(k) * c.sample_rate / c.n_fft;
      const double up = (hz - edges[m]) / (edges[m + 1] - edges[m]), down = (edges[m + 2] - hz) / (edges[m + 2] - edges[m + 1]);
      a[m][k] = float(std::max(0.0, std::min(up, down)));
    }
  }
  return bank;
}

torch::Tensor log_mel(const LogMelConfig& c, const torch::Tensor& samples) {
  c.validate();
  if (samples.dim() != 1 || samples.numel() == 0)
    throw Error("log-mel: expected a non-empty mono signal, got " + c10::str(samples.sizes()));
  // Reflect padding needs more samples than half a window: shorter clips are zero-padded first.
  torch::Tensor x = samples.to(torch::kFloat).contiguous();
  const int64_t half = c.n_fft / 2;
  if (x.numel() <= half) x = torch::constant_pad_nd(x, {0, half + 1 - x.numel()});
  const torch::Tensor spectrum = torch::stft(x, c.n_fft, c.hop, c.n_fft, torch::hann_window(c.n_fft), /*center=*/true,
                                             "reflect", /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
  const torch::Tensor power = spectrum.abs().pow(2);  // [bins, frames]
  const int64_t frames = 1 + samples.numel() / c.hop;
  torch::Tensor mel = torch::matmul(mel_filterbank(c), power).narrow(1, 0, std::min(frames, power.size(1)));
  return mel.clamp_min(kPowerFloor).log().t().contiguous();
}

}  // namespace jl::models
