#include <cmath>
#include <cstdio>
#include <system_error>

extern "C" {
#include <libavutil/opt.h>
}

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/ffmpeg_audio.h"
#include "media_io/image.h"
#include "media_io/palette.h"
#include "media_io/video.h"

namespace jl::media {

namespace {

struct ContainerFormat {
  const char* extension;
  const char* muxer;
  const char* video_encoder;
  const char* audio_encoder;  // nullptr: the format carries no audio
};

constexpr ContainerFormat kContainers[] = {
    {".mp4", "mp4", "libx264", "aac"},     {".mov", "mov", "libx264", "aac"},
    {".mkv", "matroska", "libx264", "aac"}, {".webm", "webm", "libvpx-vp9", "libopus"},
    {".gif", "gif", "gif", nullptr},
};

const ContainerFormat* find_container(const std::string& extension) {
  const std::string ext = ff::normalize_extension(extension);
  for (const ContainerFormat& c : kContainers)
    if (ext == c.extension) return &c;
  return nullptr;
}

bool is_h264(const ContainerFormat& c) { return std::string(c.video_encoder) == "libx264"; }
bool is_vp9(const ContainerFormat& c) { return std::string(c.video_encoder) == "libvpx-vp9"; }

// Frame rate as a fraction. Rates that are N * 1000/1001 to within rounding (29.97, 23.976, 59.94)
// become the exact NTSC fraction, so that 29.97 means what every player means by it.
AVRational frame_rate(double fps, const fs::path& path) {
  if (!(fps > 0) || !std::isfinite(fps) || fps > 1000) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", fps);
    throw Error(path.string() + ": frame rate " + text + " is not in (0, 1000]; give frames per second");
  }
  const double ntsc = fps * 1001.0 / 1000.0;
  if (std::abs(ntsc - std::round(ntsc)) < 1e-3 && std::abs(fps - std::round(fps)) > 1e-3)
    return AVRational{int(std::lround(ntsc)) * 1000, 1001};
  return av_d2q(fps, 100000);
}

// Output: the container, its video stream and encoder, the optional audio track. Shared by the
// streaming H.264 / VP9 path and the GIF path (which encodes at close).
class MuxedVideo {
 public:
  MuxedVideo(const ContainerFormat& format, const fs::path& path, const fs::path& temp, int width, int height,
             AVRational rate, AVPixelFormat pixel_format, const VideoWriteOptions& options)
      : path_(path), rate_(rate), audio_source_(options.audio), frame_(ff::make_frame()),
        packet_(ff::make_packet()) {
    out_ = ff::open_output(format.muxer, path, temp);
    ff::write_tags(&out_->metadata, options.metadata);
    open_video(format, width, height, pixel_format, options.crf);
    if (format.audio_encoder && audio_source_ && audio_source_->frames() > 0)
      audio_ = std::make_unique<ff::AudioEncoder>(out_.get(), ff::require_encoder(format.audio_encoder, path),
                                                  audio_source_->sample_rate, audio_source_->channels, 0, path);
    AVDictionary* muxer_options = nullptr;
    // faststart: the index goes first so players can start before the download ends;
    // use_metadata_tags: keep arbitrary keys (such as our generation parameters), not only iTunes ones.
    if (std::string(format.muxer) == "mp4" || std::string(format.muxer) == "mov")
      av_dict_set(&muxer_options, "movflags", "+faststart+use_metadata_tags", 0);
    const int ret = avformat_write_header(out_.get(), &muxer_options);
    av_dict_free(&muxer_options);
    ff::check(ret, path, "cannot write the file header");
  }

  // The frame to fill for the next picture (writable: the encoder may still hold the previous one).
  AVFrame* frame() {
    ff::check(av_frame_make_writable(frame_.get()), path_, "out of memory encoding video");
    return frame_.get();
  }

  // Encodes frame() as the next picture; pts = frame index in a 1/fps time base, so counts are exact.
  void send() {
    frame_->pts = frames_++;
    ff::encode_and_write(out_.get(), ctx_.get(), stream_, frame_.get(), packet_.get(), 1, path_);
    if (audio_) push_audio_until(std::llround(double(frames_) * rate_.den / rate_.num * audio_source_->sample_rate));
  }

