// Video I/O through FFmpeg: exact frame counts and timestamps both ways, codec quality, exact seeking,
// audio tracks, metadata, atomic output, and errors that name the problem.
#include <catch2/catch.hpp>

#include <cmath>
#include <opencv2/core.hpp>

#include "core/error.h"
#include "media_io/video.h"
#include "test_util.h"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace media = jl::media;

namespace {

// A slow horizontal pan over a smooth picture: realistic motion for inter-frame codecs, and every
// frame differs from the others so that a wrong frame is detected.
std::vector<cv::Mat> make_frames(int count, int width, int height) {
  const cv::Mat wide = jl::test::test_pattern(width + 2 * count, height, 3);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < count; ++i) frames.push_back(wide(cv::Rect(2 * i, 0, width, height)).clone());
  return frames;
}

void write_clip(const fs::path& path, const std::vector<cv::Mat>& frames, const media::VideoWriteOptions& options) {
  media::VideoWriter writer(path, frames[0].cols, frames[0].rows, options);
  for (const cv::Mat& f : frames) writer.write(f);
  CHECK(writer.frames_written() == int64_t(frames.size()));
  writer.close();
}

double min_psnr(const std::vector<cv::Mat>& a, const std::vector<cv::Mat>& b) {
  double worst = 1e9;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::min(worst, jl::test::psnr(a[i], b[i]));
  return worst;
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Walks the blocks of a GIF file: whether it has a global color table, and how many frames carry a
// local table that differs from it (a palette of their own). FFmpeg 5.1 repeats the global table as
// the first frame's local one; an identical copy is still the one palette.
struct GifPalettes {
  bool global = false;
  int frames = 0, other = 0;
};

GifPalettes gif_palettes(const fs::path& path) {
  const std::string bytes = jl::test::read_text_file(path);
  auto at = [&](size_t i) { return i < bytes.size() ? uint8_t(bytes[i]) : uint8_t(0x3B); };
  auto skip_sub_blocks = [&](size_t i) {
    while (at(i) != 0 && i < bytes.size()) i += size_t(at(i)) + 1;
    return i + 1;
  };
  GifPalettes p;
  p.global = at(10) & 0x80;
  const size_t global_size = p.global ? 3u << ((at(10) & 7) + 1) : 0u;
  size_t i = 13 + global_size;
  while (i < bytes.size() && at(i) != 0x3B) {
    if (at(i) == 0x21) {  // extension: introducer, label, sub-blocks
      i = skip_sub_blocks(i + 2);
    } else if (at(i) == 0x2C) {  // image: descriptor (10 bytes), optional local table, LZW data
      ++p.frames;
      const uint8_t packed = at(i + 9);
      i += 10;
      if (packed & 0x80) {
        const size_t size = 3u << ((packed & 7) + 1);
        if (size != global_size || bytes.compare(i, size, bytes, 13, size) != 0) ++p.other;
        i += size;
      }
      i = skip_sub_blocks(i + 1);
    } else {
      break;  // malformed: stop, the counts will not match
    }
  }
  return p;
}

media::VideoWriteOptions at_fps(double fps) {
  media::VideoWriteOptions options;
  options.fps = fps;
  return options;
}

// Writes `frames` at `fps` and checks the round trip: count, rate, duration, timestamps, quality.
void check_round_trip(const fs::path& path, const std::string& codec, double min_db, double time_tolerance) {
  const double fps = 25;
  const auto frames = make_frames(40, 96, 64);
  write_clip(path, frames, at_fps(fps));
  media::VideoReader reader(path);
  const media::VideoInfo& info = reader.info();
  CHECK(info.codec == codec);
  CHECK(info.width == 96);
  CHECK(info.height == 64);
  CHECK(info.fps == Approx(fps).epsilon(1e-6));
  CHECK(info.frames == 40);
  CHECK(info.duration == Approx(40 / fps).margin(1 / fps));
  CHECK_FALSE(info.has_audio);

  std::vector<double> times;
  const auto back = jl::test::read_video_frames(path, &times);
  REQUIRE(back.size() == frames.size());
  for (size_t i = 0; i < times.size(); ++i) {
    INFO("frame " << i);
    CHECK(times[i] == Approx(double(i) / fps).margin(time_tolerance));
  }
  const double db = min_psnr(frames, back);
  INFO(path.filename().string() << ": lowest PSNR " << db << " dB");
  CHECK(db >= min_db);
}

}  // namespace

