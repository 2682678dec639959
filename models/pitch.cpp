#include "models/pitch.h"

#include <cmath>

#include "core/error.h"

namespace jl::models {

namespace {

constexpr double kNearPeak = 0.95;  // a shorter lag this close to the best peak is the period

// Autocorrelation of each row for lags 0..rows' length-1, by FFT (zero-padded: no wrap-around).
torch::Tensor autocorrelation(const torch::Tensor& frames) {
  const int64_t n = frames.size(-1);
  const torch::Tensor spectrum = torch::fft::rfft(frames, 2 * n);
  return torch::fft::irfft(spectrum.abs().pow(2), 2 * n).narrow(-1, 0, n);
}

}  // namespace

PitchTrack estimate_pitch(const LogMelConfig& c, const torch::Tensor& samples, const PitchRange& range) {
  c.validate();
  if (samples.dim() != 1 || samples.numel() == 0) throw Error("pitch: expected a non-empty mono signal, got " + c10::str(samples.sizes()));
  if (!(range.min_hz > 0 && range.max_hz > range.min_hz)) throw Error("pitch: the range must have 0 < min_hz < max_hz");
  const int64_t window = c.n_fft, half = window / 2, frames = 1 + samples.numel() / c.hop;
  const int64_t min_lag = std::max<int64_t>(2, int64_t(std::floor(c.sample_rate / range.max_hz)));
  const int64_t max_lag = std::min<int64_t>(half, int64_t(std::ceil(c.sample_rate / range.min_hz)));
  if (min_lag + 2 > max_lag) throw Error("pitch: the window is too short for the pitch range");

  // The frames log_mel() analyses: centred on multiples of the hop, the signal reflect-padded.
  torch::Tensor x = samples.to(torch::kFloat).contiguous();
  if (x.numel() <= half) x = torch::constant_pad_nd(x, {0, half + 1 - x.numel()});
  x = torch::reflection_pad1d(x.view({1, 1, -1}), {half, half}).view(-1);
  torch::Tensor framed = x.unfold(0, window, c.hop).narrow(0, 0, frames);
  framed = framed - framed.mean(1, true);
  const torch::Tensor hann = torch::hann_window(window);
  const torch::Tensor r = autocorrelation(framed * hann);
  const torch::Tensor rw = autocorrelation(hann.unsqueeze(0));
  const torch::Tensor energy = r.select(1, 0);
  // Normalised: 1 at lag 0, and a perfectly periodic frame reaches ~1 at its period.
  const torch::Tensor normalised =
      (r / energy.clamp_min(1e-12).unsqueeze(1) / (rw / rw.select(1, 0).unsqueeze(1))).narrow(1, min_lag, max_lag - min_lag + 1);

  const torch::Tensor best = std::get<0>(normalised.max(1));
  // Local maxima within kNearPeak of the best: the first of them is the period.
  const torch::Tensor left = normalised.narrow(1, 0, normalised.size(1) - 2), centre = normalised.narrow(1, 1, normalised.size(1) - 2),
                      right = normalised.narrow(1, 2, normalised.size(1) - 2);
  const torch::Tensor candidate = (centre >= left) & (centre >= right) & (centre >= kNearPeak * best.unsqueeze(1));
  const torch::Tensor first = std::get<1>(candidate.to(torch::kFloat).max(1));  // the first true (or 0 when none)
  const torch::Tensor has = candidate.any(1);

  // Parabolic interpolation around the chosen lag for a period between samples.
  const torch::Tensor index = first.unsqueeze(1);
  const torch::Tensor y0 = left.gather(1, index).squeeze(1), y1 = centre.gather(1, index).squeeze(1),
                      y2 = right.gather(1, index).squeeze(1);
  const torch::Tensor curvature = y0 - 2 * y1 + y2;
  const torch::Tensor offset = torch::where(curvature < -1e-9, 0.5 * (y0 - y2) / curvature, torch::zeros_like(y1)).clamp(-0.5, 0.5);
  const torch::Tensor lag = (first + 1 + min_lag).to(torch::kFloat) + offset;

  const torch::Tensor loudest = energy.max();
  const torch::Tensor audible = energy > loudest * std::pow(10.0, -range.silence_db / 10.0);
  const torch::Tensor voiced = has & audible & (y1 >= range.voicing_threshold);
  PitchTrack track;
  track.f0 = torch::where(voiced, double(c.sample_rate) / lag, torch::zeros_like(lag));
  track.periodicity = torch::where(has, y1, torch::zeros_like(y1)).clamp(0, 1);
  return track;
}

torch::Tensor fill_unvoiced(const torch::Tensor& f0, double fallback_hz) {
  torch::Tensor out = f0.to(torch::kFloat).contiguous().clone();
  auto a = out.accessor<float, 1>();
  const int64_t n = out.numel();
  int64_t previous = -1;  // the last voiced frame seen
  for (int64_t i = 0; i <= n; ++i) {
    if (i < n && a[i] <= 0) continue;
    // Frames previous+1 .. i-1 are unvoiced: glide from a[previous] to a[i] (or hold the one there is).
    for (int64_t j = previous + 1; j < i; ++j) {
      if (previous < 0 && i == n) a[j] = float(fallback_hz);
      else if (previous < 0) a[j] = a[i];
      else if (i == n) a[j] = a[previous];
      else a[j] = a[previous] + (a[i] - a[previous]) * float(j - previous) / float(i - previous);
    }
    previous = i;
  }
  return out;
}

}  // namespace jl::models