  void finish() {
    ff::encode_and_write(out_.get(), ctx_.get(), stream_, nullptr, packet_.get(), 1, path_);
    if (audio_) {
      push_audio_until(audio_source_->frames());
      audio_->finish();
    }
    ff::check(av_write_trailer(out_.get()), path_, "cannot finish the file");
    ff::check(avio_closep(&out_->pb), path_, "cannot finish the file; is the disk full?");
  }

 private:
  void open_video(const ContainerFormat& format, int width, int height, AVPixelFormat pixel_format, int crf) {
    const AVCodec* codec = ff::require_encoder(format.video_encoder, path_);
    ctx_.reset(avcodec_alloc_context3(codec));
    if (!ctx_) throw Error("out of memory allocating a video encoder");
    ctx_->width = width;
    ctx_->height = height;
    ctx_->pix_fmt = pixel_format;
    ctx_->time_base = av_inv_q(rate_);
    ctx_->framerate = rate_;
    ctx_->thread_count = 0;
    if (out_->oformat->flags & AVFMT_GLOBALHEADER) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = nullptr;
    if (is_h264(format) || is_vp9(format)) {
      // A keyframe every 2 s bounds the decoding an exact seek needs (see VideoReader::seek).
      ctx_->gop_size = std::max(1, int(std::ceil(2 * av_q2d(rate_))));
      // BT.709 limited range, declared in the stream: what players assume for modern video, and what
      // VideoReader converts back with.
      ctx_->colorspace = AVCOL_SPC_BT709;
      ctx_->color_primaries = AVCOL_PRI_BT709;
      ctx_->color_trc = AVCOL_TRC_BT709;
      ctx_->color_range = AVCOL_RANGE_MPEG;
      const int max_crf = is_h264(format) ? 51 : 63;
      if (crf < -1 || crf > max_crf)
        throw Error(path_.string() + ": crf " + std::to_string(crf) + " is out of range; give 0.." +
                    std::to_string(max_crf) + " or -1 for the default");
      av_dict_set_int(&opts, "crf", crf >= 0 ? crf : (is_h264(format) ? 23 : 32), 0);
    }
    if (is_vp9(format)) {
      ctx_->bit_rate = 0;  // with crf: constant quality, no bitrate target
      av_dict_set(&opts, "deadline", "good", 0);
      av_dict_set(&opts, "cpu-used", "4", 0);  // the usual speed/quality compromise; lower is much slower
      av_dict_set(&opts, "row-mt", "1", 0);
    }
    const int ret = avcodec_open2(ctx_.get(), codec, &opts);
    av_dict_free(&opts);
    ff::check(ret, path_, std::string("cannot open the ") + codec->name + " encoder");
    stream_ = avformat_new_stream(out_.get(), nullptr);
    if (!stream_) throw Error("out of memory adding a video stream");
    stream_->time_base = ctx_->time_base;
    stream_->avg_frame_rate = rate_;
    ff::check(avcodec_parameters_from_context(stream_->codecpar, ctx_.get()), path_,
              "cannot set up the video stream");
    frame_->format = pixel_format;
    frame_->width = width;
    frame_->height = height;
    ff::check(av_frame_get_buffer(frame_.get(), 0), path_, "out of memory encoding video");
  }

  // Audio is fed alongside the video so the muxer can interleave without holding the whole track.
  void push_audio_until(int64_t sample) {
    sample = std::min(sample, audio_source_->frames());
    if (sample <= audio_pushed_) return;
    audio_->push(audio_source_->samples.data() + audio_pushed_ * audio_source_->channels, sample - audio_pushed_);
    audio_pushed_ = sample;
  }

  fs::path path_;
  AVRational rate_;
  const Audio* audio_source_;
  // The container is declared first so that it is freed last: the encoders point into it.
  ff::OutputPtr out_;
  ff::CodecPtr ctx_;
  AVStream* stream_ = nullptr;
  std::unique_ptr<ff::AudioEncoder> audio_;
  ff::FramePtr frame_;
  ff::PacketPtr packet_;
  int64_t frames_ = 0;
  int64_t audio_pushed_ = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const cv::Mat& rgb) = 0;
  virtual void close() = 0;
};

