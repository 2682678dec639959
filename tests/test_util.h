// Helpers shared by the test files: a temporary folder per test, synthetic media, and quality metrics.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "media_io/audio.h"

namespace jl::test {

namespace fs = std::filesystem;

// A fresh empty folder under the system temp dir, removed (with its contents) at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// A smooth, colorful test picture (gradients and soft blobs), CV_8UC3 RGB, different for each `seed`.
// Smooth content makes PSNR thresholds of lossy codecs meaningful.
cv::Mat test_pattern(int width, int height, int seed = 0);

// A sum of sines, `channels` channels, amplitude <= 0.5, quantized to 16-bit steps so that 16-bit
// formats can round-trip it exactly.
media::Audio test_tone(int sample_rate, int channels, double seconds);

// Every frame of a video (or frame sequence) and, when asked, its presentation time in seconds.
std::vector<cv::Mat> read_video_frames(const fs::path& path, std::vector<double>* times = nullptr);

// PSNR in dB between two images of the same size and type (8-bit: peak 255, 16-bit: peak 65535).
double psnr(const cv::Mat& a, const cv::Mat& b);

void write_text_file(const fs::path& path, const std::string& content);
std::string read_text_file(const fs::path& path);

// The message of the jl::Error `f` throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

// Lines in a command's output: an error must be exactly one.
int count_lines(const std::string& text);

// The last line of a command's output that is a JSON object (the result event with --json).
nlohmann::json last_json(const std::string& output);

// Runs the jielong binary with `args` (a shell-quoted string); returns the exit code and fills
// `output` with stdout and stderr together.
int run_jielong(const std::string& args, std::string* output = nullptr);
// Runs a shell command; its exit code, and what it wrote to stdout in `output`.
int run_shell(const std::string& command, std::string* output = nullptr);

// Festival's teacher voice (cmu_us_slt_arctic_hts, from scripts/install-deps.sh) saying `text` into
// `wav`, 16 kHz mono; false when text2wave failed.
bool festival_say(const std::string& text, const fs::path& wav);

}  // namespace jl::test
