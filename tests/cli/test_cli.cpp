// The command line end to end: the real binary, real files, exit codes and the one-line errors.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "media_io/audio.h"
#include "media_io/image.h"
#include "media_io/video.h"
#include "test_util.h"

using namespace jl;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {


void write_clip(const fs::path& path, int frames, double fps, bool with_audio) {
  media::VideoWriteOptions options;
  options.fps = fps;
  const media::Audio tone = test::test_tone(44100, 2, frames / fps);
  if (with_audio) options.audio = &tone;
  media::VideoWriter writer(path, 96, 64, options);
  for (int i = 0; i < frames; ++i) writer.write(test::test_pattern(96, 64, i));
  writer.close();
}

int64_t count_frames(const fs::path& path) {
  media::VideoReader reader(path);
  cv::Mat frame;
  int64_t n = 0;
  while (reader.read(frame)) ++n;
  return n;
}

}  // namespace

TEST_CASE("jielong --help lists the commands and global flags and bad usage exits 2", "[cli]") {
  std::string out;
  CHECK(test::run_jielong("--help", &out) == 0);
  for (const char* word : {"version", "info", "convert", "--threads", "--models-dir", "--quiet", "--json", "--overwrite"})
    CHECK_THAT(out, Contains(word));
  CHECK(test::run_jielong("convert --help", &out) == 0);
  CHECK_THAT(out, Contains("--fps") && Contains("--start") && Contains("--no-audio"));

  CHECK(test::run_jielong("frobnicate", &out) == 2);
  CHECK(test::count_lines(out) == 1);
  CHECK(test::run_jielong("convert --bogus-flag x -o y.png", &out) == 2);
  CHECK(test::count_lines(out) == 1);
  CHECK_THAT(out, StartsWith("jielong: "));
}

TEST_CASE("jielong version and info", "[cli]") {
  std::string out;
  REQUIRE(test::run_jielong("version", &out) == 0);
  CHECK_THAT(out, Contains(JL_VERSION_STRING));
  REQUIRE(test::run_jielong("--version", &out) == 0);  // the flag answers as the command does
  CHECK_THAT(out, Contains(JL_VERSION_STRING));
  CHECK_THAT(out, !Contains("--help"));

  REQUIRE(test::run_jielong("info --json", &out) == 0);
  const auto info = test::last_json(out).at("info");
  CHECK(info.at("blas_is_openblas").get<bool>());
  CHECK_THAT(info.at("blas").get<std::string>(), Contains("openblas"));
  CHECK_FALSE(info.at("blas_kernels").get<std::string>().empty());  // OpenBLAS names its kernels
  CHECK(info.at("threads").get<int>() == int(std::thread::hardware_concurrency()));
  CHECK(info.at("encoders").at("libx264").get<bool>());
  CHECK(info.at("matmul_gflops").get<double>() > 0);

  REQUIRE(test::run_jielong("info --json --threads 1", &out) == 0);
  CHECK(test::last_json(out).at("info").at("threads").get<int>() == 1);

  // Checkpoints in --models-dir are listed, unreadable ones with the reason.
  test::TempDir models;
  test::write_text_file(models / "broken.safetensors", "garbage");
  REQUIRE(test::run_jielong("info --json --models-dir " + models.path().string(), &out) == 0);
  const auto checkpoints = test::last_json(out).at("info").at("checkpoints");
  REQUIRE(checkpoints.size() >= 1);
  CHECK(checkpoints[0].at("name") == "broken");
  CHECK(checkpoints[0].contains("problem"));

  // Every upscaler and scale, and whether it is there (the UpscalerJS models come with install-deps).
  int upscalerjs = 0;
  const nlohmann::json listed = test::last_json(out).at("info").at("upscalers");
  for (const auto& u : listed)
    if (u.at("name") == "thick" && u.at("available").get<bool>()) ++upscalerjs;
  CHECK(upscalerjs == 4);
  REQUIRE(test::run_jielong("info", &out) == 0);
  CHECK_THAT(out, Contains("upscalers") && Contains("esrgan-slim"));
}

TEST_CASE("convert round-trips mp4 -> webm -> mp4 with the same frame count", "[cli]") {
  test::TempDir dir;
  write_clip(dir / "a.mp4", 30, 15, true);
  std::string out;
  REQUIRE(test::run_jielong("convert " + (dir / "a.mp4").string() + " -o " + (dir / "b.webm").string(), &out) == 0);
  REQUIRE(test::run_jielong("convert " + (dir / "b.webm").string() + " -o " + (dir / "c.mp4").string() + " --json", &out) == 0);
  const auto result = test::last_json(out);
  CHECK(result.at("frames") == 30);
  CHECK(count_frames(dir / "b.webm") == 30);
  CHECK(count_frames(dir / "c.mp4") == 30);
  media::VideoReader c(dir / "c.mp4");
  CHECK(c.info().has_audio);
  CHECK(c.info().fps == Approx(15));
}