// H.264 and VP9: each frame is converted to YUV 4:2:0 and encoded as it comes.
class EncoderSink : public Sink {
 public:
  EncoderSink(const ContainerFormat& format, const fs::path& path, const fs::path& temp, int width, int height,
              AVRational rate, const VideoWriteOptions& options)
      : video_(format, path, temp, width, height, rate, AV_PIX_FMT_YUV420P, options) {
    sws_.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                              SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
    if (!sws_) throw Error(path.string() + ": cannot set up RGB to YUV conversion");
    // RGB is full range; the stream is BT.709 limited range, as declared in MuxedVideo.
    sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             sws_getCoefficients(SWS_CS_ITU709), 0, 0, 1 << 16, 1 << 16);
  }

  void write(const cv::Mat& rgb) override {
    AVFrame* frame = video_.frame();
    const uint8_t* src[4] = {rgb.data, nullptr, nullptr, nullptr};
    const int src_stride[4] = {int(rgb.step), 0, 0, 0};
    sws_scale(sws_.get(), src, src_stride, 0, rgb.rows, frame->data, frame->linesize);
    video_.send();
  }

  void close() override { video_.finish(); }

 private:
  MuxedVideo video_;
  ff::SwsPtr sws_;
};

// GIF: a palette for the whole clip needs every frame, so frames are kept until close().
class GifSink : public Sink {
 public:
  GifSink(const ContainerFormat& format, const fs::path& path, const fs::path& temp, int width, int height,
          AVRational rate, const VideoWriteOptions& options)
      : format_(format), path_(path), temp_(temp), width_(width), height_(height), rate_(rate), options_(options) {
    options_.audio = nullptr;  // GIF has no sound
  }

  void write(const cv::Mat& rgb) override { frames_.push_back(rgb.clone()); }

  void close() override {
    PaletteMapper mapper(build_palette(frames_));
    MuxedVideo video(format_, path_, temp_, width_, height_, rate_, AV_PIX_FMT_PAL8, options_);
    for (cv::Mat& rgb : frames_) {
      AVFrame* frame = video.frame();
      mapper.map(rgb, frame->data[0], frame->linesize[0]);
      // PAL8 palettes are native-endian 0xAARRGGBB words; the same palette on every frame makes the
      // GIF encoder store it once, as the global color table.
      auto* argb = reinterpret_cast<uint32_t*>(frame->data[1]);
      for (int i = 0; i < 256; ++i) {
        const cv::Vec3b c = size_t(i) < mapper.palette().size() ? mapper.palette()[size_t(i)] : cv::Vec3b(0, 0, 0);
        argb[i] = 0xFF000000u | uint32_t(c[0]) << 16 | uint32_t(c[1]) << 8 | uint32_t(c[2]);
      }
      video.send();
      rgb.release();  // the memory goes as soon as the frame is encoded
    }
    video.finish();
  }

 private:
  ContainerFormat format_;
  fs::path path_, temp_;
  int width_, height_;
  AVRational rate_;
  VideoWriteOptions options_;
  std::vector<cv::Mat> frames_;
};

// A PNG per frame, numbered from 1. Every frame is written to its own temporary file and all of them
// are renamed into place at close(), so an abandoned sequence leaves nothing behind.
class PngSequenceSink : public Sink {
 public:
  PngSequenceSink(const fs::path& pattern, bool overwrite) : pattern_(pattern), overwrite_(overwrite) {
    const fs::path dir = pattern.parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::is_directory(dir, ec)) {
      if (!fs::create_directories(dir, ec) || ec)
        throw Error(pattern.string() + ": cannot create the folder " + dir.string() + ": " + ec.message());
      created_dir_ = dir;
    }
  }

  ~PngSequenceSink() override {
    files_.clear();  // deletes the temporary frames first, so that the folder can go if we made it
    std::error_code ec;
    if (!closed_ && !created_dir_.empty()) fs::remove(created_dir_, ec);  // only removes it when empty
  }

  void write(const cv::Mat& rgb) override {
    auto file = std::make_unique<AtomicFile>(ff::frame_path(pattern_, int64_t(files_.size()) + 1), overwrite_);
    Image image;
    image.pixels = rgb;
    ImageWriteOptions options;
    options.overwrite = true;  // the temporary name is ours
    write_image(file->temp_path(), image, options);
    files_.push_back(std::move(file));
  }

  void close() override {
    // Every name is checked before the first rename, so a frame that appeared meanwhile cannot leave
    // half of the new sequence in place beside the old one.
    std::error_code exists_ec;
    if (!overwrite_)
      for (const auto& file : files_)
        if (fs::exists(file->destination(), exists_ec))
          throw Error(file->destination().string() + ": appeared while writing; pass --overwrite to replace it");
    for (auto& file : files_) file->commit();
    // A longer sequence written here before would leave its tail behind, and a reader of the pattern
    // would take the old frames for part of the new clip (only possible with overwrite: without it the
    // first frame already exists and is refused).
    std::error_code ec;
    for (int64_t k = int64_t(files_.size()) + 1; fs::exists(ff::frame_path(pattern_, k), ec); ++k)
      fs::remove(ff::frame_path(pattern_, k), ec);
    closed_ = true;
  }

 private:
  fs::path pattern_;
  bool overwrite_;
  fs::path created_dir_;
  bool closed_ = false;
  std::vector<std::unique_ptr<AtomicFile>> files_;
};

}  // namespace

