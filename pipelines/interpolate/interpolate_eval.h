// How well a method draws frames that really existed. The protocol (docs/benchmarks.md): of a
// video's first 61 frames keep the even ones, draw each odd one at t = 0.5 between its neighbours,
// and compare it with the real one: PSNR over RGB and SSIM on the luma. The same on ShapeWorld's
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
};

// `frames`: consecutive RGB frames (the protocol uses the first 61); every odd one is redrawn.
InterpolationScore score_interpolation(const std::vector<cv::Mat>& frames, const FrameInterpolator& interpolator);

// The same through `ffmpeg -vf minterpolate=mi_mode=mci` (the ffmpeg program, scripts/install-deps.sh).
InterpolationScore score_minterpolate(const std::vector<cv::Mat>& frames, double fps);

struct WorldInterpolationScore {
  double psnr = 0, ssim = 0;
  double judge_pass = 0;        // interpolated videos whose prompt (motion included) the judge passes
  double ground_truth_pass = 0; // the same videos rendered in full: the judge's own ceiling
  int videos = 0;
};
// The first `count` holdout video prompts rendered at 64x64 with 16 frames (seed i), the odd frames
// redrawn from the even ones.
WorldInterpolationScore score_on_holdout_videos(const FrameInterpolator& interpolator, int count);

}  // namespace jl
