#include "media_io/ffmpeg_audio.h"

extern "C" {
#include <libavutil/opt.h>
}

#include <algorithm>

#include "core/error.h"

namespace jl::media::ff {

// Resampler --------------------------------------------------------------------------------------

namespace {

// Decoders may report only a channel count; swresample needs to know which channels they are.
AVChannelLayout ordered_layout(const AVChannelLayout& layout) {
  AVChannelLayout out{};
  if (layout.order == AV_CHANNEL_ORDER_NATIVE || layout.order == AV_CHANNEL_ORDER_AMBISONIC)
    av_channel_layout_copy(&out, &layout);
  else
    av_channel_layout_default(&out, layout.nb_channels);
  return out;
}

}  // namespace

Resampler::Resampler(const AVChannelLayout& in_layout, AVSampleFormat in_format, int in_rate,
                     const AVChannelLayout& out_layout, AVSampleFormat out_format, int out_rate,
                     const fs::path& path)
    : in_format_(in_format), out_format_(out_format), in_rate_(in_rate), out_channels_(out_layout.nb_channels),
      path_(path) {
  AVChannelLayout in = ordered_layout(in_layout), out = ordered_layout(out_layout);
  SwrContext* raw = nullptr;
  const int ret = swr_alloc_set_opts2(&raw, &out, out_format, out_rate, &in, in_format, in_rate, 0, nullptr);
  av_channel_layout_uninit(&in);
  av_channel_layout_uninit(&out);
  swr_.reset(raw);
  check(ret, path, "cannot set up audio conversion");
  // A downmix averages channels instead of summing them (stereo -> mono = (L + R) / 2), so it can
  // never clip, whatever the sample format.
  av_opt_set_double(swr_.get(), "rematrix_maxval", 1.0, 0);
  check(swr_init(swr_.get()), path, "cannot set up audio conversion");
  fifo_.reset(av_audio_fifo_alloc(out_format, out_channels_, 4096));
  if (!fifo_) throw Error("out of memory allocating an audio buffer");
  // Last: nothing throws after it, so the destructor always releases it.
  check(av_channel_layout_copy(&in_layout_, &in_layout), path, "cannot set up audio conversion");
}

Resampler::~Resampler() { av_channel_layout_uninit(&in_layout_); }

bool Resampler::accepts(const AVFrame* frame) const {
  return frame->format == in_format_ && frame->sample_rate == in_rate_ &&
         av_channel_layout_compare(&frame->ch_layout, &in_layout_) == 0;
}

int Resampler::convert(const uint8_t* const* planes, int samples) {
  const int capacity = swr_get_out_samples(swr_.get(), samples);
  check(capacity, path_, "audio conversion failed");
  if (capacity == 0) return 0;
  const int bytes = check(av_samples_get_buffer_size(nullptr, out_channels_, capacity, out_format_, 1),
                          path_, "audio conversion failed");
  buffer_.resize(size_t(bytes));
  std::vector<uint8_t*> out(size_t(std::max(out_channels_, 1)));
  check(av_samples_fill_arrays(out.data(), nullptr, buffer_.data(), out_channels_, capacity, out_format_, 1),
        path_, "audio conversion failed");
  const int got = check(swr_convert(swr_.get(), out.data(), capacity,
                                    const_cast<const uint8_t**>(planes), samples),
                        path_, "audio conversion failed");
  if (got > 0)
    check(av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(out.data()), got), path_,
          "out of memory buffering audio");
  return got;
}

void Resampler::flush() {
  while (convert(nullptr, 0) > 0) {
  }
}

