// Pitch: the fundamental frequency of speech, frame by frame, on the log-mel frames' grid (the targets
// the unit vocoder learns to predict). Autocorrelation of each Hann-windowed frame divided by the
// window's own autocorrelation (Boersma 1993), so that the peak at the period is not biased towards
// short lags; the smallest lag within a few percent of the best peak wins, which keeps the period
// rather than a multiple of it (an octave too low).
#pragma once

#include <torch/torch.h>

#include "models/log_mel.h"

namespace jl::models {

struct PitchTrack {
  torch::Tensor f0;           // [T] Hz; 0 where unvoiced
  torch::Tensor periodicity;  // [T] the normalised autocorrelation at the chosen period, 0..1
  torch::Tensor voiced() const { return f0 > 0; }
};

struct PitchRange {
  double min_hz = 60, max_hz = 400;
  double voicing_threshold = 0.5;  // periodicity a voiced frame needs
  double silence_db = 40;          // frames this far below the loudest one are unvoiced
};

// samples: [N] mono at config.sample_rate; T = 1 + N / hop, as log_mel() gives.
PitchTrack estimate_pitch(const LogMelConfig& config, const torch::Tensor& samples, const PitchRange& range = {});

// f0 with its unvoiced frames (0) filled from the nearest voiced ones (linearly between two), so that
// a source can glide through them; all unvoiced: `fallback_hz` everywhere.
torch::Tensor fill_unvoiced(const torch::Tensor& f0, double fallback_hz);

}  // namespace jl::models
