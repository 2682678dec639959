#include "media_io/audio.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "media_io/ffmpeg_audio.h"

namespace jl::media {

namespace {

struct AudioFormat {
  const char* extension;
  const char* muxer;    // FFmpeg muxer name
  const char* encoder;  // FFmpeg encoder name (WAV: chosen by PcmFormat instead)
};

// Opus rather than Vorbis in .ogg: better at every bitrate, and FFmpeg's own Vorbis encoder is
// experimental. FLAC stores 16-bit samples, which is what every model here produces.
constexpr AudioFormat kFormats[] = {
    {".wav", "wav", "pcm_s16le"},  {".flac", "flac", "flac"},     {".ogg", "ogg", "libopus"},
    {".opus", "opus", "libopus"},  {".mp3", "mp3", "libmp3lame"}, {".m4a", "ipod", "aac"},
};

const AudioFormat* find_format(const std::string& extension) {
  const std::string ext = ff::normalize_extension(extension);
  for (const AudioFormat& f : kFormats)
    if (ext == f.extension) return &f;
  return nullptr;
}

const char* encoder_name(const AudioFormat& format, PcmFormat pcm) {
  if (std::string(format.extension) == ".wav") return pcm == PcmFormat::F32 ? "pcm_f32le" : "pcm_s16le";
  return format.encoder;
}

int require_audio_stream(AVFormatContext* fmt, const fs::path& path) {
  const int index = ff::find_stream(fmt, AVMEDIA_TYPE_AUDIO);
  if (index < 0) throw Error(path.string() + ": has no audio stream");
  return index;
}

}  // namespace

AudioInfo probe_audio(const fs::path& path, const MediaLimits& limits) {
  ff::InputPtr fmt = ff::open_input(path, limits);
  const AVStream* st = fmt->streams[require_audio_stream(fmt.get(), path)];
  const AVCodecParameters* par = st->codecpar;
  ff::check_audio_limits(par->sample_rate, par->ch_layout.nb_channels, path, limits);
  AudioInfo info;
  info.sample_rate = par->sample_rate;
  info.channels = par->ch_layout.nb_channels;
  info.duration = ff::duration_seconds(fmt.get(), st);
  info.codec = avcodec_get_name(par->codec_id);
  info.container = fmt->iformat->name;
  info.metadata = ff::read_tags(fmt.get(), st);
  return info;
}

Audio read_audio(const fs::path& path, int sample_rate, int channels, const MediaLimits& limits) {
  ff::InputPtr fmt = ff::open_input(path, limits);
  const int index = require_audio_stream(fmt.get(), path);
  return ff::decode_audio(fmt.get(), index, path, sample_rate, channels, limits);
}

void write_audio(const fs::path& path, const Audio& audio, const AudioWriteOptions& options) {
  const AudioFormat* format = find_format(path.extension().string());
  if (!format)
    throw Error(path.string() + ": cannot write audio as '" + path.extension().string() +
                "'; use .wav, .flac, .ogg, .opus, .mp3 or .m4a");
  if (audio.sample_rate <= 0 || audio.channels <= 0)
    throw Error(path.string() + ": the audio to write has no sample rate or channel count");
  if (audio.samples.size() % size_t(audio.channels) != 0)
    throw Error(path.string() + ": the audio to write has " + std::to_string(audio.samples.size()) +
                " samples, not a multiple of its " + std::to_string(audio.channels) + " channels");
  // Looked up before the temporary file exists: a missing encoder leaves nothing behind.
  const AVCodec* codec = ff::require_encoder(encoder_name(*format, options.wav_format), path);
  AtomicFile file(path, options.overwrite);
  {
    ff::OutputPtr out = ff::open_output(format->muxer, path, file.temp_path());
    ff::write_tags(&out->metadata, options.metadata);
    ff::AudioEncoder encoder(out.get(), codec, audio.sample_rate, audio.channels, options.bitrate_kbps, path);
    ff::check(avformat_write_header(out.get(), nullptr), path, "cannot write the file header");
    encoder.push(audio.samples.data(), audio.frames());
    encoder.finish();
    ff::check(av_write_trailer(out.get()), path, "cannot finish the file");
    ff::check(avio_closep(&out->pb), path, "cannot finish the file; is the disk full?");
  }
  file.commit();
}

bool is_audio_extension(const std::string& extension) { return find_format(extension) != nullptr; }

bool audio_encoder_available(const std::string& extension) {
  const AudioFormat* format = find_format(extension);
  return format && avcodec_find_encoder_by_name(encoder_name(*format, PcmFormat::S16)) &&
         avcodec_find_encoder_by_name(encoder_name(*format, PcmFormat::F32));
}

}  // namespace jl::media
