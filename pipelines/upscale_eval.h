// How well an upscaler restores detail, by the usual super-resolution protocol: a central crop of a
// photo, downscaled by `scale` with antialiasing (area averaging), upscaled back, compared with the
// crop on the luma (Y of BT.601 YCbCr, 16..235) with a `scale`-pixel border left out: PSNR and SSIM
// (11x11 Gaussian window, sigma 1.5).
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/net_upscaler.h"

namespace jl {

struct UpscaleScore {
  double psnr = 0;  // dB, on Y
  double ssim = 0;  // on Y
};

// `crop`: the side of the central square kept (rounded down to a multiple of `scale`; the whole
// picture when it is smaller).
UpscaleScore score_upscaler(const cv::Mat& photo_rgb, const Upscaler& upscaler, int crop = 256);

// Luma metrics of two RGB pictures of one size, ignoring `border` pixels on every side.
UpscaleScore luma_scores(const cv::Mat& a_rgb, const cv::Mat& b_rgb, int border);

// The mean scores over photos (each central-cropped as above).
struct PhotoEvaluation {
  double psnr = 0, ssim = 0;
  int photos = 0;
};
PhotoEvaluation evaluate_on_photos(const std::vector<cv::Mat>& photos, const Upscaler& upscaler, int crop = 256);

// The generation cascade's case: the first `count` holdout scenes rendered at 64, upscaled, compared
// with the same scene rendered at 64 * scale (PSNR over RGB) and judged at that size.
struct WorldEvaluation {
  double psnr = 0;
  double judge_pass = 0;  // fraction
  int count = 0;
};
WorldEvaluation evaluate_on_holdout_scenes(const Upscaler& upscaler, int count);

// The pictures of a folder (sorted), for evaluations.
std::vector<std::filesystem::path> pictures_in(const std::filesystem::path& folder);

}  // namespace jl
