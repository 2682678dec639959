// FFmpeg plumbing shared by audio.cpp, video_reader.cpp and video_writer.cpp: owning pointers, error
// messages, opening an input safely, the one decode loop, and output files (ffmpeg_audio.h adds the
// resampler and the audio encoder).
// Private to media_io: no public header includes it, so FFmpeg never leaks into the rest of the studio.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media_io/limits.h"

namespace jl::media::ff {

namespace fs = std::filesystem;

// Owning pointers: every FFmpeg object is released on every path, exceptions included.
struct InputDeleter { void operator()(AVFormatContext* p) const { avformat_close_input(&p); } };
struct OutputDeleter { void operator()(AVFormatContext* p) const; };  // closes the file, then frees
struct CodecDeleter { void operator()(AVCodecContext* p) const { avcodec_free_context(&p); } };
struct FrameDeleter { void operator()(AVFrame* p) const { av_frame_free(&p); } };
struct PacketDeleter { void operator()(AVPacket* p) const { av_packet_free(&p); } };
struct SwrDeleter { void operator()(SwrContext* p) const { swr_free(&p); } };
struct SwsDeleter { void operator()(SwsContext* p) const { sws_freeContext(p); } };
struct FifoDeleter { void operator()(AVAudioFifo* p) const { av_audio_fifo_free(p); } };

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using FifoPtr = std::unique_ptr<AVAudioFifo, FifoDeleter>;

FramePtr make_frame();
PacketPtr make_packet();

// FFmpeg's text for an AVERROR code ("Invalid data found when processing input").
std::string error_text(int errnum);
// Returns `ret` when it is >= 0; otherwise throws jl::Error("<path>: <what> (FFmpeg: <reason>)").
int check(int ret, const fs::path& path, const std::string& what);

// Silences FFmpeg's own logging (once per process): errors reach the user as jl::Error messages, never
// as stray lines on stderr. JL_FFMPEG_LOG=1 in the environment keeps FFmpeg's warnings for debugging.
void quiet_logs();

// "2.50 s": durations in messages.
std::string seconds_text(double seconds);

// "file:<path>", so that a name containing a colon is never taken for a network protocol.
std::string file_url(const fs::path& path);

// True for "name%05d.png"-style paths: exactly one integer conversion (%d, %5d, %05d) in the file
// name, "%%" for a literal percent sign.
bool has_frame_pattern(const fs::path& path);
// The file of frame `number` of a pattern. The number is always zero-padded to the width, as FFmpeg's
// image2 reader expects ("%5d" too), so that what the writer names the reader finds.
fs::path frame_path(const fs::path& pattern, int64_t number);

// Lower-case extension with its dot, from an extension given either way ("mp4", ".MP4") or a file
// name ("clip.MP4"): the public is_*_extension functions accept all of these.
std::string normalize_extension(const std::string& extension);

// Throws a jl::Error naming the problem when the file is missing, a folder or empty, before FFmpeg
// sees it (FFmpeg's own messages for these cases are vague). For a frame pattern, checks frame 0 or 1.
void require_readable_file(const fs::path& path);

// Opens and probes an input (local files only); checks picture sizes and duration against `limits`.
InputPtr open_input(const fs::path& path, const MediaLimits& limits);

// Index of the first stream of `type` (cover art excepted); -1 when there is none.
int find_stream(AVFormatContext* fmt, AVMediaType type);

// Duration in seconds from the stream, else the container; 0 when neither says.
double duration_seconds(const AVFormatContext* fmt, const AVStream* stream);

// Container tags, then the stream's tags for keys the container lacks (Ogg keeps its comments on the
// stream). Keys are lower-cased: FFmpeg treats tag keys case-insensitively and containers differ.
std::map<std::string, std::string> read_tags(const AVFormatContext* fmt, const AVStream* stream);
void write_tags(AVDictionary** dict, const std::map<std::string, std::string>& tags);

void check_audio_limits(int sample_rate, int channels, const fs::path& path, const MediaLimits& limits);

// The one decode loop: reads the packets of one stream (all other streams are discarded) and hands out
// decoded frames in presentation order.
class StreamDecoder {
 public:
  StreamDecoder(AVFormatContext* fmt, int stream_index, const fs::path& path);
  AVCodecContext* context() const { return ctx_.get(); }
  AVStream* stream() const { return fmt_->streams[index_]; }
  // Fills `frame` with the next decoded frame; false at the end of the stream. Damaged or truncated
  // data is a jl::Error, thrown once every frame decoded before it has been returned.
  bool next(AVFrame* frame);
  // After av_seek_frame: drops what the decoder holds from before the seek.
  void flush();

 private:
  AVFormatContext* fmt_;
  int index_;
  fs::path path_;
  CodecPtr ctx_;
  PacketPtr packet_;
  bool draining_ = false;
  std::string damage_;    // the error to report once the decoder is drained
  double last_time_ = 0;  // of the last packet read, for messages

  void start_draining();
  std::string position() const;
};

// An output file being muxed with FFmpeg's muxer `format_name` ("mp4", "ogg"...): the bytes go to
// `temp` (an AtomicFile's temporary path); messages name `destination`. The file is open on return.
OutputPtr open_output(const char* format_name, const fs::path& destination, const fs::path& temp);

// Sends `frame` (nullptr: flush) to the encoder and writes every packet it returns to `out`. A packet
// without a duration gets `default_duration` (in the codec's time base): video encoders leave it out,
// and the container needs it for the length of the last frame.
void encode_and_write(AVFormatContext* out, AVCodecContext* enc, AVStream* stream, const AVFrame* frame,
                      AVPacket* packet, int64_t default_duration, const fs::path& path);

// An encoder by name, or a jl::Error saying this FFmpeg build lacks it.
const AVCodec* require_encoder(const char* name, const fs::path& path);

}  // namespace jl::media::ff
