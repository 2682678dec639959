// Color quantization for GIF output: one palette for a whole clip (median cut on a sample of its
// pixels, refined by a few k-means passes), and a fast pixel -> palette index mapping. One palette for
// all frames avoids the flicker per-frame palettes cause and lets GIF store it once.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace jl::media {

// Up to `max_colors` RGB colors representing the pixels of `frames` (CV_8UC3). Deterministic: the
// same frames give the same palette. A clip with at most `max_colors` distinct colors (that all land
// in the sample) is represented exactly.
std::vector<cv::Vec3b> build_palette(const std::vector<cv::Mat>& frames, int max_colors = 256);

// Maps RGB pixels to the index of their nearest palette color. Nearest colors are computed once per
// cell of a 64x64x64 grid and cached, so a frame costs a table lookup per pixel.
class PaletteMapper {
 public:
  explicit PaletteMapper(std::vector<cv::Vec3b> palette);
  // Writes one index per pixel of `rgb` (CV_8UC3) into `dst`, rows `stride` bytes apart.
  void map(const cv::Mat& rgb, uint8_t* dst, int stride);
  const std::vector<cv::Vec3b>& palette() const { return palette_; }

 private:
  uint8_t nearest(int r, int g, int b) const;

  std::vector<cv::Vec3b> palette_;
  std::vector<int16_t> cache_;  // 1 << 18 cells, -1 = not computed yet
};

}  // namespace jl::media