struct VideoWriter::Impl {
  fs::path path;
  int width = 0, height = 0;
  int64_t frames = 0;
  bool closed = false;
  // The file is declared before the sink so that the sink (which has it open) goes first and the
  // temporary file is deleted after.
  std::unique_ptr<AtomicFile> file;  // nullptr for PNG sequences: each frame has its own
  std::unique_ptr<Sink> sink;
};

VideoWriter::VideoWriter(const fs::path& path, int width, int height, const VideoWriteOptions& options)
    : impl_(std::make_unique<Impl>()) {
  ff::quiet_logs();
  impl_->path = path;
  impl_->width = width;
  impl_->height = height;
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    throw Error(path.string() + ": frame size " + std::to_string(width) + "x" + std::to_string(height) +
                " is not in 1..16384");
  const AVRational rate = frame_rate(options.fps, path);
  if (is_frame_pattern(path)) {
    if (ff::normalize_extension(path.string()) != ".png")
      throw Error(path.string() + ": frame sequences are written as PNG; end the pattern with .png");
    impl_->sink = std::make_unique<PngSequenceSink>(path, options.overwrite);
    return;
  }
  const ContainerFormat* format = find_container(path.extension().string());
  if (!format)
    throw Error(path.string() + ": cannot write video as '" + path.extension().string() +
                "'; use .mp4, .mov, .mkv, .webm, .gif or a PNG pattern like frame_%05d.png");
  if (is_h264(*format) && (width % 2 || height % 2))
    throw Error(path.string() + ": H.264 needs an even width and height, got " + std::to_string(width) + "x" +
                std::to_string(height) + "; resize to even numbers (e.g. " + std::to_string(width + width % 2) +
                "x" + std::to_string(height + height % 2) + ")");
  // Checked before any file exists: a missing encoder leaves nothing behind.
  ff::require_encoder(format->video_encoder, path);
  if (format->audio_encoder && options.audio) ff::require_encoder(format->audio_encoder, path);
  impl_->file = std::make_unique<AtomicFile>(path, options.overwrite);
  if (std::string(format->muxer) == "gif")
    impl_->sink = std::make_unique<GifSink>(*format, path, impl_->file->temp_path(), width, height, rate, options);
  else
    impl_->sink = std::make_unique<EncoderSink>(*format, path, impl_->file->temp_path(), width, height, rate, options);
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const cv::Mat& rgb) {
  Impl& m = *impl_;
  if (m.closed) throw Error(m.path.string() + ": write() after close()");
  if (rgb.type() != CV_8UC3 || rgb.cols != m.width || rgb.rows != m.height)
    throw Error(m.path.string() + ": frame " + std::to_string(m.frames + 1) + " is " + std::to_string(rgb.cols) +
                "x" + std::to_string(rgb.rows) + " with " + std::to_string(rgb.channels()) +
                " channel(s); this writer takes " + std::to_string(m.width) + "x" + std::to_string(m.height) +
                " 8-bit RGB");
  m.sink->write(rgb);
  ++m.frames;
}

void VideoWriter::close() {
  Impl& m = *impl_;
  if (m.closed) return;
  // Marked first: a close() that throws is not retried, and the destructor then deletes the
  // temporary output.
  m.closed = true;
  if (m.frames == 0) throw Error(m.path.string() + ": no frames were written; nothing to save");
  m.sink->close();
  if (m.file) m.file->commit();
}

int64_t VideoWriter::frames_written() const { return impl_->frames; }

bool is_video_extension(const std::string& extension) {
  // The formats VideoWriter writes (VideoReader reads whatever FFmpeg can).
  return find_container(extension) != nullptr;
}

bool is_frame_pattern(const fs::path& path) { return ff::has_frame_pattern(path); }

fs::path frame_pattern_path(const fs::path& pattern, int64_t number) { return ff::frame_path(pattern, number); }

}  // namespace jl::media
