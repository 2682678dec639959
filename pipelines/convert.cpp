#include "pipelines/convert.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/frame_rate.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"

namespace jl {
namespace {

using media::Audio;
using media::Image;

using media::lower_extension;
using Kind = media::MediaKind;
const auto kind_of = media::media_kind;

// Input files that are neither images nor audio by extension are treated as video: FFmpeg reads far
// more containers than we can list, and it says clearly when it cannot.
Kind input_kind(const fs::path& p) {
  const Kind k = kind_of(p);
  return k == Kind::Unknown ? Kind::Video : k;
}

// The images of a frame sequence: every image in a folder (sorted by name), the files matching a
// "%05d" pattern (numbered from 0 or 1, consecutive), or the files given.
std::vector<fs::path> expand_frames(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<fs::path> found;
      for (const auto& item : fs::directory_iterator(in, ec))
        if (item.is_regular_file() && media::is_image_extension(lower_extension(item.path())))
          found.push_back(item.path());
      std::sort(found.begin(), found.end());
      if (found.empty()) throw Error(in.string() + ": folder has no images (.png, .jpg, .webp, .bmp, .tif)");
      files.insert(files.end(), found.begin(), found.end());
    } else if (media::is_frame_pattern(in)) {
      auto nth = [&](int64_t i) { return media::frame_pattern_path(in, i); };
      int64_t i = fs::exists(nth(0), ec) ? 0 : 1;
      const size_t before = files.size();
      for (; fs::exists(nth(i), ec); ++i) files.push_back(nth(i));
      if (files.size() == before) throw Error(in.string() + ": no files match (tried numbers 0 and 1)");
    } else {
      files.push_back(in);
    }
  }
  return files;
}

// Output size: both given -> exactly that; one given -> the other follows the aspect ratio (rounded
// to even numbers for video codecs that subsample chroma); none -> the source's.
cv::Size target_size(int src_w, int src_h, const ConvertParams& p, bool even) {
  int w = p.width, h = p.height;
  if (w > 0 && h == 0) h = std::max(1, int(std::lround(double(src_h) * w / src_w)));
  if (h > 0 && w == 0) w = std::max(1, int(std::lround(double(src_w) * h / src_h)));
  if (w == 0) return {src_w, src_h};
  if (even && (p.width == 0 || p.height == 0)) {
    w += w % 2;
    h += h % 2;
  }
  return {w, h};
}

cv::Mat resized(const cv::Mat& frame, cv::Size size) {
  if (frame.cols == size.width && frame.rows == size.height) return frame;
  return media::resize({frame, {}}, size.width, size.height).pixels;
}

Audio slice(const Audio& audio, double start, double duration) {
  Audio out = audio;
  if (audio.channels == 0) return out;
  const int64_t first = std::min<int64_t>(audio.frames(), std::llround(start * audio.sample_rate));
  int64_t last = audio.frames();
  if (duration > 0) last = std::min<int64_t>(last, first + std::llround(duration * audio.sample_rate));
  out.samples.assign(audio.samples.begin() + first * audio.channels, audio.samples.begin() + last * audio.channels);
  return out;
}

ConvertResult image_to_image(const ConvertParams& p) {
  Image image = media::read_image(p.inputs[0]);
  const cv::Size size = target_size(image.width(), image.height(), p, false);
  if (size.width != image.width() || size.height != image.height())
    image = media::resize(image, size.width, size.height);
  media::write_image(p.output, image, {p.quality, p.overwrite});
  ConvertResult r{"image", p.output, image.width(), image.height()};
  r.frames = 1;
  return r;
}

// The audio track that goes with a converted video, already cut to the same span.
Audio soundtrack(const ConvertParams& p, const fs::path& video, bool video_has_audio, double video_seconds) {
  if (p.no_audio) return {};
  if (!p.audio.empty()) return slice(media::read_audio(p.audio, p.sample_rate, p.channels), 0, video_seconds);
  if (!video_has_audio) return {};
  return slice(media::read_audio(video, p.sample_rate, p.channels), p.start, video_seconds);
}