TEST_CASE("MP4 (H.264) round trip: exact frame count, fps, duration, PSNR >= 30 dB", "[media]") {
  jl::test::TempDir dir;
  check_round_trip(dir / "clip.mp4", "h264", 30, 1e-6);
  CHECK(files_in(dir.path()) == 1);  // the finished file only, no temporary left
}

TEST_CASE("WebM (VP9) round trip: exact frame count, fps, duration, PSNR >= 30 dB", "[media]") {
  jl::test::TempDir dir;
  // Matroska stores timestamps in milliseconds.
  check_round_trip(dir / "clip.webm", "vp9", 30, 1e-3);
}

TEST_CASE("MOV and MKV hold H.264 too", "[media]") {
  jl::test::TempDir dir;
  const auto frames = make_frames(6, 64, 48);
  for (const char* name : {"a.mov", "a.mkv"}) {
    INFO(name);
    write_clip(dir / name, frames, at_fps(24));
    const auto back = jl::test::read_video_frames(dir / name);
    CHECK(back.size() == frames.size());
    CHECK(media::VideoReader(dir / name).info().codec == "h264");
    CHECK(min_psnr(frames, back) >= 30);
  }
}

TEST_CASE("GIF: exact frame count and one palette for the clip (PSNR >= 28 dB)", "[media]") {
  jl::test::TempDir dir;
  // 25 fps: GIF delays are in hundredths of a second, so 4/100 s is exact.
  const auto frames = make_frames(20, 80, 60);
  write_clip(dir / "clip.gif", frames, at_fps(25));
  media::VideoReader reader(dir / "clip.gif");
  CHECK(reader.info().codec == "gif");
  CHECK(reader.info().fps == Approx(25));
  CHECK(reader.info().frames == 20);
  std::vector<double> times;
  const auto back = jl::test::read_video_frames(dir / "clip.gif", &times);
  REQUIRE(back.size() == frames.size());
  CHECK(times.back() == Approx(19 / 25.0).margin(0.011));
  const GifPalettes palettes = gif_palettes(dir / "clip.gif");
  CHECK(palettes.global);
  CHECK(palettes.frames == 20);
  CHECK(palettes.other == 0);
  // No dithering. On these frames a fixed 3-3-2 bit palette scores 21 dB and the clip's own palette
  // about 33 dB: 28 dB shows the palette follows the picture.
  const double db = min_psnr(frames, back);
  INFO("lowest GIF PSNR " << db << " dB");
  CHECK(db >= 28);
}

TEST_CASE("PNG sequence is lossless, numbered from 1, into a folder it creates", "[media]") {
  jl::test::TempDir dir;
  const auto frames = make_frames(5, 64, 48);
  const fs::path pattern = dir / "seq" / "frame_%05d.png";
  REQUIRE(media::is_frame_pattern(pattern));
  write_clip(pattern, frames, at_fps(12));
  CHECK(fs::exists(dir / "seq" / "frame_00001.png"));
  CHECK(fs::exists(dir / "seq" / "frame_00005.png"));
  CHECK_FALSE(fs::exists(dir / "seq" / "frame_00000.png"));
  CHECK_FALSE(fs::exists(dir / "seq" / "frame_00006.png"));
  CHECK(files_in(dir / "seq") == 5);
  const auto back = jl::test::read_video_frames(pattern);
  REQUIRE(back.size() == frames.size());
  for (size_t i = 0; i < frames.size(); ++i) CHECK(cv::norm(frames[i], back[i], cv::NORM_INF) == 0);

  // Refuses to overwrite an existing sequence unless asked.
  REQUIRE_THROWS_WITH(write_clip(pattern, frames, at_fps(12)), Contains("frame_00001.png") && Contains("already exists"));
  auto options = at_fps(12);
  options.overwrite = true;
  write_clip(pattern, frames, options);
  CHECK(files_in(dir / "seq") == 5);

  CHECK(media::is_frame_pattern("out/img%d.png"));
  CHECK_FALSE(media::is_frame_pattern("out/50%.png"));
  CHECK_FALSE(media::is_frame_pattern("out/clip.mp4"));
}

