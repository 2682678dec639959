#include "media_io/media_kind.h"

#include <algorithm>

#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/video.h"

namespace jl::media {

std::string lower_extension(const std::filesystem::path& path) {
  std::string e = path.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

MediaKind media_kind(const std::filesystem::path& path) {
  std::error_code ec;
  if (is_frame_pattern(path) || std::filesystem::is_directory(path, ec)) return MediaKind::Frames;
  const std::string e = lower_extension(path);
  if (is_image_extension(e)) return MediaKind::Image;
  if (is_video_extension(e)) return MediaKind::Video;
  if (is_audio_extension(e)) return MediaKind::Audio;
  return MediaKind::Unknown;
}

}  // namespace jl::media
