#include "media_io/ffmpeg_common.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <system_error>

#include "core/error.h"
#include "media_io/media_kind.h"

namespace jl::media::ff {

void OutputDeleter::operator()(AVFormatContext* p) const {
  if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
  avformat_free_context(p);
}

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw Error("out of memory allocating an FFmpeg frame");
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw Error("out of memory allocating an FFmpeg packet");
  return packet;
}

std::string error_text(int errnum) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(errnum, text, sizeof text) < 0) return "FFmpeg error " + std::to_string(errnum);
  return text;
}

int check(int ret, const fs::path& path, const std::string& what) {
  if (ret >= 0) return ret;
  throw Error(path.string() + ": " + what + " (FFmpeg: " + error_text(ret) + ")");
}

void quiet_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("JL_FFMPEG_LOG");
    av_log_set_level(env && *env && std::string(env) != "0" ? AV_LOG_WARNING : AV_LOG_QUIET);
  });
}

std::string file_url(const fs::path& path) { return "file:" + path.string(); }

std::string seconds_text(double seconds) {
  char text[48];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

namespace {

struct Pattern {
  std::string prefix, suffix;  // with "%%" already turned into '%'
  int width = 0;
};

// Parses the file name of a frame pattern; false unless it holds exactly one integer conversion.
bool parse_pattern(const fs::path& path, Pattern* out) {
  const std::string name = path.filename().string();
  Pattern p;
  bool found = false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      (found ? p.suffix : p.prefix) += name[i];
      continue;
    }
    if (i + 1 < name.size() && name[i + 1] == '%') {
      (found ? p.suffix : p.prefix) += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    int width = 0;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j])) && width < 100)
      width = width * 10 + (name[j++] - '0');
    if (found || j >= name.size() || name[j] != 'd') return false;
    found = true;
    p.width = width;
    i = j;
  }
  if (found && out) *out = p;
  return found;
}

}  // namespace

bool has_frame_pattern(const fs::path& path) { return parse_pattern(path, nullptr); }

fs::path frame_path(const fs::path& pattern, int64_t number) {
  Pattern p;
  if (!parse_pattern(pattern, &p))
    throw Error(pattern.string() + ": not a frame pattern; use a name like frame_%05d.png");
  std::string digits = std::to_string(number);
  if (int(digits.size()) < p.width) digits.insert(0, size_t(p.width) - digits.size(), '0');
  return pattern.parent_path() / (p.prefix + digits + p.suffix);
}

std::string normalize_extension(const std::string& extension) {
  // A bare extension ("mp4", ".MP4") gets a stem so that path::extension() sees it as one.
  if (extension.find('/') == std::string::npos && extension.find('.', 1) == std::string::npos)
    return lower_extension(fs::path(extension.empty() || extension[0] == '.' ? "x" + extension : "x." + extension));
  return lower_extension(fs::path(extension));
}

void require_readable_file(const fs::path& path) {
  std::error_code ec;
  if (has_frame_pattern(path)) {
    // image2 numbering starts at 0 or 1 in practice; our writer starts at 1.
    if (!fs::exists(frame_path(path, 1), ec) && !fs::exists(frame_path(path, 0), ec))
      throw Error(path.string() + ": no frames found (neither " + frame_path(path, 1).string() +
                  " nor " + frame_path(path, 0).string() + " exists)");
    return;
  }
  if (!fs::exists(path, ec)) throw Error(path.string() + ": file not found");
  if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a media file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error(path.string() + ": cannot read the file: " + ec.message());
  if (size == 0) throw Error(path.string() + ": file is empty (0 bytes)");
}

namespace {

void check_picture_limits(const AVCodecParameters* par, const fs::path& path, const MediaLimits& limits) {
  const int64_t w = par->width, h = par->height;
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  if (w > limits.max_side || h > limits.max_side)
    throw Error(path.string() + ": picture size " + size + " exceeds the limit of " +
                std::to_string(limits.max_side) + " pixels per side (max_side); raise the limit if "
                "the file is trusted");
  if (w * h > limits.max_pixels)
    throw Error(path.string() + ": picture size " + size + " exceeds the limit of " +
                std::to_string(limits.max_pixels) + " pixels (--max-pixels)");
}

}  // namespace