TEST_CASE("seek(t) returns exactly the frame at t", "[media]") {
  jl::test::TempDir dir;
  // 75 frames at 25 fps: keyframes every 2 s (frames 0 and 50), so seeks land between keyframes.
  const auto frames = make_frames(75, 64, 48);
  for (const char* name : {"s.mp4", "s.webm", "s.gif"}) {
    INFO(name);
    write_clip(dir / name, frames, at_fps(25));
    std::vector<double> times;
    const auto sequential = jl::test::read_video_frames(dir / name, &times);
    REQUIRE(sequential.size() == 75);
    media::VideoReader reader(dir / name);
    for (int k : {37, 0, 74, 50, 49, 51, 12, 60}) {
      INFO("seek to frame " << k);
      reader.seek(times[size_t(k)]);
      cv::Mat frame;
      double t = -1;
      REQUIRE(reader.read(frame, &t));
      CHECK(t == Approx(times[size_t(k)]).margin(1e-9));
      CHECK(cv::norm(frame, sequential[size_t(k)], cv::NORM_INF) == 0);
      // Reading on continues from there.
      if (k + 1 < 75) {
        REQUIRE(reader.read(frame, &t));
        CHECK(cv::norm(frame, sequential[size_t(k + 1)], cv::NORM_INF) == 0);
      }
    }
    reader.seek(10.0);  // past the end
    cv::Mat frame;
    CHECK_FALSE(reader.read(frame));
  }
}

TEST_CASE("Fractional frame rates: 30000/1001 and 29.97 are NTSC rates", "[media]") {
  jl::test::TempDir dir;
  const auto frames = make_frames(30, 64, 48);
  for (double fps : {30000.0 / 1001.0, 29.97}) {
    INFO("fps " << fps);
    const fs::path path = dir / (std::to_string(fps) + ".mp4");
    write_clip(path, frames, at_fps(fps));
    media::VideoReader reader(path);
    CHECK(reader.info().fps == Approx(30000.0 / 1001.0).epsilon(1e-9));
    CHECK(reader.info().frames == 30);
    std::vector<double> times;
    REQUIRE(jl::test::read_video_frames(path, &times).size() == 30);
    for (size_t i = 0; i < times.size(); ++i) CHECK(times[i] == Approx(double(i) * 1001 / 30000).margin(1e-6));
  }
}

TEST_CASE("Audio track: AAC in MP4, Opus in WebM, present and of the right length", "[media]") {
  jl::test::TempDir dir;
  const media::Audio tone = jl::test::test_tone(44100, 2, 2.0);
  const auto frames = make_frames(50, 64, 48);
  for (const char* name : {"a.mp4", "a.webm"}) {
    INFO(name);
    auto options = at_fps(25);
    options.audio = &tone;
    write_clip(dir / name, frames, options);
    media::VideoReader reader(dir / name);
    const media::VideoInfo& info = reader.info();
    CHECK(info.has_audio);
    CHECK(info.audio_channels == 2);
    const int rate = std::string(name) == "a.webm" ? 48000 : 44100;
    CHECK(info.audio_sample_rate == rate);
    const media::Audio back = reader.read_audio();
    CHECK(back.sample_rate == rate);
    CHECK(back.channels == 2);
    CHECK(std::abs(back.seconds() - 2.0) <= 0.05);
    // Reading the audio does not disturb the video position.
    cv::Mat frame;
    int n = 0;
    while (reader.read(frame)) ++n;
    CHECK(n == 50);
  }
}

