// Parity and speed of the TF.js importer against UpscalerJS's own runtime: every @upscalerjs model
// (slim, medium, thick at x2, x3, x4, x8) runs on the same picture here (libtorch) and in Node
// (@tensorflow/tfjs with the WASM backend, bench/upscalerjs/run_tfjs.mjs); the outputs are compared
// (PSNR over 0..255, clamped as a picture is) and the prediction times set side by side.
//   bench_upscalerjs PICTURE [SIDE] [MODELS...]     (PICTURE is cut to its central SIDE x SIDE, default 64)
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "media_io/image.h"
#include "models/model_store.h"
#include "models/runtime.h"
#include "pipelines/upscale.h"

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

}  // namespace

int main(int argc, char** argv) {
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
  const fs::path runner = fs::path(JL_SOURCE_DIR) / "bench" / "upscalerjs" / "run_tfjs.mjs";
  models::ModelStore store;

  std::printf("%-8s %5s %10s %12s %12s %8s\n", "model", "scale", "PSNR dB", "ours s", "tfjs-wasm s", "ratio");
  for (const std::string& name : names)
    for (int scale : {2, 3, 4, 8}) {
      const auto upscaler = load_upscaler(name, scale, store);
      const double range = upscalerjs_input_range(name);
      cv::Mat ranged = input * range;
      write_floats(work / "in.f32", ranged);
      upscaler->run(input);  // warm-up
      double ours = 1e9;
      cv::Mat mine;
      for (int i = 0; i < 3; ++i) {
        const auto t = Clock::now();
        mine = upscaler->run(input);
        ours = std::min(ours, std::chrono::duration<double>(Clock::now() - t).count());
      }
      const fs::path model = upscalerjs_model_file(name, scale);
      const std::string command = "node '" + runner.string() + "' '" + model.string() + "' '" + (work / "in.f32").string() + "' " +
                                  std::to_string(side) + " " + std::to_string(side) + " '" + (work / "out.f32").string() +
                                  "' 3 > '" + (work / "node.json").string() + "'";
      if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "node failed for %s x%d (run `npm install` in bench/upscalerjs)\n", name.c_str(), scale);
        return 1;
      }
      std::ifstream report(work / "node.json");
      const nlohmann::json node = nlohmann::json::parse(report);
      const cv::Mat theirs = read_floats(work / "out.f32", side * scale, side * scale) / range;
      const double theirs_s = node["seconds"].get<double>();
      std::printf("%-8s %5d %10.2f %12.4f %12.4f %7.2fx\n", name.c_str(), scale, psnr(mine, theirs), ours, theirs_s, theirs_s / ours);
      std::fflush(stdout);
    }
  fs::remove_all(work);
  return 0;
}
