#include "world/perturb.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"

namespace jl::world {

// The degradations are applied in the order a generator's output would meet them: optical softness
// (blur), then the tone curve (gain and offset, one draw per image shared by all channels, so that
// they do not shift hues), then sensor-like noise (independent per pixel and channel), then the 8-bit
// quantization and the JPEG codec. Every draw comes from the caller's Rng, so a seed reproduces the
// exact bytes.
cv::Mat perturb(const cv::Mat& rgb, Rng& rng) {
  if (rgb.empty() || rgb.type() != CV_8UC3)
    throw Error("perturb: expected an 8-bit RGB image (CV_8UC3), got type " + std::to_string(rgb.type()) +
                " of size " + std::to_string(rgb.cols) + "x" + std::to_string(rgb.rows));
  const double side = std::min(rgb.cols, rgb.rows);
  const double blur_sigma = rng.uniform(0.0, 0.6) * side / 64.0;
  const double noise_sigma = rng.uniform(0.0, 6.0);  // in 8-bit steps: 6/255 of full scale
  const double gain = rng.uniform(0.95, 1.05);
  const double offset = rng.uniform(-10.0, 10.0);    // 8-bit steps: +-10/255 of full scale
  const int quality = 70 + rng.below(31);             // 70..100 inclusive

  cv::Mat f;
  rgb.convertTo(f, CV_32FC3);
  // Below ~0.1 px the kernel is a delta to within rounding; skipping saves the filter pass.
  if (blur_sigma > 0.1) cv::GaussianBlur(f, f, cv::Size(0, 0), blur_sigma, blur_sigma, cv::BORDER_REFLECT);
  f = f * gain + cv::Scalar::all(offset);
  for (int y = 0; y < f.rows; ++y) {
    float* row = f.ptr<float>(y);
    for (int i = 0; i < 3 * f.cols; ++i) row[i] += float(noise_sigma * rng.normal());
  }
  cv::Mat bgr;
  f.convertTo(bgr, CV_8UC3);  // rounds and saturates
  cv::cvtColor(bgr, bgr, cv::COLOR_RGB2BGR);  // OpenCV's codecs take BGR

  std::vector<uchar> jpeg;
  if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality}))
    throw Error("perturb: OpenCV could not encode JPEG; check that OpenCV was built with libjpeg");
  cv::Mat decoded = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  if (decoded.empty()) throw Error("perturb: OpenCV could not decode its own JPEG; check the OpenCV install");
  cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
  return decoded;
}

}  // namespace jl::world
