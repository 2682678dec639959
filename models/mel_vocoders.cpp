#include "models/mel_vocoders.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "core/error.h"

namespace jl::models {

namespace {

constexpr double kBreath = 0.1;      // noise amplitude under a voiced source (relative to the harmonics)
constexpr double kMomentum = 0.99;   // fast Griffin-Lim (Perraudin et al. 2013)
constexpr int64_t kChunk = 16384;    // samples of the harmonic sum built at once (bounds its memory)
constexpr int kDeconvolution = 30;  // Richardson-Lucy steps from mel bands to per-bin power
constexpr int kGainPasses = 6;      // source_filter()'s band gain corrections

void check_frames(const LogMelConfig& c, const torch::Tensor& log_mel) {
  if (log_mel.dim() != 2 || log_mel.size(0) < 1 || log_mel.size(1) != c.n_mels)
    throw Error("vocoder: expected log-mel frames [T, " + std::to_string(c.n_mels) + "], got " + c10::str(log_mel.sizes()));
}

int64_t output_length(const LogMelConfig& c, int64_t frames) { return std::max<int64_t>(1, frames - 1) * c.hop; }

// The STFT's reflect padding needs more than half a window of signal: fewer frames than that are
// made longer by repeating the last one (and the waveform cut back to their length afterwards).
int64_t frames_to_make(const LogMelConfig& c, int64_t frames) { return std::max<int64_t>(frames, c.n_fft / c.hop + 3); }

torch::Tensor extend(const torch::Tensor& frames, int64_t count) {
  if (frames.size(0) >= count) return frames;
  std::vector<int64_t> sizes = frames.sizes().vec();
  sizes[0] = count - frames.size(0);
  return torch::cat({frames, frames.narrow(0, frames.size(0) - 1, 1).expand(sizes)});
}

torch::Tensor stft(const LogMelConfig& c, const torch::Tensor& x) {
  return torch::stft(x, c.n_fft, c.hop, c.n_fft, torch::hann_window(c.n_fft), true, "reflect", false, true, true);
}

torch::Tensor istft(const LogMelConfig& c, const torch::Tensor& spectrum, int64_t length) {
  return torch::istft(spectrum, c.n_fft, c.hop, c.n_fft, torch::hann_window(c.n_fft), true, false, true, length);
}

// Frame values [T] to one value per sample [length], linearly between the frames' centres.
torch::Tensor per_sample(const LogMelConfig& c, const torch::Tensor& frames, int64_t length) {
  const torch::Tensor position = torch::arange(length, torch::kDouble) / c.hop;
  const torch::Tensor lower = position.floor().clamp(0, frames.size(0) - 1).to(torch::kLong);
  const torch::Tensor upper = (lower + 1).clamp_max(frames.size(0) - 1);
  const torch::Tensor w = (position - lower.to(torch::kDouble)).clamp(0, 1).to(torch::kFloat);
  const torch::Tensor f = frames.to(torch::kFloat);
  return f.index_select(0, lower) * (1 - w) + f.index_select(0, upper) * w;
}

// The band-limited pulse train at f0 [length] Hz: the sum of every harmonic under Nyquist, with unit
// variance.
torch::Tensor harmonics(const LogMelConfig& c, const torch::Tensor& f0) {
  const torch::Tensor phase = torch::cumsum(f0.to(torch::kDouble) * (2 * M_PI / c.sample_rate), 0);
  const double nyquist = c.sample_rate / 2.0;
  const int64_t count = int64_t(nyquist / std::max(1.0, f0.min().item<double>()));
  const torch::Tensor k = torch::arange(1, count + 1, torch::kDouble);
  std::vector<torch::Tensor> pieces;
  for (int64_t start = 0; start < f0.numel(); start += kChunk) {
    const int64_t n = std::min(kChunk, f0.numel() - start);
    const torch::Tensor p = phase.narrow(0, start, n).unsqueeze(1), f = f0.narrow(0, start, n).to(torch::kDouble).unsqueeze(1);
    const torch::Tensor below = (k * f < nyquist).to(torch::kDouble);
    const torch::Tensor sum = (torch::cos(k * p) * below).sum(1), present = below.sum(1).clamp_min(1);
    pieces.push_back((sum / torch::sqrt(present / 2)).to(torch::kFloat));
  }
  return torch::cat(pieces);
}

// Per-bin magnitudes [bins, frames] whose mel is the target. A first guess spreads each band's power
// evenly over its filter, which smears the peaks of narrow low bands into their neighbours (their
// log-mel ends up a neper too high on a voice); Richardson-Lucy steps, the same band-by-band
// correction as source_filter()'s gains, sharpen it back until the mel matches.
torch::Tensor bin_magnitudes(const LogMelConfig& c, const torch::Tensor& log_mel, int64_t frames) {
  const torch::Tensor bank = mel_filterbank(c), to_bins = band_to_bin_weights(c), bands = extend(log_mel.to(torch::kFloat), frames).exp();
  torch::Tensor power = torch::matmul(bands / bank.sum(1), to_bins);  // [T, bins]
  for (int i = 0; i < kDeconvolution; ++i) power = power * torch::matmul(bands / torch::matmul(power, bank.t()).clamp_min(1e-10), to_bins);
  return torch::sqrt(power).t();
}

// Fast Griffin-Lim from the phases `angle` [bins, frames]: `iterations` times, the waveform of the
// target magnitudes at the current phases is analysed again and its phases kept, extrapolated along
// their last change (Perraudin et al. 2013). Returns `length` samples.
torch::Tensor phase_iterations(const LogMelConfig& c, const torch::Tensor& target, const torch::Tensor& angle, int iterations, int64_t length) {
  torch::Tensor estimate = torch::polar(target, angle), previous = torch::zeros_like(estimate);
  for (int i = 0; i < iterations; ++i) {
    const torch::Tensor rebuilt = stft(c, istft(c, estimate, length));
    const torch::Tensor accelerated = rebuilt + kMomentum * (rebuilt - previous);
    previous = rebuilt;
    estimate = torch::polar(target, torch::angle(accelerated));
  }
  return istft(c, estimate, length);
}

}  // namespace

torch::Tensor band_to_bin_weights(const LogMelConfig& c) {
  const torch::Tensor bank = mel_filterbank(c);  // [M, bins]
  torch::Tensor weights = bank.t().contiguous();  // [bins, M]
  const torch::Tensor covered = weights.sum(1).contiguous();
  // A bin under no filter (0 Hz, and above f_max) copies the nearest band.
  auto w = weights.accessor<float, 2>();
  const auto cover = covered.accessor<float, 1>();
  const int64_t bins = weights.size(0), m = weights.size(1);
  const double centre_low = bank[0].argmax().item<int64_t>(), centre_high = bank[m - 1].argmax().item<int64_t>();
  for (int64_t k = 0; k < bins; ++k)
    if (cover[k] <= 0) w[k][std::abs(k - centre_low) < std::abs(k - centre_high) ? 0 : m - 1] = 1;
  return (weights / weights.sum(1, true)).t().contiguous();
}

torch::Tensor bands_to_bins(const LogMelConfig& c, const torch::Tensor& bands) { return torch::matmul(bands, band_to_bin_weights(c)); }

torch::Tensor source_filter(const LogMelConfig& c, const torch::Tensor& log_mel, const torch::Tensor& f0,
                            const torch::Tensor& voicing, uint64_t seed, int refinement) {
  check_frames(c, log_mel);
  if (refinement < 0) throw Error("source-filter: the phase refinement's iterations must be >= 0");
  if (f0.dim() != 1 || f0.size(0) != log_mel.size(0) || voicing.dim() != 1 || voicing.size(0) != log_mel.size(0))
    throw Error("vocoder: pitch and voicing need one value per frame (" + std::to_string(log_mel.size(0)) + ")");
  if (!(f0 > 0).all().item<bool>()) throw Error("vocoder: the pitch must be positive in every frame (fill the unvoiced ones)");
  const int64_t frames = frames_to_make(c, log_mel.size(0)), length = output_length(c, frames);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor noise = torch::randn({length}, generator);
  const torch::Tensor v = per_sample(c, extend(voicing.clamp(0, 1), frames), length);
  const torch::Tensor source =
      torch::sqrt(v) * (harmonics(c, per_sample(c, extend(f0, frames), length)) + kBreath * noise) + torch::sqrt(1 - v) * noise;

  // Each band of the source scaled to the target's energy, the gains spread over the bins. Overlap-add
  // mixes neighbouring frames' corrections, so the result is analysed again and the gains corrected.
  const torch::Tensor bank = mel_filterbank(c), to_bins = band_to_bin_weights(c);
  const torch::Tensor spectrum = stft(c, source).narrow(1, 0, frames);  // [bins, T]
  const torch::Tensor target = extend(log_mel.to(torch::kFloat), frames).exp();
  torch::Tensor gain = torch::ones({frames, bank.size(1)});
  torch::Tensor out = source;
  for (int pass = 0; pass <= kGainPasses; ++pass) {
    const torch::Tensor heard = torch::matmul(bank, stft(c, out).narrow(1, 0, frames).abs().pow(2)).t();  // [T, M]
    gain = gain * torch::sqrt(torch::matmul(target / heard.clamp_min(1e-10), to_bins));
    out = istft(c, spectrum * gain.t(), length);
  }
  // The source's phases line up its harmonics; a few Griffin-Lim iterations from them then match the
  // per-bin magnitudes, which the band gains alone leave smeared across each band.
  if (refinement > 0) {
    const torch::Tensor magnitudes = bin_magnitudes(c, log_mel, frames);
    out = phase_iterations(c, magnitudes, torch::angle(stft(c, out).narrow(1, 0, frames)), refinement, length);
  }
  return out.narrow(0, 0, output_length(c, log_mel.size(0)));
}

torch::Tensor griffin_lim(const LogMelConfig& c, const torch::Tensor& log_mel, int iterations, uint64_t seed) {
  check_frames(c, log_mel);
  if (iterations < 0) throw Error("griffin-lim: iterations must be >= 0");
  const int64_t frames = frames_to_make(c, log_mel.size(0)), length = output_length(c, frames);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor target = bin_magnitudes(c, log_mel, frames);
  const torch::Tensor angle = torch::rand(target.sizes(), generator) * (2 * M_PI);
  return phase_iterations(c, target, angle, iterations, length).narrow(0, 0, output_length(c, log_mel.size(0)));
}

}  // namespace jl::models
