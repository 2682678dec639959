// `jielong interpolate`: more frames in a video (x2, x4, x8, or any frame rate such as 24 -> 60),
// or the frame between two pictures. Streams: a window of four source frames and their three pair
// studies (each pair follows motion through the pairs either side, and keeps their frames and flows
// while it is drawn) in memory at a time, whatever the length. Output frame k is shown at k / fps from the first frame's time; each is
// drawn at its time between the source frames around it (so a rate that is not a multiple works, and
// so does variable frame rate input). Scene cuts are not interpolated across (the frame before the
// cut is held); exact duplicate frames (a clip animated "on twos") are skipped, so the motion is
// spread over the span they held; the audio is kept as it is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl::models {
class ModelStore;
}

namespace jl {

namespace fs = std::filesystem;

struct InterpolateParams {
  fs::path input;                // a video; or empty, with `frames`
  std::vector<fs::path> frames;  // two pictures A and B: the output is the picture at `t`
  double t = 0.5;
  fs::path output;               // a video (.mp4, .webm, .mkv, .mov, .gif), or a picture with `frames`
  int factor = 0;                // 2, 4 or 8 times the frames; or 0 with `fps`
  double fps = 0;                // the output frame rate
  std::string method = "classic";
  // A pair is a scene cut when the correlation of their small grey thumbnails falls below this.
  double cut_correlation = 0.4;
  int max_duplicates = 3;        // skipped in a row at most (a longer still is a real still)
  bool overwrite = false;

  void validate() const;         // UsageError naming the flag
  std::string to_string() const; // stored in the output's metadata
};

struct InterpolateResult {
  fs::path output;
  int64_t input_frames = 0, output_frames = 0;
  int64_t synthesized = 0;       // output frames drawn between two source frames
  int64_t scene_cuts = 0, duplicates_skipped = 0;
  double output_fps = 0;
  double seconds = 0;
};

InterpolateResult interpolate(const InterpolateParams& params, models::ModelStore& store, const Callbacks& callbacks = {});

// The scene-cut test: correlation of two frames' 64-pixel-wide grey thumbnails (1: the same picture
// up to brightness and contrast; near 0: unrelated). Flat frames compare by mean difference instead.
double thumbnail_correlation(const cv::Mat& a_rgb8, const cv::Mat& b_rgb8);

}  // namespace jl