ConvertResult video_to_video(const ConvertParams& p, const Callbacks& cb, Kind out_kind) {
  media::VideoReader reader(p.inputs[0]);
  const media::VideoInfo info = reader.info();
  if (p.start > 0 && p.start >= info.duration && info.duration > 0)
    throw UsageError("--start " + std::to_string(p.start) + " is past the end of " + p.inputs[0].string() +
                     " (" + std::to_string(info.duration) + " s long)");
  const double src_fps = info.fps > 0 ? info.fps : 24;
  const double fps = p.fps > 0 ? p.fps : src_fps;
  const cv::Size size = target_size(info.width, info.height, p, out_kind == Kind::Video);
  double span = info.duration - p.start;
  if (p.duration > 0) span = std::min(p.duration, span > 0 ? span : p.duration);

  media::VideoWriteOptions options;
  options.fps = fps;
  options.crf = p.crf;
  options.overwrite = p.overwrite;
  const Audio audio = out_kind == Kind::Video ? soundtrack(p, p.inputs[0], info.has_audio, span) : Audio{};
  if (audio.frames() > 0) options.audio = &audio;
  media::VideoWriter writer(p.output, size.width, size.height, options);

  media::FrameRateConverter rate(fps, [&](const cv::Mat& f) { writer.write(f); });
  if (p.start > 0) reader.seek(p.start);
  const int64_t expected = std::max<int64_t>(1, std::llround(span * src_fps));
  const double tolerance = 0.01 / src_fps;
  cv::Mat frame;
  double t = 0, last = -1;
  int64_t read = 0;
  while (reader.read(frame, &t)) {
    if (t < p.start - tolerance) continue;
    if (p.duration > 0 && t >= p.start + p.duration - tolerance) break;
    rate.push(resized(frame, size), t - p.start);
    last = t - p.start;
    cb.report(++read, expected);
    cb.throw_if_cancelled();
  }
  if (read == 0) throw Error(p.inputs[0].string() + ": no video frames in the requested span");
  double end = last + 1.0 / src_fps;
  if (p.duration > 0) end = std::min(end, p.duration);
  rate.finish(end);
  writer.close();

  ConvertResult r{out_kind == Kind::Video ? "video" : "frames", p.output, size.width, size.height};
  r.frames = writer.frames_written();
  r.fps = fps;
  r.seconds = r.frames / fps;
  r.audio_samples = audio.frames();
  r.sample_rate = audio.sample_rate;
  r.channels = audio.channels;
  return r;
}

ConvertResult video_to_image(const ConvertParams& p) {
  media::VideoReader reader(p.inputs[0]);
  if (p.start > 0) reader.seek(p.start);
  cv::Mat frame;
  if (!reader.read(frame)) throw Error(p.inputs[0].string() + ": no frame at " + std::to_string(p.start) + " s");
  const cv::Size size = target_size(frame.cols, frame.rows, p, false);
  media::write_image(p.output, {resized(frame, size), {}}, {p.quality, p.overwrite});
  ConvertResult r{"frame", p.output, size.width, size.height};
  r.frames = 1;
  return r;
}

ConvertResult frames_to_video(const ConvertParams& p, const Callbacks& cb, Kind out_kind) {
  const std::vector<fs::path> files = expand_frames(p.inputs);
  const Image first = media::to_rgb8(media::read_image(files[0]));
  const cv::Size size = target_size(first.width(), first.height(), p, out_kind == Kind::Video);
  media::VideoWriteOptions options;
  options.fps = p.fps > 0 ? p.fps : 24;
  options.crf = p.crf;
  options.overwrite = p.overwrite;
  const double seconds = files.size() / options.fps;
  Audio audio;
  if (!p.audio.empty() && !p.no_audio) audio = slice(media::read_audio(p.audio, p.sample_rate, p.channels), 0, seconds);
  if (audio.frames() > 0) options.audio = &audio;
  media::VideoWriter writer(p.output, size.width, size.height, options);
  for (size_t i = 0; i < files.size(); ++i) {
    const Image image = i == 0 ? first : media::to_rgb8(media::read_image(files[i]));
    if (p.width == 0 && p.height == 0 && (image.width() != first.width() || image.height() != first.height()))
      throw Error(files[i].string() + ": is " + std::to_string(image.width()) + "x" + std::to_string(image.height()) +
                  " but the first frame is " + std::to_string(first.width()) + "x" + std::to_string(first.height()) +
                  "; give --width/--height to resize them all");
    writer.write(resized(image.pixels, size));
    cb.report(int64_t(i) + 1, int64_t(files.size()));
    cb.throw_if_cancelled();
  }
  writer.close();
  ConvertResult r{out_kind == Kind::Video ? "video" : "frames", p.output, size.width, size.height};
  r.frames = writer.frames_written();
  r.fps = options.fps;
  r.seconds = seconds;
  r.audio_samples = audio.frames();
  r.sample_rate = audio.sample_rate;
  r.channels = audio.channels;
  return r;
}

