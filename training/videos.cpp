#include "training/videos.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <set>

#include "core/error.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"
#include "models/model_store.h"

namespace jl::training {

namespace {

constexpr int kMinFrames = 16;
constexpr int kLongestSide = 800;  // a phone's 1080p moves too far between frames for 128-pixel crops

bool is_training_video(const std::filesystem::path& path) {
  static const std::set<std::string> extensions{".mp4", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ogv"};
  return extensions.count(media::lower_extension(path)) > 0;
}

}  // namespace

TrainingVideos load_training_videos(std::filesystem::path folder) {
  if (folder.empty()) folder = models::models_cache_dir().parent_path() / "train-videos";
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
    if (entry.is_regular_file() && is_training_video(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  TrainingVideos videos;
  for (const auto& file : files) {
    std::vector<cv::Mat> frames = media::read_all_frames(file);
    if (frames.size() < size_t(kMinFrames)) continue;
    const double shrink = double(kLongestSide) / std::max(frames[0].cols, frames[0].rows);
    if (shrink < 1)
      for (cv::Mat& f : frames) cv::resize(f, f, cv::Size(), shrink, shrink, cv::INTER_AREA);
    const size_t split = frames.size() - std::max<size_t>(3, frames.size() / 8);
    videos.held_out.push_back({{frames.begin() + long(split), frames.end()}});
    frames.resize(split);
    videos.train.push_back({std::move(frames)});
  }
  if (videos.train.empty())
    throw Error(folder.string() + ": no training video of at least " + std::to_string(kMinFrames) +
                " frames here; run scripts/fetch-videos.sh or give --videos a folder of videos");
  return videos;
}

}  // namespace jl::training