TEST_CASE("convert: resize, fps change, trim, frames out and back in, audio out, strip audio", "[cli]") {
  test::TempDir dir;
  write_clip(dir / "a.mp4", 24, 12, true);  // 2 s
  const std::string a = (dir / "a.mp4").string();
  std::string out;

  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "fast.mp4").string() + " --fps 24 --width 48", &out) == 0);
  {
    media::VideoReader r(dir / "fast.mp4");
    CHECK(r.info().width == 48);
    CHECK(r.info().height == 32);
    CHECK(count_frames(dir / "fast.mp4") == 48);
  }
  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "cut.mp4").string() + " --start 0.5 --duration 1", &out) == 0);
  CHECK(count_frames(dir / "cut.mp4") == 12);

  fs::create_directory(dir / "frames");
  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "frames" / "f_%04d.png").string(), &out) == 0);
  CHECK(fs::exists(dir / "frames" / "f_0001.png"));
  CHECK(fs::exists(dir / "frames" / "f_0024.png"));
  CHECK_FALSE(fs::exists(dir / "frames" / "f_0025.png"));
  REQUIRE(test::run_jielong("convert " + (dir / "frames").string() + " -o " + (dir / "back.gif").string() + " --fps 12", &out) == 0);
  CHECK(count_frames(dir / "back.gif") == 24);

  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "sound.flac").string() + " --sample-rate 16000 --channels 1", &out) == 0);
  const media::Audio sound = media::read_audio(dir / "sound.flac");
  CHECK(sound.sample_rate == 16000);
  CHECK(sound.channels == 1);
  CHECK(sound.seconds() == Approx(2.0).margin(0.05));

  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "silent.mp4").string() + " --no-audio", &out) == 0);
  CHECK_FALSE(media::VideoReader(dir / "silent.mp4").info().has_audio);
  REQUIRE(test::run_jielong("convert " + (dir / "silent.mp4").string() + " -o " + (dir / "dubbed.webm").string() +
                            " --audio " + (dir / "sound.flac").string(), &out) == 0);
  CHECK(media::VideoReader(dir / "dubbed.webm").info().has_audio);

  REQUIRE(test::run_jielong("convert " + a + " -o " + (dir / "still.png").string() + " --start 1", &out) == 0);
  CHECK(media::read_image(dir / "still.png").width() == 96);
}

TEST_CASE("convert: each bad input exits non-zero with one clear line and leaves nothing behind", "[cli]") {
  test::TempDir dir;
  write_clip(dir / "a.mp4", 6, 12, false);
  media::write_image(dir / "a.png", {test::test_pattern(32, 32), {}});
  test::write_text_file(dir / "text.wav", "RIFF? no, just text\n");
  test::write_text_file(dir / "text.mp4", "not a video at all\n");
  test::write_text_file(dir / "empty.png", "");
  const std::string d = dir.path().string() + "/";

  struct Case { std::string args; int code; std::string says; };
  const std::vector<Case> cases = {
      {"convert " + d + "missing.mp4 -o " + d + "x.webm", 1, "missing.mp4"},
      {"convert " + d + "empty.png -o " + d + "x.jpg", 1, "empty"},
      {"convert " + d + "text.wav -o " + d + "x.flac", 1, "text.wav"},
      {"convert " + d + "text.mp4 -o " + d + "x.webm", 1, "text.mp4"},
      {"convert " + d + "a.png -o " + d + "a.png", 1, "--overwrite"},
      {"convert " + d + "a.mp4 -o " + d + "x.unknown", 2, "unknown output type"},
      {"convert " + d + "a.mp4 -o " + d + "x.mp4 --start 99", 2, "past the end"},
      {"convert " + d + "a.png -o " + d + "x.wav", 2, "no audio"},
      {"convert " + d + "a.mp4 -o " + d + "x.mp4 --max-pixels 100", 1, "limit"},
      {"convert " + d + "a.mp4 -o " + d + "x.mp4 --width 33 --height 33", 1, "even"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // The section name must not contain the temp folder: it changes on every run of the test case.
    DYNAMIC_SECTION("case " << i << ": " << c.says) {
      INFO(c.args);
      std::string out;
      CHECK(test::run_jielong(c.args, &out) == c.code);
      CHECK(test::count_lines(out) == 1);
      CHECK_THAT(out, StartsWith("jielong: ") && Contains(c.says));
    }
  }
  // Nothing half-written: only the inputs are in the folder.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 5);
}

TEST_CASE("SIGTERM stops a long convert with exit 130 and leaves nothing behind", "[cli]") {
  test::TempDir dir;
  {
    media::VideoWriteOptions options;
    options.fps = 30;
    media::VideoWriter writer(dir / "long.mp4", 320, 240, options);
    std::vector<cv::Mat> patterns;
    for (int i = 0; i < 8; ++i) patterns.push_back(test::test_pattern(320, 240, i));
    for (int i = 0; i < 600; ++i) writer.write(patterns[i % 8]);  // 20 s: VP9 takes far longer than 1 s here
    writer.close();
  }
  const std::string in = (dir / "long.mp4").string(), out = (dir / "long.webm").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl(JL_BINARY, "jielong", "convert", in.c_str(), "-o", out.c_str(), "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Signal once it is writing (its temporary output exists): a fixed delay raced the program's start
  // when the suite ran tests side by side, and SIGTERM came before its handler.
  auto entries = [&] { return std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()); };
  for (int waited = 0; entries() < 2 && waited < 600; ++waited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  size_t files = 0;
  for (auto it = fs::directory_iterator(dir.path()); it != fs::directory_iterator(); ++it) ++files;
  CHECK(files == 1);  // the input only: no output, no temporary file
}

TEST_CASE("studio without a display: one line that says what to do, exit 1", "[cli]") {
  test::TempDir dir;
  std::string out;
  const int code = test::run_shell("env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(JL_BINARY) + " studio --config-dir '" +
                                       (dir / "config").string() + "' 2>&1",
                                   &out);
  CHECK(code == 1);
  CHECK(test::count_lines(out) == 1);
  CHECK_THAT(out, Catch::Contains("cannot open the studio's window") && Catch::Contains("xvfb-run"));
}
