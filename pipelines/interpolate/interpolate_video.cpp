#include "pipelines/interpolate/interpolate_video.h"

#include <chrono>
#include <cmath>
#include <deque>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "media_io/video.h"
#include "pipelines/interpolate/frame_interpolator.h"

namespace jl {

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kAtSourceFrame = 1e-4;  // output times this close (in frame intervals) to a source frame show it

cv::Mat read_rgb(const fs::path& path) { return media::to_rgb8(media::read_image(path)).pixels; }

bool is_duplicate(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF) <= 1; }

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

void InterpolateParams::validate() const {
  check_interpolation_method(method);
  if (output.empty()) throw UsageError("interpolate: give an output with -o");
  if (!frames.empty()) {
    if (frames.size() != 2) throw UsageError("--frames takes two pictures: A and B");
    if (!input.empty()) throw UsageError("interpolate: give a video or --frames A B, not both");
    if (!(t >= 0 && t <= 1)) throw UsageError("--t must be in 0..1");
    if (media::media_kind(output) != media::MediaKind::Image)
      throw UsageError("-o " + output.string() + ": with --frames the output is a picture (.png, .jpg, ...)");
    for (const fs::path& f : frames)
      if (!fs::exists(f)) throw Error(f.string() + ": no such file");
    return;
  }
  if (input.empty()) throw UsageError("interpolate: give a video, or --frames A B");
  if (!fs::exists(input) && !media::is_frame_pattern(input)) throw Error(input.string() + ": no such file");
  auto is_video = [](const fs::path& path) {
    const media::MediaKind kind = media::media_kind(path);
    return kind == media::MediaKind::Video || kind == media::MediaKind::Frames;
  };
  if (!is_video(input)) throw UsageError(input.string() + ": not a video (for two pictures use --frames A B)");
  if (!is_video(output))
    throw UsageError("-o " + output.string() + ": the output must be a video (.mp4, .webm, .mkv, .mov, .gif) or frames (dir/%05d.png)");
  if ((factor != 0) == (fps > 0)) throw UsageError("interpolate: give one of --factor 2|4|8 or --fps RATE");
  if (factor != 0 && factor != 2 && factor != 4 && factor != 8) throw UsageError("--factor must be 2, 4 or 8");
  if (fps < 0 || fps > 1000) throw UsageError("--fps must be in (0, 1000]");
  if (!(cut_correlation >= -1 && cut_correlation <= 1)) throw UsageError("--cut-correlation must be in -1..1");
  if (max_duplicates < 0) throw UsageError("--max-duplicates must not be negative");
}

std::string InterpolateParams::to_string() const {
  std::string out = "Interpolation: " + method;
  if (factor) out += ", Factor: " + std::to_string(factor);
  if (fps > 0) out += ", FPS: " + format_number(fps);
  out += ", Source: " + (frames.empty() ? input.filename().string() : frames[0].filename().string() + " + " + frames[1].filename().string());
  if (!frames.empty()) out += ", t: " + format_number(t);
  return out;
}

