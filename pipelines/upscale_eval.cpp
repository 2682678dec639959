#include "pipelines/upscale_eval.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "media_io/image.h"
#include "media_io/media_kind.h"
#include "world/holdout.h"
#include "world/judge.h"
#include "world/render.h"
#include "world/sampler.h"

namespace jl {
namespace {

// Y of BT.601 YCbCr from 8-bit RGB, as float (the convention of super-resolution papers).
cv::Mat luma(const cv::Mat& rgb) {
  cv::Mat f;
  rgb.convertTo(f, CV_32FC3);
  std::vector<cv::Mat> c;
  cv::split(f, c);
  return 16 + (65.481 * c[0] + 128.553 * c[1] + 24.966 * c[2]) / 255.0;
}

double ssim(const cv::Mat& a, const cv::Mat& b) {
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  auto blur = [](const cv::Mat& m) {
    cv::Mat out;
    cv::GaussianBlur(m, out, cv::Size(11, 11), 1.5);
    return out;
  };
  const cv::Mat mu_a = blur(a), mu_b = blur(b);
  const cv::Mat aa = blur(a.mul(a)) - mu_a.mul(mu_a), bb = blur(b.mul(b)) - mu_b.mul(mu_b), ab = blur(a.mul(b)) - mu_a.mul(mu_b);
  cv::Mat num = (2 * mu_a.mul(mu_b) + c1).mul(2 * ab + c2);
  cv::Mat den = (mu_a.mul(mu_a) + mu_b.mul(mu_b) + c1).mul(aa + bb + c2);
  cv::Mat map;
  cv::divide(num, den, map);
  // Only where the whole window lies inside the picture.
  const cv::Rect inner(5, 5, std::max(1, a.cols - 10), std::max(1, a.rows - 10));
  return cv::mean(map(inner & cv::Rect(0, 0, a.cols, a.rows)))[0];
}

}  // namespace

UpscaleScore luma_scores(const cv::Mat& a_rgb, const cv::Mat& b_rgb, int border) {
  if (a_rgb.size() != b_rgb.size()) throw Error("upscale eval: pictures of different sizes");
  const cv::Rect inner(border, border, a_rgb.cols - 2 * border, a_rgb.rows - 2 * border);
  const cv::Mat ya = luma(a_rgb)(inner), yb = luma(b_rgb)(inner);
  cv::Mat d = ya - yb;
  const double mse = cv::mean(d.mul(d))[0];
  UpscaleScore s;
  s.psnr = mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99;
  s.ssim = ssim(ya.clone(), yb.clone());
  return s;
}

UpscaleScore score_upscaler(const cv::Mat& photo, const Upscaler& upscaler, int crop) {
  const int s = upscaler.scale();
  const int side = std::min({crop, photo.cols, photo.rows}) / s * s;
  if (side < 4 * s) throw Error("upscale eval: the photo is too small for x" + std::to_string(s));
  const cv::Mat truth = photo(cv::Rect((photo.cols - side) / 2, (photo.rows - side) / 2, side, side)).clone();
  cv::Mat small;
  cv::resize(truth, small, cv::Size(side / s, side / s), 0, 0, cv::INTER_AREA);
  return luma_scores(upscale_picture(small, upscaler, 0, 0), truth, s);
}

PhotoEvaluation evaluate_on_photos(const std::vector<cv::Mat>& photos, const Upscaler& upscaler, int crop) {
  PhotoEvaluation e;
  for (const cv::Mat& photo : photos) {
    const UpscaleScore s = score_upscaler(photo, upscaler, crop);
    e.psnr += s.psnr;
    e.ssim += s.ssim;
    ++e.photos;
  }
  if (e.photos) {
    e.psnr /= e.photos;
    e.ssim /= e.photos;
  }
  return e;
}

WorldEvaluation evaluate_on_holdout_scenes(const Upscaler& upscaler, int count) {
  constexpr int kSide = 64;  // the generators' canvas
  const auto& specs = world::holdout_images();
  world::Rng rng(12345);
  WorldEvaluation e;
  int passed = 0;
  for (; e.count < count && e.count < int(specs.size()); ++e.count) {
    const world::Scene scene = world::layout(specs[size_t(e.count)], rng);
    const cv::Mat large = world::render(scene, kSide * upscaler.scale());
    const cv::Mat up = upscale_picture(world::render(scene, kSide), upscaler, 0, 0);
    e.psnr += cv::PSNR(up, large);
    passed += world::judge_image(up, specs[size_t(e.count)]).pass;
  }
  if (e.count) {
    e.psnr /= e.count;
    e.judge_pass = double(passed) / e.count;
  }
  return e;
}

std::vector<std::filesystem::path> pictures_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
    if (entry.is_regular_file() && media::is_image_extension(media::lower_extension(entry.path()))) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(folder.string() + ": no pictures here (.png, .jpg, .webp, ...)");
  return files;
}

}  // namespace jl
