#include "media_io/palette.h"

#include <algorithm>
#include <array>
#include <random>

#include "core/error.h"

namespace jl::media {

namespace {

using Color = std::array<uint8_t, 3>;

// Enough pixels for a stable palette, few enough that k-means over 256 colors stays fast.
constexpr size_t kMaxSamples = 1 << 16;
constexpr int kKMeansPasses = 4;

std::vector<Color> sample_pixels(const std::vector<cv::Mat>& frames) {
  size_t total = 0;
  for (const cv::Mat& f : frames) total += f.total();
  std::vector<Color> samples;
  auto pixel = [&](size_t i) {
    for (const cv::Mat& f : frames) {
      if (i < f.total()) {
        const auto& p = f.at<cv::Vec3b>(int(i / size_t(f.cols)), int(i % size_t(f.cols)));
        return Color{p[0], p[1], p[2]};
      }
      i -= f.total();
    }
    return Color{0, 0, 0};
  };
  if (total <= kMaxSamples) {
    samples.reserve(total);
    for (const cv::Mat& f : frames)
      for (int y = 0; y < f.rows; ++y)
        for (int x = 0; x < f.cols; ++x) {
          const auto& p = f.at<cv::Vec3b>(y, x);
          samples.push_back({p[0], p[1], p[2]});
        }
    return samples;
  }
  // Random rather than strided positions: a stride can beat against the picture's width and sample
  // the same few columns. A fixed seed keeps the palette deterministic.
  std::mt19937_64 rng(20240601);
  samples.reserve(kMaxSamples);
  for (size_t k = 0; k < kMaxSamples; ++k) samples.push_back(pixel(size_t(rng() % total)));
  return samples;
}

struct Box {
  size_t begin, end;
  int channel = 0;     // the widest channel
  int range = 0;       // its extent
};

Box measure(std::vector<Color>& samples, size_t begin, size_t end) {
  Color lo{255, 255, 255}, hi{0, 0, 0};
  for (size_t i = begin; i < end; ++i)
    for (int c = 0; c < 3; ++c) {
      lo[c] = std::min(lo[c], samples[i][c]);
      hi[c] = std::max(hi[c], samples[i][c]);
    }
  Box box{begin, end};
  for (int c = 0; c < 3; ++c)
    if (hi[c] - lo[c] > box.range) {
      box.range = hi[c] - lo[c];
      box.channel = c;
    }
  return box;
}

int squared_distance(const cv::Vec3b& a, int r, int g, int b) {
  const int dr = a[0] - r, dg = a[1] - g, db = a[2] - b;
  return dr * dr + dg * dg + db * db;
}

int nearest_index(const std::vector<cv::Vec3b>& palette, int r, int g, int b) {
  int best = 0, best_d = 1 << 30;
  for (size_t i = 0; i < palette.size(); ++i) {
    const int d = squared_distance(palette[i], r, g, b);
    if (d < best_d) {
      best_d = d;
      best = int(i);
    }
  }
  return best;
}

}  // namespace

std::vector<cv::Vec3b> build_palette(const std::vector<cv::Mat>& frames, int max_colors) {
  if (max_colors < 1 || max_colors > 256) throw Error("build_palette: max_colors must be 1..256");
  std::vector<Color> samples = sample_pixels(frames);
  if (samples.empty()) return {cv::Vec3b(0, 0, 0)};

  // Median cut: split the box with the largest count * range^2 (a proxy for its squared error) at
  // the median of its widest channel, until there are enough boxes or none can be split.
  std::vector<Box> boxes{measure(samples, 0, samples.size())};
  while (int(boxes.size()) < max_colors) {
    auto score = [](const Box& b) { return double(b.end - b.begin) * b.range * b.range; };
    auto it = std::max_element(boxes.begin(), boxes.end(),
                               [&](const Box& a, const Box& b) { return score(a) < score(b); });
    if (it->range == 0) break;  // every box holds a single color
    const Box box = *it;
    const size_t mid = box.begin + (box.end - box.begin) / 2;
    std::nth_element(samples.begin() + long(box.begin), samples.begin() + long(mid),
                     samples.begin() + long(box.end),
                     [c = box.channel](const Color& a, const Color& b) { return a[c] < b[c]; });
    *it = measure(samples, box.begin, mid);
    boxes.push_back(measure(samples, mid, box.end));
  }
  std::vector<cv::Vec3b> palette;
  for (const Box& b : boxes) {
    std::array<double, 3> sum{};
    for (size_t i = b.begin; i < b.end; ++i)
      for (int c = 0; c < 3; ++c) sum[c] += samples[i][c];
    const double n = double(b.end - b.begin);
    palette.emplace_back(cv::saturate_cast<uint8_t>(sum[0] / n), cv::saturate_cast<uint8_t>(sum[1] / n),
                         cv::saturate_cast<uint8_t>(sum[2] / n));
  }

  // k-means (Lloyd) passes: median cut boxes are axis-aligned; moving each color to the mean of the
  // pixels nearest to it lowers the error noticeably on smooth gradients.
  for (int pass = 0; pass < kKMeansPasses; ++pass) {
    std::vector<std::array<double, 4>> acc(palette.size(), {0, 0, 0, 0});
    for (const Color& s : samples) {
      auto& a = acc[size_t(nearest_index(palette, s[0], s[1], s[2]))];
      a[0] += s[0];
      a[1] += s[1];
      a[2] += s[2];
      a[3] += 1;
    }
    for (size_t i = 0; i < palette.size(); ++i)
      if (acc[i][3] > 0)
        for (int c = 0; c < 3; ++c) palette[i][c] = cv::saturate_cast<uint8_t>(acc[i][c] / acc[i][3]);
  }
  return palette;
}

PaletteMapper::PaletteMapper(std::vector<cv::Vec3b> palette)
    : palette_(std::move(palette)), cache_(size_t(1) << 18, int16_t(-1)) {
  if (palette_.empty() || palette_.size() > 256) throw Error("PaletteMapper: palette must hold 1..256 colors");
}

uint8_t PaletteMapper::nearest(int r, int g, int b) const {
  return uint8_t(nearest_index(palette_, r, g, b));
}

void PaletteMapper::map(const cv::Mat& rgb, uint8_t* dst, int stride) {
  for (int y = 0; y < rgb.rows; ++y) {
    const cv::Vec3b* row = rgb.ptr<cv::Vec3b>(y);
    uint8_t* out = dst + ptrdiff_t(y) * stride;
    for (int x = 0; x < rgb.cols; ++x) {
      const int r = row[x][0] >> 2, g = row[x][1] >> 2, b = row[x][2] >> 2;
      int16_t& cell = cache_[size_t(r << 12 | g << 6 | b)];
      // The cell's center stands for all 64 colors in it.
      if (cell < 0) cell = nearest(r * 4 + 2, g * 4 + 2, b * 4 + 2);
      out[x] = uint8_t(cell);
    }
  }
}

}  // namespace jl::media
