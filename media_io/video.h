// Video through FFmpeg: decode anything FFmpeg reads (frames as 8-bit RGB, fps, duration, the audio
// stream), seek; encode MP4/H.264 (yuv420p, CRF), WebM/VP9, GIF (one palette for the whole clip) and
// PNG sequences, with an optional audio track. Frame counts are exact both ways.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "media_io/audio.h"
#include "media_io/limits.h"

namespace jl::media {

namespace fs = std::filesystem;

struct VideoInfo {
  int width = 0;
  int height = 0;
  double fps = 0;           // average frame rate
  int64_t frames = 0;       // from the container when it says, else estimated from duration * fps
  double duration = 0;      // seconds
  std::string codec;        // e.g. "h264"
  std::string container;    // e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  bool has_audio = false;
  int audio_sample_rate = 0;
  int audio_channels = 0;
  std::map<std::string, std::string> metadata;  // container tags
};

class VideoReader {
 public:
  // Opens the file and its video stream; checks dimensions and duration against `limits`.
  explicit VideoReader(const fs::path& path, const MediaLimits& limits = default_limits());
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;

  // The next frame as CV_8UC3 RGB and its presentation time in seconds; false after the last one.
  bool read(cv::Mat& rgb, double* time_seconds = nullptr);

  // The next read() returns the first frame whose time is >= `seconds` (decodes from the keyframe
  // before it, so it is exact, not keyframe-rounded).
  void seek(double seconds);

  // The first audio stream, decoded whole (see read_audio); an empty Audio when there is none.
  Audio read_audio(int sample_rate = 0, int channels = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every frame of a video, in order (CV_8UC3 RGB); the file's fps in `fps` when given.
std::vector<cv::Mat> read_all_frames(const fs::path& path, double* fps = nullptr,
                                     const MediaLimits& limits = default_limits());

struct VideoWriteOptions {
  double fps = 24;
  int crf = -1;                 // -1: the codec's default (H.264 23, VP9 32); lower is better
  const Audio* audio = nullptr; // optional track: AAC in MP4, Opus in WebM; ignored by GIF and PNG
  std::map<std::string, std::string> metadata;  // container tags, e.g. {"comment", params}
  bool overwrite = false;
};

// Streams frames into a file. The format follows the path:
//   .mp4 / .mov / .mkv -> H.264 yuv420p (width and height must be even)
//   .webm              -> VP9
//   .gif               -> GIF with one 256-color palette computed over the whole clip
//   "dir/%05d.png"     -> PNG sequence (a printf pattern with one integer; numbering starts at 1)
// The output appears atomically at close(); a writer destroyed without close() leaves nothing.
class VideoWriter {
 public:
  VideoWriter(const fs::path& path, int width, int height, const VideoWriteOptions& options);
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  void write(const cv::Mat& rgb);  // CV_8UC3, width x height
  void close();
  int64_t frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

bool is_video_extension(const std::string& extension);
// True for "name%05d.png"-style paths (a printf integer pattern).
bool is_frame_pattern(const fs::path& path);
// The file of frame `number` of such a pattern, named as the writer names it.
fs::path frame_pattern_path(const fs::path& pattern, int64_t number);

}  // namespace jl::media
