// Audio I/O through FFmpeg: exact round trips for PCM and FLAC, quality and length checks for the
// lossy codecs, resampling counts, and errors that name the problem.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "media_io/audio.h"
#include "media_io/video.h"
#include "test_util.h"

using Catch::Matchers::Contains;
using jl::media::Audio;
namespace fs = std::filesystem;
namespace media = jl::media;

namespace {

// Normalized cross-correlation between channel `channel` of `a` and `b` (same rate), maximized over
// lags of up to `max_lag` samples, measured on a window in the middle so that codec edges don't count.
double best_correlation(const Audio& a, const Audio& b, int channel, int max_lag, int* best_lag = nullptr) {
  const int64_t n = std::min(a.frames(), b.frames());
  const int64_t begin = n / 4, length = n / 4;
  double best = -1;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t i = begin; i < begin + length; ++i) {
      const int64_t j = i + lag;
      if (j < 0 || j >= b.frames()) continue;
      const double x = a.samples[size_t(i * a.channels + channel)];
      const double y = b.samples[size_t(j * b.channels + channel)];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const double r = aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
    if (r > best) {
      best = r;
      if (best_lag) *best_lag = lag;
    }
  }
  return best;
}

double rms(const Audio& a) {
  double sum = 0;
  for (float s : a.samples) sum += double(s) * s;
  return a.samples.empty() ? 0 : std::sqrt(sum / double(a.samples.size()));
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("WAV 16-bit round trip keeps every sample", "[media]") {
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 2, 1.0);
  media::write_audio(dir / "a.wav", tone);
  const Audio back = media::read_audio(dir / "a.wav");
  CHECK(back.sample_rate == 44100);
  CHECK(back.channels == 2);
  REQUIRE(back.frames() == tone.frames());
  CHECK(back.samples == tone.samples);

  const media::AudioInfo info = media::probe_audio(dir / "a.wav");
  CHECK(info.codec == "pcm_s16le");
  CHECK(info.container == "wav");
  CHECK(info.sample_rate == 44100);
  CHECK(info.channels == 2);
  CHECK(info.duration == Approx(1.0).margin(1e-3));
  CHECK(files_in(dir.path()) == 1);  // no temporary file left beside it
}

TEST_CASE("WAV float round trip is exact, including values between 16-bit steps", "[media]") {
  jl::test::TempDir dir;
  Audio audio;
  audio.sample_rate = 22050;
  audio.channels = 1;
  for (int i = 0; i < 22050; ++i) audio.samples.push_back(float(0.7 * std::sin(i * 0.0123) + 1e-7 * i));
  media::AudioWriteOptions options;
  options.wav_format = media::PcmFormat::F32;
  media::write_audio(dir / "f.wav", audio, options);
  CHECK(media::probe_audio(dir / "f.wav").codec == "pcm_f32le");
  const Audio back = media::read_audio(dir / "f.wav");
  CHECK(back.sample_rate == 22050);
  CHECK(back.channels == 1);
  CHECK(back.samples == audio.samples);
}

TEST_CASE("WAV -> FLAC -> WAV is bit-exact", "[media]") {
  jl::test::TempDir dir;
  media::write_audio(dir / "a.wav", jl::test::test_tone(48000, 2, 1.5));
  const Audio wav = media::read_audio(dir / "a.wav");
  media::write_audio(dir / "a.flac", wav);
  CHECK(media::probe_audio(dir / "a.flac").codec == "flac");
  const Audio flac = media::read_audio(dir / "a.flac");
  media::write_audio(dir / "b.wav", flac);
  const Audio again = media::read_audio(dir / "b.wav");
  CHECK(flac.sample_rate == 48000);
  CHECK(flac.samples == wav.samples);
  CHECK(again.samples == wav.samples);
}

TEST_CASE("Opus in Ogg round trip: 48 kHz, length and waveform kept", "[media]") {
  if (!media::audio_encoder_available(".ogg")) {
    WARN("libopus encoder missing from this FFmpeg build: Opus round trip not tested");
    return;
  }
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 2, 1.0);
  media::write_audio(dir / "a.ogg", tone);
  const media::AudioInfo info = media::probe_audio(dir / "a.ogg");
  CHECK(info.codec == "opus");
  CHECK(info.sample_rate == 48000);  // Opus always decodes at 48 kHz
  CHECK(info.channels == 2);

  const Audio native = media::read_audio(dir / "a.ogg");
  CHECK(native.sample_rate == 48000);
  // One 20 ms codec frame (960) plus the 312-sample encoder delay at most.
  CHECK(std::abs(native.frames() - 48000) <= 960 + 312);

  const Audio back = media::read_audio(dir / "a.ogg", 44100);
  CHECK(back.sample_rate == 44100);
  CHECK(std::abs(back.frames() - tone.frames()) <= 1200);
  for (int c = 0; c < 2; ++c) {
    int lag = 0;
    const double r = best_correlation(tone, back, c, 400, &lag);
    INFO("channel " << c << " correlation " << r << " at lag " << lag);
    CHECK(r > 0.95);
    CHECK(std::abs(lag) <= 32);  // the encoder delay is compensated on decoding
  }

  // .opus is Ogg too; a 16 kHz mono input is stored at 48 kHz, what every Opus decoder outputs.
  const Audio speech = jl::test::test_tone(16000, 1, 0.5);
  media::write_audio(dir / "s.opus", speech);
  CHECK(media::probe_audio(dir / "s.opus").sample_rate == 48000);
  const Audio speech_back = media::read_audio(dir / "s.opus", 16000);
  CHECK(std::abs(speech_back.frames() - speech.frames()) <= 400);
  CHECK(best_correlation(speech, speech_back, 0, 100) > 0.9);
}

