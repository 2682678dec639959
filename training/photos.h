// The training photos of the photo-based trainers (upscaler, interpolator): scripts/fetch-photos.sh's
// cache, or a folder given with --photos; one photo in eight is held out for the checkpoint's
// evaluation. Never the evaluation photos and videos (those come from opencv-doc).
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace jl::training {

struct Photos {
  std::vector<cv::Mat> train, held_out;  // CV_8UC3 RGB, longest side at most 1280
};

// `folder` empty: the photos cache. jl::Error naming the folder when it has fewer than 8 photos.
Photos load_photos(std::filesystem::path folder);

}  // namespace jl::training
