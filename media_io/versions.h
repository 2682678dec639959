// Versions of the media libraries this binary runs with, and which encoders its FFmpeg build has
// (Debian's has them all, a self-built FFmpeg may not): shown by `jielong info`.
#pragma once

#include <map>
#include <string>

namespace jl::media {

std::string opencv_version();
std::string ffmpeg_version();  // e.g. "5.1.6-0+deb12u1 (libavcodec 59.37.100)"

// Encoder name -> available, for the encoders the writers use.
std::map<std::string, bool> ffmpeg_encoders();

}  // namespace jl::media
