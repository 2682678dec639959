// `convert`: media from one form to another through media_io, the same for the CLI, a batch job and
// the GUI. What happens follows the input and output kinds:
//   image  -> image   re-encode, optional resize; PNG text chunks are kept
//   video  -> video   re-encode with optional resize, frame-rate change, trim; audio kept, replaced
//                     (--audio FILE) or stripped (--no-audio)
//   video  -> frames  a PNG sequence ("dir/frame_%05d.png")
//   video  -> image   one frame, the one at --start
//   frames -> video   a folder of images, a "%05d" pattern or a list of image files, at --fps
//   audio or video -> audio   resample, change channel count, trim
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipelines/callbacks.h"

namespace jl {

namespace fs = std::filesystem;

struct ConvertParams {
  std::vector<fs::path> inputs;  // one file, or several images / a folder for frames -> video
  fs::path output;
  int width = 0;                 // 0: keep (or follow the other side's aspect ratio)
  int height = 0;
  double fps = 0;                // 0: keep the source rate (24 for image sequences)
  double start = 0;              // seconds
  double duration = 0;           // seconds; 0: to the end
  int crf = -1;                  // video quality, -1: codec default
  int quality = 95;              // JPEG / WebP quality
  fs::path audio;                // replace the audio track with this file's
  bool no_audio = false;
  int sample_rate = 0;           // 0: keep
  int channels = 0;              // 0: keep
  bool wav_float = false;        // WAV as 32-bit float instead of 16-bit
  int bitrate_kbps = 0;          // lossy audio
  bool overwrite = false;

  // Throws jl::UsageError naming the field and what is expected.
  void validate() const;
  std::string to_string() const;
};

struct ConvertResult {
  std::string kind;  // "image", "video", "frames", "frame", "audio"
  fs::path output;
  int width = 0, height = 0;
  int64_t frames = 0;
  double fps = 0;
  double seconds = 0;
  int64_t audio_samples = 0;  // per channel
  int sample_rate = 0, channels = 0;
};

ConvertResult convert(const ConvertParams& params, const Callbacks& callbacks = {});

}  // namespace jl
