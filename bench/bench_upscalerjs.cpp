// The upscalers against UpscalerJS's own runtime and against the machine:
//  1. parity and prediction speed: every @upscalerjs model (slim, medium, thick at x2, x3, x4, x8) on the
//     same picture here (models/tfjs_model, without libtorch) and in Node (@tensorflow/tfjs with the WASM backend,
//     bench/upscalerjs/run_tfjs.mjs); outputs compared (PSNR over 0..255, clamped as a picture is),
//     prediction times side by side, and ours as output megapixels per second and convolution GFLOP/s
//     against the machine's 3x3 convolution throughput measured in the same run;
//  2. the whole process, as a user runs it, on the central 2*SIDE and 4*SIDE squares (on the smaller,
//     each process's start-up is most of the time; the larger is nearer a photo): `jielong upscale
//     in.png -o out.png` against bench/upscalerjs/upscale_png.mjs (start Node, load the model, read the
//     PNG, predict, write);
//  3. our own upscalers (photo, world): megapixels per second and GFLOP/s.
//   bench_upscalerjs PICTURE [SIDE] [MODELS...]     (PICTURE is cut to its central SIDE x SIDE, default 64)
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "bench/bench_util.h"
#include "media_io/image.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/net_upscaler.h"

using namespace jl;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

void write_floats(const fs::path& path, const cv::Mat& m) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(m.ptr<float>()), std::streamsize(m.total() * m.elemSize()));
}

cv::Mat read_floats(const fs::path& path, int rows, int cols) {
  cv::Mat m(rows, cols, CV_32FC3);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(m.ptr<float>()), std::streamsize(m.total() * m.elemSize()));
  if (in.gcount() != std::streamsize(m.total() * m.elemSize())) throw std::runtime_error("short output from node: " + path.string());
  return m;
}

// PSNR of two pictures in 0..1, clamped and measured over 0..255 as the written pictures would be.
double psnr(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat a8, b8;
  a.convertTo(a8, CV_8UC3, 255);
  b.convertTo(b8, CV_8UC3, 255);
  return cv::PSNR(a8, b8);
}

