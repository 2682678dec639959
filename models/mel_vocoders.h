// Two ways from a log-mel spectrogram (models/log_mel.h) back to a waveform, neither learnt:
// - source_filter(): a harmonic source at a given pitch (plus noise for unvoiced sounds and breath)
//   shaped band by band until its own mel energies are the target's, then a few Griffin-Lim
//   iterations from its phases; the unit vocoder's output stage, since its network predicts pitch and
//   voicing beside the mel.
// - griffin_lim(): the classic method: per-bin magnitudes interpolated from the mel bands, phases
//   found by (fast) Griffin-Lim iterations from random ones.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "models/log_mel.h"

namespace jl::models {

// Per-bin values from per-band ones: [T, n_mels] -> [T, n_fft / 2 + 1], each bin the average of the
// bands over it weighted by their filters (bins under no filter take the nearest band's value).
// bands_to_bins(c, x) is x times band_to_bin_weights(c) [n_mels, bins] (build it once for many frames).
torch::Tensor band_to_bin_weights(const LogMelConfig& config);
torch::Tensor bands_to_bins(const LogMelConfig& config, const torch::Tensor& bands);

// Griffin-Lim iterations source_filter() ends with by default. Resynthesis of the 250 held-out clips
// (docs/benchmarks.md): 27.2% WER with none, 23.7% with 8 (the same as Griffin-Lim's 32 iterations
// from random phases), 24.6% with 16.
inline constexpr int kPhaseRefinement = 8;

// log_mel: [T, n_mels]; f0: [T] Hz, positive everywhere (fill_unvoiced()); voicing: [T] in 0..1;
// refinement: Griffin-Lim iterations from the shaped source's phases towards the mel's per-bin
// magnitudes (0: the shaped source itself). Returns (T - 1) * hop samples (at least one hop): the
// duration the frames stand for.
torch::Tensor source_filter(const LogMelConfig& config, const torch::Tensor& log_mel, const torch::Tensor& f0,
                            const torch::Tensor& voicing, uint64_t seed, int refinement = kPhaseRefinement);

torch::Tensor griffin_lim(const LogMelConfig& config, const torch::Tensor& log_mel, int iterations, uint64_t seed);

}  // namespace jl::models
