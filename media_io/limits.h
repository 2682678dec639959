// Caps on what a reader accepts, so that a crafted or corrupt file cannot make the studio allocate
// absurd memory or decode for hours. Every reader checks the header values against these before
// allocating; `jielong` exposes them as flags (--max-pixels, --max-frames, --max-seconds).
#pragma once

#include <cstdint>

namespace jl::media {

struct MediaLimits {
  int64_t max_side = 16384;             // pixels, either dimension
  int64_t max_pixels = 16384LL * 16384; // width * height of one image or frame
  int64_t max_frames = 100000;          // frames decoded from one video
  double max_seconds = 4 * 3600.0;      // duration of one video or audio file
  int max_sample_rate = 384000;         // Hz
  int max_channels = 16;                // audio channels
};

// Process-wide limits used when a reader is not given its own.
MediaLimits& default_limits();

}  // namespace jl::media
