#include <cmath>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/error.h"
#include "media_io/ffmpeg_audio.h"
#include "media_io/video.h"

namespace jl::media {

struct VideoReader::Impl {
  fs::path path;
  MediaLimits limits;
  VideoInfo info;
  // Declared before the decoder, which points into it, so that it is destroyed after it.
  ff::InputPtr fmt;
  std::unique_ptr<ff::StreamDecoder> decoder;
  int index = -1;
  AVRational time_base{1, 1};
  int64_t start = 0;           // the stream's first timestamp: times are reported from it
  int64_t frame_ticks = 1;     // one frame in time_base units, for frames without a timestamp
  int64_t last_pts = 0;
  int64_t decoded = 0;         // since the last open or seek, checked against limits.max_frames
  bool seek_by_reopening = false;
  // Seek state: frames before `target` are dropped; if the first frame after av_seek_frame is already
  // past it, the container's index was wrong and we decode again from the start.
  bool seeking = false, first_after_seek = false, reopened = false;
  int64_t target = 0;

  ff::FramePtr frame = ff::make_frame();
  ff::SwsPtr sws;
  SwsContext* sws_configured = nullptr;  // the context sws_setColorspaceDetails was last applied to
  int sws_colorspace = -1, sws_full_range = -1;

  Impl(const fs::path& p, const MediaLimits& l) : path(p), limits(l) {
    open();
    fill_info();
  }

  void open() {
    decoder.reset();
    fmt = ff::open_input(path, limits);
    index = ff::find_stream(fmt.get(), AVMEDIA_TYPE_VIDEO);
    if (index < 0) throw Error(path.string() + ": has no video stream");
    decoder = std::make_unique<ff::StreamDecoder>(fmt.get(), index, path);
    const AVStream* st = fmt->streams[index];
    time_base = st->time_base;
    start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    last_pts = start;
    decoded = 0;
  }

  void fill_info() {
    const AVStream* st = fmt->streams[index];
    const AVCodecParameters* par = st->codecpar;
    if (par->width <= 0 || par->height <= 0) throw Error(path.string() + ": the video has no picture size");
    info.width = par->width;
    info.height = par->height;
    AVRational rate = st->avg_frame_rate;
    if (rate.num <= 0 || rate.den <= 0) rate = st->r_frame_rate;
    info.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
    info.duration = ff::duration_seconds(fmt.get(), st);
    info.frames = st->nb_frames > 0 ? st->nb_frames : std::llround(info.duration * info.fps);
    if (info.frames > limits.max_frames)
      throw Error(path.string() + ": has " + std::to_string(info.frames) + " frames, more than the limit of " +
                  std::to_string(limits.max_frames) + " (--max-frames)");
    info.codec = avcodec_get_name(par->codec_id);
    info.container = fmt->iformat->name;
    const int audio = ff::find_stream(fmt.get(), AVMEDIA_TYPE_AUDIO);
    if (audio >= 0) {
      const AVCodecParameters* apar = fmt->streams[audio]->codecpar;
      info.has_audio = true;
      info.audio_sample_rate = apar->sample_rate;
      info.audio_channels = apar->ch_layout.nb_channels;
    }
    info.metadata = ff::read_tags(fmt.get(), nullptr);
    if (info.fps > 0) frame_ticks = std::max<int64_t>(1, std::llround(1.0 / (info.fps * av_q2d(time_base))));
    // A GIF frame is drawn over the previous ones and the container has no index: its frames can only
    // be reconstructed from the first.
    seek_by_reopening = par->codec_id == AV_CODEC_ID_GIF;
  }

  // The next decoded frame with its timestamp, honouring a pending seek.
  bool next(int64_t* pts) {
    while (decoder->next(frame.get())) {
      int64_t t = frame->best_effort_timestamp;
      if (t == AV_NOPTS_VALUE) t = last_pts + frame_ticks;
      last_pts = t;
      if (++decoded > limits.max_frames)
        throw Error(path.string() + ": more than " + std::to_string(limits.max_frames) +
                    " frames (--max-frames)");
      if (seeking) {
        if (first_after_seek && t > target && !reopened) {
          open();
          reopened = true;
          continue;
        }
        first_after_seek = false;
        if (t < target) {
          av_frame_unref(frame.get());
          continue;
        }
        seeking = false;
      }
      *pts = t;
      return true;
    }
    return false;
  }

