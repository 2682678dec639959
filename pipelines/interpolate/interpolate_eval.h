// How well a method draws frames that really existed. The protocol (docs/benchmarks.md): of a
// video's first 61 frames keep the even ones, draw each odd one at t = 0.5 between its neighbours,
// and compare it with the real one: PSNR over RGB and SSIM on the luma. With a factor N (2, the
// protocol's, 4 or 8) every N-th frame is kept and the N - 1 between drawn at t = 1/N, 2/N, ...: how
// well a method serves x4 and x8, and how it does away from t = 0.5. The same on ShapeWorld's
// holdout videos, where the world judge also says whether the interpolated video still shows the
// prompt's motion. FFmpeg's minterpolate (mi_mode=mci) runs through the same protocol as the
// reference to beat.
#pragma once

#include <opencv2/core/mat.hpp>
#include <vector>

#include "pipelines/interpolate/frame_interpolator.h"

namespace jl {

struct InterpolationScore {
  double psnr = 0, ssim = 0;  // means over the drawn frames
  int frames = 0;             // drawn and compared
  double seconds = 0;         // drawing them (minterpolate: the ffmpeg process)
  std::vector<double> psnr_at;  // [j - 1]: the mean PSNR of the frames drawn at t = j / factor
};

// `frames`: consecutive RGB frames (the protocol uses the first 61); every frame but each factor-th
// is redrawn (factor 2, 4 or 8; jl::Error when there are not factor + 1 frames).
InterpolationScore score_interpolation(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator, int factor = 2);

// The same through `ffmpeg -vf minterpolate=mi_mode=mci` (the ffmpeg program, scripts/install-deps.sh).
InterpolationScore score_minterpolate(const std::vector<cv::Mat>& frames, double fps, int factor = 2);

struct WorldInterpolationScore {
  double psnr = 0, ssim = 0;
  double judge_pass = 0;        // interpolated videos whose prompt (motion included) the judge passes
  double ground_truth_pass = 0; // the same videos rendered in full: the judge's own ceiling
  int videos = 0;
};
// The first `count` holdout video prompts rendered at 64x64 with 17 frames (seed i), all but every
// factor-th redrawn from those.
WorldInterpolationScore score_on_holdout_videos(const FrameInterpolator& interpolator, int count, int factor = 2);

}  // namespace jl