TEST_CASE("MP3 round trip: rate, length and waveform kept", "[media]") {
  if (!media::audio_encoder_available(".mp3")) {
    WARN("libmp3lame encoder missing from this FFmpeg build: MP3 round trip not tested");
    return;
  }
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 2, 1.0);
  media::AudioWriteOptions options;
  options.bitrate_kbps = 192;
  media::write_audio(dir / "a.mp3", tone, options);
  const media::AudioInfo info = media::probe_audio(dir / "a.mp3");
  CHECK(info.codec == "mp3");
  CHECK(info.sample_rate == 44100);
  CHECK(info.channels == 2);
  const Audio back = media::read_audio(dir / "a.mp3");
  // One 1152-sample MP3 frame plus LAME's 529 + 576 samples of delay at most.
  CHECK(std::abs(back.frames() - tone.frames()) <= 1152 + 1105);
  for (int c = 0; c < 2; ++c) {
    int lag = 0;
    const double r = best_correlation(tone, back, c, 1200, &lag);
    INFO("channel " << c << " correlation " << r << " at lag " << lag);
    CHECK(r > 0.95);
  }
}

TEST_CASE("Resampling gives exact sample counts and a mono downmix averages the channels", "[media]") {
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 2, 1.3);
  media::write_audio(dir / "a.wav", tone);

  const Audio low = media::read_audio(dir / "a.wav", 16000, 1);
  CHECK(low.sample_rate == 16000);
  CHECK(low.channels == 1);
  const int64_t expected = std::llround(double(tone.frames()) * 16000 / 44100);
  CHECK(std::abs(low.frames() - expected) <= 1);

  const Audio mono = media::read_audio(dir / "a.wav", 0, 1);
  REQUIRE(mono.frames() == tone.frames());
  double worst = 0;
  for (int64_t i = 0; i < mono.frames(); ++i) {
    const double mean = 0.5 * (tone.samples[size_t(2 * i)] + tone.samples[size_t(2 * i + 1)]);
    worst = std::max(worst, std::abs(mono.samples[size_t(i)] - mean));
  }
  CHECK(worst < 1e-6);
  // All tone components (220, 440, 1234.5 Hz) are far below 8 kHz: resampling keeps their energy.
  CHECK(rms(low) == Approx(rms(mono)).epsilon(0.02));

  const Audio up = media::read_audio(dir / "a.wav", 48000, 2);
  CHECK(std::abs(up.frames() - std::llround(double(tone.frames()) * 48000 / 44100)) <= 1);
}

TEST_CASE("Audio metadata tags are written and read back", "[media]") {
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(16000, 1, 0.3);
  media::AudioWriteOptions options;
  options.metadata = {{"comment", "seed=7 steps=20"}, {"title", "a test tone"}};
  for (const char* name : {"t.wav", "t.flac", "t.ogg", "t.mp3"}) {
    if (!media::audio_encoder_available(fs::path(name).extension().string())) continue;
    INFO(name);
    media::write_audio(dir / name, tone, options);
    const auto tags = media::probe_audio(dir / name).metadata;
    CHECK(tags.count("comment") == 1);
    if (tags.count("comment")) CHECK(tags.at("comment") == "seed=7 steps=20");
    if (tags.count("title")) CHECK(tags.at("title") == "a test tone");
    CHECK(tags.count("title") == 1);
  }
}

TEST_CASE("Audio is extracted from a video written with an audio track", "[media]") {
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 2, 1.0);
  media::VideoWriteOptions options;
  options.fps = 25;
  options.audio = &tone;
  media::VideoWriter writer(dir / "v.mp4", 64, 48, options);
  for (int i = 0; i < 25; ++i) writer.write(jl::test::test_pattern(64, 48, i));
  writer.close();

  const Audio back = media::read_audio(dir / "v.mp4");  // the free function reads videos too
  CHECK(back.sample_rate == 44100);
  CHECK(back.channels == 2);
  CHECK(std::abs(back.frames() - tone.frames()) <= 1024 + 1024);  // AAC frame + priming
  for (int c = 0; c < 2; ++c) {
    int lag = 0;
    const double r = best_correlation(tone, back, c, 1200, &lag);
    INFO("channel " << c << " correlation " << r << " at lag " << lag);
    CHECK(r > 0.95);
  }
  media::VideoReader reader(dir / "v.mp4");
  const Audio mono = reader.read_audio(16000, 1);
  CHECK(mono.sample_rate == 16000);
  CHECK(mono.channels == 1);
  CHECK(std::abs(mono.frames() - 16000) <= 800);
}

