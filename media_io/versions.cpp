#include "media_io/versions.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
}
#include <opencv2/core/version.hpp>

namespace jl::media {

std::string opencv_version() { return CV_VERSION; }

std::string ffmpeg_version() {
  const unsigned v = avcodec_version();
  return std::string(av_version_info()) + " (libavcodec " + std::to_string(AV_VERSION_MAJOR(v)) + "." +
         std::to_string(AV_VERSION_MINOR(v)) + "." + std::to_string(AV_VERSION_MICRO(v)) + ")";
}

std::map<std::string, bool> ffmpeg_encoders() {
  std::map<std::string, bool> found;
  for (const char* name : {"libx264", "libvpx-vp9", "gif", "png", "aac", "libopus", "flac", "pcm_s16le",
                           "pcm_f32le", "libmp3lame"})
    found[name] = avcodec_find_encoder_by_name(name) != nullptr;
  return found;
}

}  // namespace jl::media