Audio decode_audio(AVFormatContext* fmt, int stream_index, const fs::path& path, int sample_rate,
                   int channels, const MediaLimits& limits) {
  if (sample_rate < 0 || sample_rate > limits.max_sample_rate)
    throw Error(path.string() + ": cannot resample to " + std::to_string(sample_rate) +
                " Hz; give 1.." + std::to_string(limits.max_sample_rate) + " (0 keeps the file's rate)");
  if (channels < 0 || channels > limits.max_channels)
    throw Error(path.string() + ": cannot convert to " + std::to_string(channels) + " channels; give 1.." +
                std::to_string(limits.max_channels) + " (0 keeps the file's channels)");
  StreamDecoder decoder(fmt, stream_index, path);
  const AVCodecContext* ctx = decoder.context();
  check_audio_limits(ctx->sample_rate, ctx->ch_layout.nb_channels, path, limits);
  Audio audio;
  audio.sample_rate = sample_rate > 0 ? sample_rate : ctx->sample_rate;
  audio.channels = channels > 0 ? channels : ctx->ch_layout.nb_channels;
  check_audio_limits(audio.sample_rate, audio.channels, path, limits);
  // The container's duration can lie; the decoded length is what is bounded.
  const double max_length = limits.max_seconds * audio.sample_rate;

  AVChannelLayout out_layout{};
  av_channel_layout_default(&out_layout, audio.channels);
  std::unique_ptr<Resampler> resampler;
  auto drain = [&] {
    AVAudioFifo* fifo = resampler->fifo();
    const int n = av_audio_fifo_size(fifo);
    if (n <= 0) return;
    const size_t old = audio.samples.size();
    if (double(old / size_t(audio.channels) + size_t(n)) > max_length)
      throw Error(path.string() + ": audio lasts more than the limit of " +
                  seconds_text(limits.max_seconds) + " (--max-seconds)");
    audio.samples.resize(old + size_t(n) * size_t(audio.channels));
    void* dst = audio.samples.data() + old;
    av_audio_fifo_read(fifo, &dst, n);
  };

  FramePtr frame = make_frame();
  while (decoder.next(frame.get())) {
    if (!resampler || !resampler->accepts(frame.get())) {
      // The stream changed format midway (rare, e.g. concatenated files): finish the old conversion.
      if (resampler) {
        resampler->flush();
        drain();
      }
      check_audio_limits(frame->sample_rate, frame->ch_layout.nb_channels, path, limits);
      resampler = std::make_unique<Resampler>(frame->ch_layout, AVSampleFormat(frame->format),
                                              frame->sample_rate, out_layout, AV_SAMPLE_FMT_FLT,
                                              audio.sample_rate, path);
    }
    resampler->convert(frame->extended_data, frame->nb_samples);
    drain();
    av_frame_unref(frame.get());
  }
  if (resampler) {
    resampler->flush();
    drain();
  }
  return audio;
}

// AudioEncoder -----------------------------------------------------------------------------------

namespace {

// Float when the codec takes it (no quantization before a lossy codec), else its first format.
AVSampleFormat choose_sample_format(const AVCodec* codec) {
  if (!codec->sample_fmts) return AV_SAMPLE_FMT_FLT;
  for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f)
    if (*f == AV_SAMPLE_FMT_FLT || *f == AV_SAMPLE_FMT_FLTP) return *f;
  return codec->sample_fmts[0];
}

// Opus: 48 kHz, the rate Opus decoders always output, so that the stream's stated rate is the one
// readers get back. Others: the requested rate when the codec supports it, else the nearest supported
// rate above it (so that nothing audible is lost), else the highest.
int choose_sample_rate(const AVCodec* codec, int wanted) {
  if (codec->id == AV_CODEC_ID_OPUS) return 48000;
  if (!codec->supported_samplerates) return wanted;
  int above = 0, highest = 0;
  for (const int* r = codec->supported_samplerates; *r; ++r) {
    if (*r == wanted) return wanted;
    if (*r > wanted && (above == 0 || *r < above)) above = *r;
    highest = std::max(highest, *r);
  }
  return above ? above : highest;
}

}  // namespace

