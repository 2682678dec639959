// Audio through FFmpeg: decode the first audio stream of anything FFmpeg reads (audio files and
// videos) to interleaved float PCM at a requested rate and channel count (swresample); encode WAV
// (16-bit or float), FLAC, Opus in Ogg, and MP3 where the encoder is present.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "media_io/limits.h"

namespace jl::media {

namespace fs = std::filesystem;

struct Audio {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;  // interleaved, nominal range [-1, 1]

  int64_t frames() const { return channels > 0 ? int64_t(samples.size()) / channels : 0; }
  double seconds() const { return sample_rate > 0 ? double(frames()) / sample_rate : 0.0; }
};

struct AudioInfo {
  int sample_rate = 0;
  int channels = 0;
  double duration = 0;     // seconds, from the container (0 when unknown)
  std::string codec;       // e.g. "flac", "pcm_s16le"
  std::string container;   // e.g. "wav", "ogg"
  std::map<std::string, std::string> metadata;  // container (and stream) tags, keys lower-cased
};

// Stream parameters without decoding. Errors (jl::Error) name the file and the reason.
AudioInfo probe_audio(const fs::path& path, const MediaLimits& limits = default_limits());

// Decodes the whole first audio stream, resampled to `sample_rate` Hz and `channels` channels
// (0 keeps the file's own). Sample counts are exact: no padding, no dropped tail.
Audio read_audio(const fs::path& path, int sample_rate = 0, int channels = 0,
                 const MediaLimits& limits = default_limits());

enum class PcmFormat { S16, F32 };

struct AudioWriteOptions {
  PcmFormat wav_format = PcmFormat::S16;  // WAV only; FLAC is always 16-bit
  int bitrate_kbps = 0;                   // lossy codecs; 0 = the codec's default
  std::map<std::string, std::string> metadata;  // container tags, e.g. {"comment", params}
  bool overwrite = false;
};

// Writes atomically; the format follows the extension: .wav .flac .ogg/.opus (Opus, resampled to
// 48 kHz as Opus requires) .mp3. An encoder missing from this FFmpeg build is a jl::Error.
void write_audio(const fs::path& path, const Audio& audio, const AudioWriteOptions& options = {});

bool is_audio_extension(const std::string& extension);
// False when this FFmpeg build lacks the encoder for the extension (MP3 without libmp3lame).
bool audio_encoder_available(const std::string& extension);

}  // namespace jl::media