ConvertResult to_audio(const ConvertParams& p) {
  const Audio audio = slice(media::read_audio(p.inputs[0], p.sample_rate, p.channels), p.start, p.duration);
  if (audio.frames() == 0) throw Error(p.inputs[0].string() + ": no audio in the requested span");
  media::AudioWriteOptions options;
  options.wav_format = p.wav_float ? media::PcmFormat::F32 : media::PcmFormat::S16;
  options.bitrate_kbps = p.bitrate_kbps;
  options.overwrite = p.overwrite;
  media::write_audio(p.output, audio, options);
  ConvertResult r{"audio", p.output};
  r.audio_samples = audio.frames();
  r.sample_rate = audio.sample_rate;
  r.channels = audio.channels;
  r.seconds = audio.seconds();
  return r;
}

}  // namespace

void ConvertParams::validate() const {
  if (inputs.empty()) throw UsageError("convert: give an input file");
  if (output.empty()) throw UsageError("convert: give an output file with -o");
  if (width < 0 || height < 0 || width > 16384 || height > 16384)
    throw UsageError("--width/--height must be between 1 and 16384");
  if (fps < 0 || fps > 1000) throw UsageError("--fps must be between 0 (keep) and 1000");
  if (start < 0) throw UsageError("--start must be >= 0 seconds");
  if (duration < 0) throw UsageError("--duration must be > 0 seconds (0 means to the end)");
  if (crf < -1 || crf > 63) throw UsageError("--crf must be between 0 and 63 (51 for H.264)");
  if (quality < 1 || quality > 101) throw UsageError("--quality must be between 1 and 100 (101: lossless WebP)");
  if (sample_rate < 0 || sample_rate > 384000) throw UsageError("--sample-rate must be between 1 and 384000 Hz");
  if (channels < 0 || channels > 16) throw UsageError("--channels must be between 1 and 16");
  if (no_audio && !audio.empty()) throw UsageError("--audio and --no-audio contradict each other; give one");
  const Kind out = kind_of(output);
  if (out == Kind::Unknown)
    throw UsageError(output.string() + ": unknown output type; use an image (.png .jpg .webp .bmp .tif), "
                     "video (.mp4 .webm .mkv .mov .gif), a frame pattern (dir/frame_%05d.png) or audio "
                     "(.wav .flac .ogg .opus .mp3)");
  if (inputs.size() > 1 && input_kind(inputs[0]) != Kind::Image)
    throw UsageError("convert: several inputs are only allowed as the frames of a video");
}

std::string ConvertParams::to_string() const {
  std::ostringstream s;
  s << "convert";
  for (const auto& in : inputs) s << " " << in.string();
  s << " -o " << output.string();
  if (width) s << " --width " << width;
  if (height) s << " --height " << height;
  if (fps > 0) s << " --fps " << fps;
  if (start > 0) s << " --start " << start;
  if (duration > 0) s << " --duration " << duration;
  if (crf >= 0) s << " --crf " << crf;
  if (quality != 95) s << " --quality " << quality;
  if (!audio.empty()) s << " --audio " << audio.string();
  if (no_audio) s << " --no-audio";
  if (sample_rate) s << " --sample-rate " << sample_rate;
  if (channels) s << " --channels " << channels;
  if (wav_float) s << " --wav-float";
  if (bitrate_kbps) s << " --bitrate " << bitrate_kbps;
  return s.str();
}

ConvertResult convert(const ConvertParams& p, const Callbacks& cb) {
  p.validate();
  const Kind out = kind_of(p.output);
  Kind in = input_kind(p.inputs[0]);
  if (p.inputs.size() > 1) in = Kind::Frames;
  if (out != Kind::Frames) check_can_write(p.output, p.overwrite);  // fail before any decoding

  if (out == Kind::Audio) {
    if (in == Kind::Image || in == Kind::Frames) throw UsageError("convert: images have no audio to write to " + p.output.string());
    return to_audio(p);
  }
  if (in == Kind::Audio) throw UsageError("convert: " + p.inputs[0].string() + " is audio; write it to .wav, .flac, .ogg, .opus or .mp3");
  if (out == Kind::Image) {
    if (in == Kind::Image) return image_to_image(p);
    if (in == Kind::Video) return video_to_image(p);
    throw UsageError("convert: a frame sequence goes to a video or another frame pattern, not one image");
  }
  // out is a video or a frame pattern.
  if (in == Kind::Video) return video_to_video(p, cb, out);
  return frames_to_video(p, cb, out);
}

}  // namespace jl