AudioEncoder::AudioEncoder(AVFormatContext* out, const AVCodec* codec, int sample_rate, int channels,
                           int bitrate_kbps, const fs::path& path)
    : out_(out), frame_(make_frame()), packet_(make_packet()), input_channels_(channels), path_(path) {
  if (sample_rate <= 0 || channels <= 0)
    throw Error(path.string() + ": the audio has no sample rate or channel count");
  if (codec->ch_layouts) {
    bool supported = false;
    for (const AVChannelLayout* l = codec->ch_layouts; l->nb_channels; ++l)
      supported = supported || l->nb_channels == channels;
    if (!supported)
      throw Error(path.string() + ": the " + codec->name + " encoder cannot store " +
                  std::to_string(channels) + " channels; mix down to stereo or mono first");
  }
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw Error("out of memory allocating an FFmpeg encoder");
  ctx_->sample_fmt = choose_sample_format(codec);
  ctx_->sample_rate = choose_sample_rate(codec, sample_rate);
  av_channel_layout_default(&ctx_->ch_layout, channels);
  if (bitrate_kbps > 0) ctx_->bit_rate = int64_t(bitrate_kbps) * 1000;
  ctx_->time_base = {1, ctx_->sample_rate};
  if (out->oformat->flags & AVFMT_GLOBALHEADER) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(avcodec_open2(ctx_.get(), codec, nullptr), path,
        std::string("cannot open the ") + codec->name + " encoder");
  stream_ = avformat_new_stream(out, nullptr);
  if (!stream_) throw Error("out of memory adding an audio stream");
  stream_->time_base = ctx_->time_base;
  check(avcodec_parameters_from_context(stream_->codecpar, ctx_.get()), path, "cannot set up the audio stream");
  AVChannelLayout in{};
  av_channel_layout_default(&in, channels);
  resampler_ = std::make_unique<Resampler>(in, AV_SAMPLE_FMT_FLT, sample_rate, ctx_->ch_layout,
                                           ctx_->sample_fmt, ctx_->sample_rate, path);
}

void AudioEncoder::push(const float* interleaved, int64_t frames) {
  // In slices, so that the conversion buffer stays small whatever the length of the audio.
  constexpr int64_t kSlice = 1 << 15;
  for (int64_t done = 0; done < frames; done += kSlice) {
    const int n = int(std::min(kSlice, frames - done));
    const uint8_t* planes[1] = {reinterpret_cast<const uint8_t*>(interleaved + done * input_channels_)};
    resampler_->convert(planes, n);
    encode_available(false);
  }
}

void AudioEncoder::finish() {
  resampler_->flush();
  encode_available(true);
  encode_and_write(out_, ctx_.get(), stream_, nullptr, packet_.get(), 0, path_);
}

void AudioEncoder::encode_available(bool final) {
  // Most codecs take frames of exactly frame_size samples (the last may be shorter); PCM takes any.
  const bool fixed = ctx_->frame_size > 0 && !(ctx_->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
  const int frame_size = fixed ? ctx_->frame_size : 4096;
  AVAudioFifo* fifo = resampler_->fifo();
  while (av_audio_fifo_size(fifo) >= frame_size || (final && av_audio_fifo_size(fifo) > 0)) {
    const int n = std::min(frame_size, av_audio_fifo_size(fifo));
    // A fresh buffer per frame: the encoder may still hold a reference to the previous one.
    av_frame_unref(frame_.get());
    frame_->nb_samples = n;
    frame_->format = ctx_->sample_fmt;
    frame_->sample_rate = ctx_->sample_rate;
    check(av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout), path_, "audio encoding failed");
    check(av_frame_get_buffer(frame_.get(), 0), path_, "out of memory encoding audio");
    av_audio_fifo_read(fifo, reinterpret_cast<void**>(frame_->extended_data), n);
    frame_->pts = next_pts_;
    next_pts_ += n;
    encode_and_write(out_, ctx_.get(), stream_, frame_.get(), packet_.get(), 0, path_);
  }
}

}  // namespace jl::media::ff
