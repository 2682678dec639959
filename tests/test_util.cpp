#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "media_io/video.h"

namespace jl::test {

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "jl-test-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

cv::Mat test_pattern(int width, int height, int seed) {
  cv::Mat img(height, width, CV_8UC3);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double fx = 1 + 2 * u(rng), fy = 1 + 2 * u(rng), phase = 6.28 * u(rng);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double sx = double(x) / width, sy = double(y) / height;
      auto& p = img.at<cv::Vec3b>(y, x);
      p[0] = cv::saturate_cast<uchar>(40 + 180 * sx);
      p[1] = cv::saturate_cast<uchar>(128 + 90 * std::sin(6.28 * fx * sx + phase) * std::cos(3.14 * fy * sy));
      p[2] = cv::saturate_cast<uchar>(40 + 180 * sy);
    }
  }
  for (int i = 0; i < 3; ++i) {
    cv::Mat blob = cv::Mat::zeros(height, width, CV_8UC3);
    cv::circle(blob, {int(u(rng) * width), int(u(rng) * height)}, int((0.1 + 0.15 * u(rng)) * width),
               cv::Scalar(255 * u(rng), 255 * u(rng), 255 * u(rng)), cv::FILLED, cv::LINE_AA);
    cv::GaussianBlur(blob, blob, {0, 0}, 0.02 * width + 1);
    cv::addWeighted(img, 1.0, blob, 0.5, 0, img);
  }
  return img;
}

media::Audio test_tone(int sample_rate, int channels, double seconds) {
  media::Audio audio;
  audio.sample_rate = sample_rate;
  audio.channels = channels;
  const int64_t n = std::llround(seconds * sample_rate);
  audio.samples.resize(size_t(n) * channels);
  for (int64_t i = 0; i < n; ++i) {
    const double t = double(i) / sample_rate;
    for (int c = 0; c < channels; ++c) {
      const double v = 0.3 * std::sin(2 * M_PI * (220.0 * (c + 1)) * t) +
                       0.15 * std::sin(2 * M_PI * 1234.5 * t + c);
      audio.samples[size_t(i) * channels + c] = float(std::lround(v * 32768.0) / 32768.0);
    }
  }
  return audio;
}

std::vector<cv::Mat> read_video_frames(const fs::path& path, std::vector<double>* times) {
  media::VideoReader reader(path);
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  double t = 0;
  while (reader.read(frame, &t)) {
    frames.push_back(frame.clone());
    if (times) times->push_back(t);
  }
  return frames;
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) throw std::runtime_error("psnr: size/type mismatch");
  const double peak = a.depth() == CV_16U ? 65535.0 : 255.0;
  cv::Mat da, db;
  a.convertTo(da, CV_64F);
  b.convertTo(db, CV_64F);
  const cv::Mat diff = da - db;
  const cv::Scalar sq = cv::sum(diff.mul(diff));
  const double mse = (sq[0] + sq[1] + sq[2] + sq[3]) / double(diff.total() * diff.channels());
  if (mse <= 1e-12) return 200.0;
  return 10.0 * std::log10(peak * peak / mse);
}

void write_text_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json last_json(const std::string& output) {
  nlohmann::json last;
  std::stringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = nlohmann::json::parse(line);
  return last;
}

int count_lines(const std::string& text) { return int(std::count(text.begin(), text.end(), '\n')); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

int run_jielong(const std::string& args, std::string* output) { return run_shell(std::string(JL_BINARY) + " " + args + " 2>&1", output); }

int run_shell(const std::string& command, std::string* output) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::string text;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool festival_say(const std::string& text, const fs::path& wav) {
  write_text_file(wav.string() + ".txt", text + "\n");
  const std::string command = "text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -F 16000 -o '" + wav.string() + "' '" +
                              wav.string() + ".txt' 2>/dev/null";
  const bool said = std::system(command.c_str()) == 0;
  fs::remove(wav.string() + ".txt");
  return said;
}

}  // namespace jl::test
