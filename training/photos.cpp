#include "training/photos.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "models/model_store.h"
#include "pipelines/upscale_eval.h"

namespace jl::training {

Photos load_photos(std::filesystem::path folder) {
  if (folder.empty()) folder = models::models_cache_dir().parent_path() / "photos";
  Photos photos;
  const std::vector<std::filesystem::path> files = pictures_in(folder);
  for (size_t i = 0; i < files.size(); ++i) {
    cv::Mat rgb = media::to_rgb8(media::read_image(files[i])).pixels;
    // Wallpapers come at up to 5K; at 1280 their detail is as dense as in ordinary photos.
    const double shrink = 1280.0 / std::max(rgb.cols, rgb.rows);
    if (shrink < 1) cv::resize(rgb, rgb, cv::Size(), shrink, shrink, cv::INTER_AREA);
    (i % 8 == 7 ? photos.held_out : photos.train).push_back(rgb);
  }
  if (photos.train.empty() || photos.held_out.empty())
    throw Error(folder.string() + ": needs at least 8 photos (one in eight is held out); run scripts/fetch-photos.sh");
  return photos;
}

}  // namespace jl::training