  void seek(double seconds) {
    if (!(seconds > 0)) seconds = 0;  // also NaN
    // The target in stream ticks, rounded to the nearest: a time computed as k / fps lands on frame k
    // even when the container stores millisecond timestamps.
    target = start + std::llround(seconds / av_q2d(time_base));
    reopened = false;
    if (seek_by_reopening || av_seek_frame(fmt.get(), index, target, AVSEEK_FLAG_BACKWARD) < 0) {
      open();
      reopened = true;
    } else {
      decoder->flush();
      decoded = 0;
    }
    seeking = true;
    first_after_seek = true;
  }

  void to_rgb(cv::Mat& rgb) {
    const int w = frame->width, h = frame->height;
    if (w <= 0 || h <= 0 || w > limits.max_side || h > limits.max_side || int64_t(w) * h > limits.max_pixels)
      throw Error(path.string() + ": a frame of " + std::to_string(w) + "x" + std::to_string(h) +
                  " is outside the size limits");
    const auto format = AVPixelFormat(frame->format);
    sws.reset(sws_getCachedContext(sws.release(), w, h, format, w, h, AV_PIX_FMT_RGB24,
                                   SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr,
                                   nullptr));
    if (!sws) throw Error(path.string() + ": cannot convert " + av_get_pix_fmt_name(format) + " frames to RGB");
    // Use the matrix and range the stream declares (BT.709 for our own files); swscale otherwise
    // assumes BT.601 limited range and colors shift.
    const bool full = frame->color_range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P ||
                      format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P;
    if (sws.get() != sws_configured || frame->colorspace != sws_colorspace || int(full) != sws_full_range) {
      sws_setColorspaceDetails(sws.get(), sws_getCoefficients(frame->colorspace), full,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
      sws_configured = sws.get();
      sws_colorspace = frame->colorspace;
      sws_full_range = full;
    }
    // A new Mat for every frame: callers keep frames (push_back), and reusing their buffer would
    // overwrite the pictures they hold.
    rgb = cv::Mat(h, w, CV_8UC3);
    uint8_t* dst[4] = {rgb.data, nullptr, nullptr, nullptr};
    const int dst_stride[4] = {int(rgb.step), 0, 0, 0};
    sws_scale(sws.get(), frame->data, frame->linesize, 0, h, dst, dst_stride);
  }
};

VideoReader::VideoReader(const fs::path& path, const MediaLimits& limits)
    : impl_(std::make_unique<Impl>(path, limits)) {}

VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }

bool VideoReader::read(cv::Mat& rgb, double* time_seconds) {
  int64_t pts = 0;
  if (!impl_->next(&pts)) return false;
  impl_->to_rgb(rgb);
  av_frame_unref(impl_->frame.get());
  if (time_seconds) *time_seconds = double(pts - impl_->start) * av_q2d(impl_->time_base);
  return true;
}

void VideoReader::seek(double seconds) { impl_->seek(seconds); }

Audio VideoReader::read_audio(int sample_rate, int channels) {
  // A second handle on the file: decoding the audio must not move the video read position.
  ff::InputPtr fmt = ff::open_input(impl_->path, impl_->limits);
  const int index = ff::find_stream(fmt.get(), AVMEDIA_TYPE_AUDIO);
  if (index < 0) return Audio{};
  return ff::decode_audio(fmt.get(), index, impl_->path, sample_rate, channels, impl_->limits);
}

std::vector<cv::Mat> read_all_frames(const fs::path& path, double* fps, const MediaLimits& limits) {
  VideoReader reader(path, limits);
  if (fps) *fps = reader.info().fps;
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  while (reader.read(frame)) frames.push_back(frame);
  return frames;
}

}  // namespace jl::media
