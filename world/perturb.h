// Degradations of a faithful render "as a generator's output would be" (WORLD.md, judge robustness):
// Gaussian blur sigma up to 0.6 px at N = 64 (scaled with N), Gaussian noise sigma up to 6/255,
// gain 0.95..1.05, offset +-10/255, JPEG quality 70..100. Used to measure the judge, never by it.
#pragma once

#include <opencv2/core/mat.hpp>

#include "world/random.h"

namespace jl::world {

cv::Mat perturb(const cv::Mat& rgb, Rng& rng);

}  // namespace jl::world
