// The training videos of the frame interpolator: scripts/fetch-videos.sh's cache (real footage from
// Debian packages), or a folder given with --videos. The last eighth of every clip's frames is held
// out for the checkpoint's evaluation. Never the evaluation videos (those come from opencv-doc).
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace jl::training {

struct Clip {
  std::vector<cv::Mat> frames;  // CV_8UC3 RGB, longest side at most 800
};

struct TrainingVideos {
  std::vector<Clip> train, held_out;  // held_out[i]: the end of train[i]
};

// `folder` empty: the videos cache. jl::Error naming the folder when it holds no video of at least
// 16 frames.
TrainingVideos load_training_videos(std::filesystem::path folder);

}  // namespace jl::training