TEST_CASE("Bad audio input gives errors that name the file and the problem", "[media]") {
  jl::test::TempDir dir;
  const fs::path missing = dir / "missing.wav";
  REQUIRE_THROWS_WITH(media::read_audio(missing), Contains("missing.wav") && Contains("not found"));
  REQUIRE_THROWS_AS(media::probe_audio(missing), jl::Error);

  jl::test::write_text_file(dir / "empty.wav", "");
  REQUIRE_THROWS_WITH(media::read_audio(dir / "empty.wav"), Contains("empty.wav") && Contains("empty"));

  jl::test::write_text_file(dir / "text.wav", "this is not audio, just a line of text\n");
  REQUIRE_THROWS_WITH(media::read_audio(dir / "text.wav"),
                      Contains("text.wav") && Contains("not a media file FFmpeg can read"));

  REQUIRE_THROWS_WITH(media::read_audio(dir.path()), Contains("is a folder"));

  // A video without sound.
  {
    media::VideoWriteOptions options;
    media::VideoWriter writer(dir / "silent.mp4", 64, 48, options);
    writer.write(jl::test::test_pattern(64, 48));
    writer.close();
  }
  REQUIRE_THROWS_WITH(media::read_audio(dir / "silent.mp4"), Contains("silent.mp4") && Contains("no audio stream"));
  CHECK(media::VideoReader(dir / "silent.mp4").read_audio().samples.empty());

  media::write_audio(dir / "tone.wav", jl::test::test_tone(44100, 2, 1.0));
  media::MediaLimits limits;
  limits.max_seconds = 0.5;
  REQUIRE_THROWS_WITH(media::read_audio(dir / "tone.wav", 0, 0, limits),
                      Contains("tone.wav") && Contains("limit") && Contains("max-seconds"));
  limits = {};
  limits.max_sample_rate = 22050;
  REQUIRE_THROWS_WITH(media::probe_audio(dir / "tone.wav", limits), Contains("44100 Hz exceeds the limit"));
  limits = {};
  limits.max_channels = 1;
  REQUIRE_THROWS_WITH(media::read_audio(dir / "tone.wav", 0, 0, limits), Contains("2 audio channels exceed"));
  REQUIRE_THROWS_WITH(media::read_audio(dir / "tone.wav", -3), Contains("cannot resample to -3 Hz"));
}

TEST_CASE("Audio writes are atomic and refuse what they cannot do", "[media]") {
  jl::test::TempDir dir;
  const Audio tone = jl::test::test_tone(44100, 1, 0.2);

  jl::test::write_text_file(dir / "keep.wav", "precious");
  REQUIRE_THROWS_WITH(media::write_audio(dir / "keep.wav", tone), Contains("keep.wav") && Contains("already exists"));
  CHECK(jl::test::read_text_file(dir / "keep.wav") == "precious");
  media::AudioWriteOptions overwrite;
  overwrite.overwrite = true;
  media::write_audio(dir / "keep.wav", tone, overwrite);
  CHECK(media::read_audio(dir / "keep.wav").samples == tone.samples);

  REQUIRE_THROWS_WITH(media::write_audio(dir / "a.xyz", tone), Contains("a.xyz") && Contains(".wav, .flac"));
  Audio ragged = jl::test::test_tone(44100, 2, 0.1);
  ragged.samples.pop_back();
  REQUIRE_THROWS_WITH(media::write_audio(dir / "r.wav", ragged), Contains("not a multiple of its 2 channels"));
  if (media::audio_encoder_available(".mp3")) {
    // LAME stores mono or stereo only: the error comes after the temporary file was opened.
    REQUIRE_THROWS_WITH(media::write_audio(dir / "six.mp3", jl::test::test_tone(44100, 6, 0.1)),
                        Contains("six.mp3") && Contains("cannot store 6 channels"));
  }
  REQUIRE_THROWS_WITH(media::write_audio(dir / "nofolder" / "a.wav", tone), Contains("does not exist"));
  CHECK(files_in(dir.path()) == 1);  // keep.wav alone: nothing half-written was left

  CHECK(media::is_audio_extension(".wav"));
  CHECK(media::is_audio_extension("FLAC"));
  CHECK(media::is_audio_extension(".Opus"));
  CHECK_FALSE(media::is_audio_extension(".mp4"));
  CHECK(media::audio_encoder_available(".wav"));
  CHECK(media::audio_encoder_available(".flac"));
  CHECK_FALSE(media::audio_encoder_available(".txt"));
}