TEST_CASE("Video metadata tags round trip", "[media]") {
  jl::test::TempDir dir;
  const auto frames = make_frames(3, 64, 48);
  auto options = at_fps(10);
  options.metadata = {{"comment", "txt2video --seed 42 --steps 8"}, {"title", "three frames"},
                      {"jielong_version", "0.1.0"}};
  for (const char* name : {"m.mp4", "m.mov", "m.mkv", "m.webm"}) {
    INFO(name);
    write_clip(dir / name, frames, options);
    const auto tags = media::VideoReader(dir / name).info().metadata;
    for (const auto& [key, value] : options.metadata) {
      INFO(key);
      REQUIRE(tags.count(key) == 1);
      CHECK(tags.at(key) == value);
    }
  }
}

TEST_CASE("Bad video input gives errors that name the file and the problem", "[media]") {
  jl::test::TempDir dir;
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "nope.mp4"), Contains("nope.mp4") && Contains("not found"));

  jl::test::write_text_file(dir / "empty.mp4", "");
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "empty.mp4"), Contains("empty.mp4") && Contains("empty"));

  jl::test::write_text_file(dir / "text.mp4", "hello, I am a text file with a video's name\n");
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "text.mp4"),
                      Contains("text.mp4") && Contains("not a media file FFmpeg can read"));

  REQUIRE_THROWS_WITH(media::VideoReader(dir / "frames_%04d.png"), Contains("no frames found"));

  const auto frames = make_frames(25, 64, 48);
  write_clip(dir / "good.mp4", frames, at_fps(25));

  media::MediaLimits limits;
  limits.max_side = 32;
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "good.mp4", limits),
                      Contains("good.mp4") && Contains("64x48") && Contains("limit of 32 pixels per side"));
  limits = {};
  limits.max_pixels = 1000;
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "good.mp4", limits), Contains("limit of 1000 pixels"));
  limits = {};
  limits.max_seconds = 0.5;
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "good.mp4", limits),
                      Contains("good.mp4") && Contains("more than the limit of 0.5"));
  limits = {};
  limits.max_frames = 10;
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "good.mp4", limits), Contains("more than the limit of 10"));

  media::write_audio(dir / "sound.wav", jl::test::test_tone(8000, 1, 0.2));
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "sound.wav"), Contains("sound.wav") && Contains("no video stream"));
}

TEST_CASE("A truncated MP4 yields the frames before the cut, then an error saying so", "[media]") {
  jl::test::TempDir dir;
  // Unrelated pictures (no motion to predict): every frame costs bytes, so half the file holds many.
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 30; ++i) frames.push_back(jl::test::test_pattern(160, 120, i));
  write_clip(dir / "full.mp4", frames, at_fps(25));
  const auto size = fs::file_size(dir / "full.mp4");
  fs::copy_file(dir / "full.mp4", dir / "cut.mp4");
  fs::resize_file(dir / "cut.mp4", size / 2);

  // faststart puts the index first, so the header survives the cut. Every complete frame is returned
  // (none is invented from the partial packet), then read() throws.
  std::vector<cv::Mat> back;
  media::VideoReader reader(dir / "cut.mp4");
  CHECK(reader.info().frames == 30);  // what the index promises
  cv::Mat frame;
  REQUIRE_THROWS_WITH([&] { while (reader.read(frame)) back.push_back(frame); }(),
                      Contains("cut.mp4") && Contains("truncated"));
  INFO(back.size() << " of " << frames.size() << " frames read from the first half of the file");
  CHECK(back.size() >= 5);
  CHECK(back.size() < frames.size());
  for (size_t i = 0; i < back.size(); ++i) CHECK(jl::test::psnr(back[i], frames[i]) >= 30);

  // With the index itself cut (the first 100 bytes only), the file is refused when opened.
  fs::resize_file(dir / "cut.mp4", 100);
  REQUIRE_THROWS_WITH(media::VideoReader(dir / "cut.mp4"), Contains("cut.mp4") && Contains("truncated"));
}