InputPtr open_input(const fs::path& path, const MediaLimits& limits) {
  quiet_logs();
  require_readable_file(path);
  // Local files only: a crafted playlist must not make the studio open network URLs.
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  const AVInputFormat* format = has_frame_pattern(path) ? av_find_input_format("image2") : nullptr;
  AVFormatContext* raw = nullptr;
  const int ret = avformat_open_input(&raw, file_url(path).c_str(), format, &options);
  av_dict_free(&options);
  if (ret < 0)
    throw Error(path.string() + ": not a media file FFmpeg can read, or it is damaged or truncated "
                "(FFmpeg: " + error_text(ret) + ")");
  InputPtr fmt(raw);
  auto check_pictures = [&] {
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      const AVCodecParameters* par = fmt->streams[i]->codecpar;
      if (par->codec_type == AVMEDIA_TYPE_VIDEO) check_picture_limits(par, path, limits);
    }
  };
  // Checked before avformat_find_stream_info too, which decodes frames: a header that claims absurd
  // dimensions is refused before anything is allocated for it.
  check_pictures();
  check(avformat_find_stream_info(fmt.get(), nullptr), path,
        "cannot read the stream information; the file is damaged or truncated");
  if (fmt->nb_streams == 0) throw Error(path.string() + ": no streams found; the file is damaged or truncated");
  check_pictures();  // some containers only know the size once a frame was decoded
  if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) {
    const double seconds = double(fmt->duration) / AV_TIME_BASE;
    if (seconds > limits.max_seconds)
      throw Error(path.string() + ": lasts " + seconds_text(seconds) + ", more than the limit of " +
                  seconds_text(limits.max_seconds) + " (--max-seconds)");
  }
  return fmt;
}

int find_stream(AVFormatContext* fmt, AVMediaType type) {
  // The first stream of the type; cover art in audio files is a "video" stream, never the video.
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type == type && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
      return int(i);
  }
  return -1;
}

double duration_seconds(const AVFormatContext* fmt, const AVStream* stream) {
  if (stream && stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
    return double(stream->duration) * av_q2d(stream->time_base);
  if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) return double(fmt->duration) / AV_TIME_BASE;
  return 0;
}

std::map<std::string, std::string> read_tags(const AVFormatContext* fmt, const AVStream* stream) {
  std::map<std::string, std::string> tags;
  auto add = [&](const AVDictionary* dict) {
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) {
      std::string key = e->key;
      for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
      tags.emplace(key, e->value);  // emplace keeps the container's value on a clash
    }
  };
  add(fmt->metadata);
  if (stream) add(stream->metadata);
  return tags;
}

void write_tags(AVDictionary** dict, const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) av_dict_set(dict, key.c_str(), value.c_str(), 0);
}

void check_audio_limits(int sample_rate, int channels, const fs::path& path, const MediaLimits& limits) {
  if (sample_rate <= 0 || channels <= 0)
    throw Error(path.string() + ": the audio stream has no sample rate or channel count");
  if (sample_rate > limits.max_sample_rate)
    throw Error(path.string() + ": sample rate " + std::to_string(sample_rate) + " Hz exceeds the limit of " +
                std::to_string(limits.max_sample_rate) + " Hz");
  if (channels > limits.max_channels)
    throw Error(path.string() + ": " + std::to_string(channels) + " audio channels exceed the limit of " +
                std::to_string(limits.max_channels));
}

// StreamDecoder ----------------------------------------------------------------------------------

StreamDecoder::StreamDecoder(AVFormatContext* fmt, int stream_index, const fs::path& path)
    : fmt_(fmt), index_(stream_index), path_(path), packet_(make_packet()) {
  const AVStream* st = fmt->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec)
    throw Error(path.string() + ": this FFmpeg build has no decoder for " +
                avcodec_get_name(st->codecpar->codec_id));
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw Error("out of memory allocating an FFmpeg decoder");
  check(avcodec_parameters_to_context(ctx_.get(), st->codecpar), path, "cannot set up the decoder");
  ctx_->pkt_timebase = st->time_base;
  ctx_->thread_count = 0;  // FFmpeg picks one thread per core
  check(avcodec_open2(ctx_.get(), codec, nullptr), path,
        std::string("cannot open the ") + codec->name + " decoder");
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (int(i) != stream_index) fmt->streams[i]->discard = AVDISCARD_ALL;
}