// Best wall time of `reps` runs of a shell command; throws with `what` when it fails.
double best_run_seconds(const std::string& command, int reps, const std::string& what) {
  double best = 1e9;
  for (int i = 0; i < reps; ++i) {
    const auto t = Clock::now();
    if (std::system(command.c_str()) != 0) throw std::runtime_error(what + " failed: " + command);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
  }
  return best;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_upscalerjs PICTURE [SIDE] [MODELS...]\n");
    return 2;
  }
  set_threads(0);
  const int side = argc > 2 ? std::atoi(argv[2]) : 64;
  std::vector<std::string> names = {"slim", "medium", "thick"};
  if (argc > 3) names.assign(argv + 3, argv + argc);
  const cv::Mat photo = media::to_rgb8(media::read_image(argv[1])).pixels;
  const cv::Rect crop((photo.cols - side) / 2, (photo.rows - side) / 2, side, side);
  cv::Mat input;
  photo(crop).convertTo(input, CV_32FC3, 1.0 / 255);
  const fs::path work = fs::temp_directory_path() / ("jl-bench-upscalerjs-" + std::to_string(::getpid()));
  fs::create_directories(work);
  const fs::path node_dir = fs::path(JL_SOURCE_DIR) / "bench" / "upscalerjs";
  const fs::path jielong = fs::path(JL_BINARY_DIR) / "studio" / "jielong";
  models::ModelStore store;
  const double conv_peak = bench::conv3x3_gflops();
  std::printf("machine: 3x3 convolution 64->64 channels at %.1f GFLOP/s on %d threads (same run)\n\n", conv_peak, threads());

  std::printf("1. prediction, %dx%d input, model loaded (best of 3)\n", side, side);
  std::printf("%-8s %5s %9s %9s %11s %7s %8s %8s %7s\n", "model", "scale", "PSNR dB", "ours s", "tfjs-wasm s", "faster",
              "out MP/s", "GFLOP/s", "of conv");
  for (const std::string& name : names)
    for (int scale : {2, 3, 4, 8}) {
      const auto upscaler = load_upscaler(name, scale, store);
      const double range = upscalerjs_input_range(name);
      write_floats(work / "in.f32", input * range);
      cv::Mat mine;
      const double ours = bench::best_seconds_per_call([&] { mine = upscaler->run(input); }, 3);
      const std::string command = "node " + quoted(node_dir / "run_tfjs.mjs") + " " + quoted(upscalerjs_model_file(name, scale)) +
                                  " " + quoted(work / "in.f32") + " " + std::to_string(side) + " " + std::to_string(side) + " " +
                                  quoted(work / "out.f32") + " 3 > " + quoted(work / "node.json");
      if (std::system(command.c_str()) != 0)
        throw std::runtime_error("node failed for " + name + " x" + std::to_string(scale) + " (run `npm install` in bench/upscalerjs)");
      const nlohmann::json node = nlohmann::json::parse(std::ifstream(work / "node.json"));
      const cv::Mat theirs = read_floats(work / "out.f32", side * scale, side * scale) / range;
      const double theirs_s = node["seconds"].get<double>();
      const double gflops = upscaler->flops_per_pixel() * side * side / ours / 1e9;
      std::printf("%-8s %5d %9.2f %9.4f %11.4f %6.2fx %8.3f %8.1f %6.0f%%\n", name.c_str(), scale, psnr(mine, theirs), ours,
                  theirs_s, theirs_s / ours, double(side * scale) * (side * scale) / 1e6 / ours, gflops, 100 * gflops / conv_peak);
      std::fflush(stdout);
    }

  for (const int multiple : {2, 4}) {
    const int process_side = std::min({multiple * side, photo.cols, photo.rows});
    media::Image whole;
    whole.pixels = photo(cv::Rect((photo.cols - process_side) / 2, (photo.rows - process_side) / 2, process_side, process_side)).clone();
    const fs::path in = work / ("in-" + std::to_string(process_side) + ".png");
    media::write_image(in, whole);
    std::printf("\n2. whole process, %dx%d PNG: start, load, read, upscale, write (best of 2 wall times)\n", process_side,
                process_side);
    std::printf("%-8s %5s %10s %12s %7s %9s\n", "model", "scale", "jielong s", "upscalerjs s", "faster", "PSNR dB");
    for (const std::string& name : names)
      for (int scale : {2, 3, 4, 8}) {
        const std::string ours_cmd = quoted(jielong) + " -q --overwrite upscale " + quoted(in) + " -o " +
                                     quoted(work / "ours.png") + " --model " + name + " --scale " + std::to_string(scale);
        const std::string theirs_cmd = "node " + quoted(node_dir / "upscale_png.mjs") + " " +
                                       quoted(upscalerjs_model_file(name, scale)) + " " +
                                       std::to_string(upscalerjs_input_range(name)) + " " + quoted(in) + " " +
                                       quoted(work / "theirs.png");
        const double ours = best_run_seconds(ours_cmd, 2, "jielong upscale");
        const double theirs = best_run_seconds(theirs_cmd, 2, "node upscale_png.mjs");
        const double agreement = cv::PSNR(media::to_rgb8(media::read_image(work / "ours.png")).pixels,
                                          media::to_rgb8(media::read_image(work / "theirs.png")).pixels);
        std::printf("%-8s %5d %10.3f %12.3f %6.2fx %9.1f\n", name.c_str(), scale, ours, theirs, theirs / ours, agreement);
        std::fflush(stdout);
      }
  }

  std::printf("\n3. our own upscalers: prediction, %dx%d input (best of 3)\n", side, side);
  std::printf("%-8s %5s %9s %8s %8s %7s\n", "model", "scale", "seconds", "out MP/s", "GFLOP/s", "of conv");
  for (const auto& [name, scale] : std::vector<std::pair<std::string, int>>{{"photo", 2}, {"photo", 4}, {"world", 4}}) {
    std::shared_ptr<const Upscaler> upscaler;
    try {
      upscaler = load_upscaler(name, scale, store);
    } catch (const std::exception& e) {
      std::printf("%-8s %5d   (not available: %s)\n", name.c_str(), scale, e.what());
      continue;
    }
    const double seconds = bench::best_seconds_per_call([&] { upscaler->run(input); }, 3);
    const double gflops = upscaler->flops_per_pixel() * side * side / seconds / 1e9;
    std::printf("%-8s %5d %9.4f %8.3f %8.1f %6.0f%%\n", name.c_str(), scale, seconds,
                double(side * scale) * (side * scale) / 1e6 / seconds, gflops, 100 * gflops / conv_peak);
  }
  fs::remove_all(work);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_upscalerjs: %s\n", e.what());
  return 1;
}
