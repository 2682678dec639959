// Audio on top of ffmpeg_common.h: the one resampler (decoding and encoding both convert through it),
// whole-stream decoding for read_audio and VideoReader::read_audio, and the audio encoder that
// write_audio and VideoWriter's audio track share.
#pragma once

#include "media_io/audio.h"
#include "media_io/ffmpeg_common.h"

namespace jl::media::ff {

// swresample from one sample format / rate / layout to another, into an internal FIFO in the output
// format. The FIFO is what both the reader (drains it into floats) and the encoder (drains it in codec
// frame sizes) need.
class Resampler {
 public:
  Resampler(const AVChannelLayout& in_layout, AVSampleFormat in_format, int in_rate,
            const AVChannelLayout& out_layout, AVSampleFormat out_format, int out_rate,
            const fs::path& path);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  // `planes` as in AVFrame::extended_data (one pointer for interleaved formats); returns the number
  // of samples added to the FIFO.
  int convert(const uint8_t* const* planes, int samples);
  // Pushes out what the resampling filter still holds, so that no tail is lost.
  void flush();
  AVAudioFifo* fifo() const { return fifo_.get(); }
  bool accepts(const AVFrame* frame) const;  // same input format, rate and layout as this resampler

 private:
  SwrPtr swr_;
  FifoPtr fifo_;
  AVSampleFormat in_format_, out_format_;
  int in_rate_, out_channels_;
  AVChannelLayout in_layout_{};
  std::vector<uint8_t> buffer_;
  fs::path path_;
};

// Decodes the whole of one audio stream to interleaved floats at `sample_rate` / `channels`
// (0 keeps the stream's own). Used by read_audio and VideoReader::read_audio.
Audio decode_audio(AVFormatContext* fmt, int stream_index, const fs::path& path, int sample_rate,
                   int channels, const MediaLimits& limits);

// Encodes interleaved float PCM as one audio stream of an output file: resamples to a rate the codec
// supports (`sample_rate` when it can), converts to the codec's sample format, and cuts codec frames.
class AudioEncoder {
 public:
  // Adds the stream to `out` and opens the encoder; call before avformat_write_header.
  AudioEncoder(AVFormatContext* out, const AVCodec* codec, int sample_rate, int channels,
               int bitrate_kbps, const fs::path& path);
  // Encodes `frames` interleaved samples at the rate and channel count given to the constructor.
  void push(const float* interleaved, int64_t frames);
  // The resampler's tail, the last partial frame, then the encoder's delayed packets.
  void finish();

 private:
  void encode_available(bool final);

  AVFormatContext* out_;
  AVStream* stream_ = nullptr;
  CodecPtr ctx_;
  std::unique_ptr<Resampler> resampler_;
  FramePtr frame_;
  PacketPtr packet_;
  int input_channels_;
  int64_t next_pts_ = 0;
  fs::path path_;
};

}  // namespace jl::media::ff