double thumbnail_correlation(const cv::Mat& a_rgb8, const cv::Mat& b_rgb8) {
  auto thumbnail = [](const cv::Mat& rgb) {
    cv::Mat grey, small;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    const int width = std::min(64, grey.cols), height = std::max(1, grey.rows * width / grey.cols);
    cv::resize(grey, small, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    small.convertTo(small, CV_32F);
    return small;
  };
  const cv::Mat a = thumbnail(a_rgb8), b = thumbnail(b_rgb8);
  cv::Scalar mean_a, std_a, mean_b, std_b;
  cv::meanStdDev(a, mean_a, std_a);
  cv::meanStdDev(b, mean_b, std_b);
  if (std_a[0] < 2 || std_b[0] < 2)  // a flat frame (a fade to black): compare levels instead
    return 1 - std::min(1.0, std::abs(mean_a[0] - mean_b[0]) / 32);
  const cv::Mat za = (a - mean_a[0]) / std_a[0], zb = (b - mean_b[0]) / std_b[0];
  return za.dot(zb) / double(a.total());
}

InterpolateResult interpolate(const InterpolateParams& p, models::ModelStore& store, const Callbacks& callbacks) {
  p.validate();
  const auto start = Clock::now();
  const auto interpolator = make_interpolator(p.method, store);
  InterpolateResult result;
  result.output = p.output;

  if (!p.frames.empty()) {
    check_can_write(p.output, p.overwrite);
    const cv::Mat a = read_rgb(p.frames[0]), b = read_rgb(p.frames[1]);
    const cv::Mat out = interpolator->pair(a, b)->at(p.t);
    media::write_image(p.output, {out, {{"parameters", p.to_string()}}}, {95, p.overwrite});
    result.input_frames = 2;
    result.output_frames = result.synthesized = 1;
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

  if (!media::is_frame_pattern(p.output)) check_can_write(p.output, p.overwrite);  // (a frame pattern: the writer checks each file)
  media::VideoReader reader(p.input);
  const media::VideoInfo info = reader.info();
  const double source_fps = info.fps > 0 ? info.fps : 24;
  result.output_fps = p.factor ? p.factor * source_fps : p.fps;
  const int64_t expected = info.frames > 0 ? int64_t(std::llround(double(info.frames) * result.output_fps / source_fps)) : 0;
  media::VideoWriteOptions options;
  options.fps = result.output_fps;
  options.overwrite = p.overwrite;
  options.metadata = {{"comment", p.to_string()}};
  const media::Audio audio = info.has_audio ? media::read_audio(p.input) : media::Audio{};
  if (audio.frames() > 0) options.audio = &audio;
  std::unique_ptr<media::VideoWriter> writer;
  auto emit = [&](const cv::Mat& frame) {
    if (!writer) writer = std::make_unique<media::VideoWriter>(p.output, frame.cols, frame.rows, options);
    writer->write(frame);
    ++result.output_frames;
    callbacks.report(result.output_frames, expected);
    callbacks.throw_if_cancelled();
  };

  // The source frames kept (duplicates skipped) go through a window of up to four, P A B N: the
  // output frames between A and B are drawn once N has arrived (or the video has ended), so that the
  // pair (A, B) can follow motion through the pairs (P, A) and (B, N). Each pair is studied once, when
  // first needed, and serves as the middle pair and as a neighbour.
  struct Source {
    cv::Mat frame;
    double time = 0;
    bool cut_before = false;                 // a scene cut between the previous kept frame and this one
    std::unique_ptr<FramePair> pair_to_next;  // studied on demand
  };
  std::deque<Source> window;
  auto pair_from = [&](size_t i) -> FramePair* {  // the pair (window[i], window[i + 1])
    Source& s = window[i];
    if (!s.pair_to_next) s.pair_to_next = interpolator->pair(s.frame, window[i + 1].frame);
    return s.pair_to_next.get();
  };
  // Output frame k is shown at origin + k / fps; every one before `until` is drawn from the pair
  // window[a] -> window[a + 1], or is window[a] itself across a cut or after the last frame.
  double origin = 0, last_time = 0;
  int64_t k = 0;
  auto output_time = [&] { return origin + double(k) / result.output_fps; };
  auto emit_until = [&](size_t a, double until) {
    const Source& held = window[a];
    const bool has_next = a + 1 < window.size();
    FramePair* pair = nullptr;
    for (; output_time() < until - kAtSourceFrame / result.output_fps; ++k) {
      const double s = has_next && until > held.time ? (output_time() - held.time) / (until - held.time) : 0;
      if (s < kAtSourceFrame || !has_next || window[a + 1].cut_before) {
        emit(held.frame);
        continue;
      }
      if (!pair) {
        pair = pair_from(a);
        const double span = window[a + 1].time - held.time;
        const bool before = a > 0 && !held.cut_before, after = a + 2 < window.size() && !window[a + 2].cut_before;
        pair->set_neighbours(before ? pair_from(a - 1) : nullptr, after ? pair_from(a + 1) : nullptr,
                             before ? (held.time - window[a - 1].time) / span : 1,
                             after ? (window[a + 2].time - window[a + 1].time) / span : 1);
      }
      emit(pair->at(s));
      ++result.synthesized;
    }
  };
  int duplicates_in_a_row = 0;
  cv::Mat frame;
  double time = 0;
  while (reader.read(frame, &time)) {
    ++result.input_frames;
    last_time = time;
    if (result.input_frames == 1) {
      origin = time;
      window.push_back({frame.clone(), time, false, nullptr});
      continue;
    }
    const cv::Mat& previous = window.back().frame;
    if (frame.size() != previous.size()) throw Error(p.input.string() + ": the frame size changes mid-video; convert it first");
    if (is_duplicate(previous, frame) && duplicates_in_a_row < p.max_duplicates) {
      ++duplicates_in_a_row;
      ++result.duplicates_skipped;
      continue;
    }
    duplicates_in_a_row = 0;
    const bool cut = thumbnail_correlation(previous, frame) < p.cut_correlation;
    result.scene_cuts += cut;
    window.push_back({frame.clone(), time, cut, nullptr});
    if (window.size() < 3) continue;
    emit_until(window.size() - 3, window[window.size() - 2].time);  // A -> B, with N known
    if (window.size() == 4) window.pop_front();
  }
  if (result.input_frames < 2)
    throw Error(p.input.string() + (result.input_frames ? ": a single frame: nothing to interpolate between" : ": no video frames"));
  // The last pair, then the last frame, shown for one source frame interval (so N frames at r fps keep
  // their N / r seconds).
  if (window.size() >= 2) emit_until(window.size() - 2, window.back().time);
  emit_until(window.size() - 1, last_time + 1 / source_fps);
  writer->close();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace jl