TEST_CASE("VideoWriter refuses bad requests and never leaves partial files", "[media]") {
  jl::test::TempDir dir;
  const auto frames = make_frames(3, 64, 48);

  jl::test::write_text_file(dir / "keep.mp4", "precious");
  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "keep.mp4", 64, 48, at_fps(25)),
                      Contains("keep.mp4") && Contains("already exists"));
  CHECK(jl::test::read_text_file(dir / "keep.mp4") == "precious");

  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "odd.mp4", 63, 48, at_fps(25)),
                      Contains("odd.mp4") && Contains("even") && Contains("63x48") && Contains("64x48"));
  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "clip.avi", 64, 48, at_fps(25)),
                      Contains("clip.avi") && Contains(".mp4, .mov, .mkv, .webm, .gif"));
  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "seq_%03d.jpg", 64, 48, at_fps(25)), Contains("PNG"));
  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "zero.mp4", 64, 48, at_fps(0)), Contains("frame rate"));
  auto bad_crf = at_fps(25);
  bad_crf.crf = 60;
  REQUIRE_THROWS_WITH(media::VideoWriter(dir / "crf.mp4", 64, 48, bad_crf), Contains("crf 60 is out of range"));
  CHECK(files_in(dir.path()) == 1);

  SECTION("destroyed without close() leaves nothing") {
    const media::Audio tone = jl::test::test_tone(44100, 2, 1.0);
    for (const char* name : {"a.mp4", "a.webm", "a.gif", "p_%02d.png", "sub/p_%02d.png"}) {
      INFO(name);
      auto options = at_fps(25);
      options.audio = &tone;  // the audio encoder is abandoned midway too
      media::VideoWriter writer(dir / name, 64, 48, options);
      for (const auto& f : frames) writer.write(f);
    }
    CHECK(files_in(dir.path()) == 1);  // not even the folder "sub" it created
  }
  SECTION("a writer that throws leaves nothing") {
    media::VideoWriter writer(dir / "b.mp4", 64, 48, at_fps(25));
    writer.write(frames[0]);
    const cv::Mat wrong(48, 32, CV_8UC3, cv::Scalar::all(0));
    REQUIRE_THROWS_WITH(writer.write(wrong), Contains("b.mp4") && Contains("32x48") && Contains("64x48"));
    const cv::Mat gray(48, 64, CV_8UC1, cv::Scalar::all(0));
    REQUIRE_THROWS_WITH(writer.write(gray), Contains("1 channel"));
    CHECK(files_in(dir.path()) == 2);  // keep.mp4 and b.mp4's temporary file, nothing named b.mp4
    CHECK_FALSE(fs::exists(dir / "b.mp4"));
  }
  SECTION("closing an empty writer is an error and leaves nothing") {
    {
      media::VideoWriter writer(dir / "empty.mp4", 64, 48, at_fps(25));
      REQUIRE_THROWS_WITH(writer.close(), Contains("no frames"));
    }
    CHECK(files_in(dir.path()) == 1);
  }
  CHECK(files_in(dir.path()) == 1);  // every writer above is gone: keep.mp4 alone

  CHECK(media::is_video_extension(".mp4"));
  CHECK(media::is_video_extension("WEBM"));
  CHECK(media::is_video_extension(".gif"));
  CHECK_FALSE(media::is_video_extension(".wav"));
  CHECK_FALSE(media::is_video_extension(".png"));
}