bool StreamDecoder::next(AVFrame* frame) {
  for (;;) {
    int ret = avcodec_receive_frame(ctx_.get(), frame);
    if (ret == 0) return true;
    if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF && damage_.empty())
      damage_ = path_.string() + ": cannot decode; the file is damaged (FFmpeg: " + error_text(ret) + ")";
    if (ret != AVERROR(EAGAIN) || draining_) {
      // Nothing more will come out: every good frame has been handed out, now report what stopped us.
      if (!damage_.empty()) throw Error(damage_);
      return false;
    }
    ret = av_read_frame(fmt_, packet_.get());
    if (ret == AVERROR_EOF) {
      start_draining();
      continue;
    }
    if (ret < 0) {
      damage_ = path_.string() + ": cannot read past " + position() + "; the file is damaged or truncated (FFmpeg: " +
                error_text(ret) + ")";
      start_draining();
      continue;
    }
    if (packet_->stream_index != index_) {
      av_packet_unref(packet_.get());
      continue;
    }
    if (packet_->pts != AV_NOPTS_VALUE) last_time_ = double(packet_->pts) * av_q2d(stream()->time_base);
    // A packet cut short by the end of the file (the demuxer flags it): decoding it would only invent
    // a broken picture.
    if (packet_->flags & AV_PKT_FLAG_CORRUPT) {
      av_packet_unref(packet_.get());
      damage_ = path_.string() + ": the data stops at " + position() + "; the file is truncated or damaged";
      start_draining();
      continue;
    }
    ret = avcodec_send_packet(ctx_.get(), packet_.get());
    av_packet_unref(packet_.get());
    if (ret < 0) {
      damage_ = path_.string() + ": damaged data at " + position() + "; the file is damaged or truncated (FFmpeg: " +
                error_text(ret) + ")";
      start_draining();
    }
  }
}

// Frames the decoder still holds (reordering, threads) are decoded before a damage is reported, so a
// truncated file yields every frame before the cut.
void StreamDecoder::start_draining() {
  draining_ = true;
  const int ret = avcodec_send_packet(ctx_.get(), nullptr);
  if (ret < 0 && ret != AVERROR_EOF && damage_.empty())
    damage_ = path_.string() + ": damaged data at the end; the file is damaged or truncated (FFmpeg: " +
              error_text(ret) + ")";
}

std::string StreamDecoder::position() const { return seconds_text(last_time_); }

void StreamDecoder::flush() {
  avcodec_flush_buffers(ctx_.get());
  draining_ = false;
  damage_.clear();
}

// Output -----------------------------------------------------------------------------------------

OutputPtr open_output(const char* format_name, const fs::path& destination, const fs::path& temp) {
  quiet_logs();
  const std::string url = file_url(temp);
  AVFormatContext* raw = nullptr;
  check(avformat_alloc_output_context2(&raw, nullptr, format_name, url.c_str()), destination,
        std::string("this FFmpeg build cannot write ") + format_name + " files");
  OutputPtr out(raw);
  if (!(out->oformat->flags & AVFMT_NOFILE))
    check(avio_open(&out->pb, url.c_str(), AVIO_FLAG_WRITE), destination, "cannot create the file");
  return out;
}

void encode_and_write(AVFormatContext* out, AVCodecContext* enc, AVStream* stream, const AVFrame* frame,
                      AVPacket* packet, int64_t default_duration, const fs::path& path) {
  check(avcodec_send_frame(enc, frame), path, std::string("the ") + enc->codec->name + " encoder failed");
  for (;;) {
    const int ret = avcodec_receive_packet(enc, packet);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    check(ret, path, std::string("the ") + enc->codec->name + " encoder failed");
    if (packet->duration == 0) packet->duration = default_duration;
    av_packet_rescale_ts(packet, enc->time_base, stream->time_base);
    packet->stream_index = stream->index;
    check(av_interleaved_write_frame(out, packet), path, "cannot write; is the disk full?");
  }
}

const AVCodec* require_encoder(const char* name, const fs::path& path) {
  const AVCodec* codec = avcodec_find_encoder_by_name(name);
  if (!codec)
    throw Error(path.string() + ": this FFmpeg build has no " + name +
                " encoder; install an FFmpeg with it or choose another format");
  return codec;
}

}  // namespace jl::media::ff
