#include <catch2/catch.hpp>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "test_util.h"
#include "world/perturb.h"
#include "world/render.h"

using namespace jl::world;

namespace {

const double kPi = std::acos(-1.0);

// WORLD.md's shapes as areas in units of extent^2.
double analytic_area(Shape shape) {
  switch (shape) {
    case Shape::Circle: return kPi / 4;
    case Shape::Square: return 0.64;
    case Shape::Diamond: return 0.5;
    case Shape::Triangle: return 3 * std::sqrt(3.0) / 16;
    case Shape::Star: return 5 * 0.5 * (0.382 * 0.5) * std::sin(36 * kPi / 180);
    case Shape::Cross: return 5.0 / 9;
  }
  return 0;
}

// Perimeters in units of extent: the bound below on the supersampling's area error.
double analytic_perimeter(Shape shape) {
  const double radius = 0.5, inner = 0.382 * radius;
  switch (shape) {
    case Shape::Circle: return kPi;
    case Shape::Square: return 3.2;
    case Shape::Diamond: return 2 * std::sqrt(2.0);
    case Shape::Triangle: return 3 * std::sqrt(3.0) * radius;
    case Shape::Star: return 10 * std::sqrt(radius * radius + inner * inner - 2 * radius * inner * std::cos(36 * kPi / 180));
    case Shape::Cross: return 4;
  }
  return 0;
}

struct Moments {
  double area = 0, cx = 0, cy = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // bounding box of nonzero coverage, inclusive
};

// Pixel (x, y) is the unit square [x, x + 1) x [y, y + 1): its centre is at x + 0.5.
Moments moments_of(const cv::Mat& map) {
  Moments m;
  for (int y = 0; y < map.rows; ++y)
    for (int x = 0; x < map.cols; ++x) {
      const double a = map.at<float>(y, x);
      if (a <= 0) continue;
      m.area += a, m.cx += a * (x + 0.5), m.cy += a * (y + 0.5);
      m.x0 = std::min(m.x0, x), m.y0 = std::min(m.y0, y), m.x1 = std::max(m.x1, x), m.y1 = std::max(m.y1, y);
    }
  m.cx /= m.area, m.cy /= m.area;
  return m;
}

PlacedObject object(Shape shape, double cx, double cy, double extent, Color color = Color::Red) {
  PlacedObject o;
  o.shape = shape, o.color = color, o.cx = cx, o.cy = cy, o.extent = extent;
  return o;
}

const Shape kAllShapes[] = {Shape::Circle, Shape::Square, Shape::Diamond, Shape::Triangle, Shape::Star, Shape::Cross};

}  // namespace

TEST_CASE("each shape's area, centre and box match WORLD.md at N = 64, 128, 256", "[world]") {
  const double extents[] = {0.25, 0.42, 0.33};
  // Centres off the pixel grid as well as on it, so that the symmetric case does not hide a bias.
  const double centres[][2] = {{0.5, 0.5}, {0.31, 0.64}, {0.717, 0.373}};
  for (int n : {64, 128, 256})
    for (Shape shape : kAllShapes)
      for (double extent : extents)
        for (const auto& c : centres) {
          INFO(name_of(shape) << " N=" << n << " extent=" << extent << " centre=(" << c[0] << ", " << c[1] << ")");
          const Moments m = moments_of(coverage_map(object(shape, c[0], c[1], extent), n));
          const double e = extent * n, cx = c[0] * n, cy = c[1] * n;
          // 2%, or at small sizes what 4x4 samples can resolve: samples 1/4 px apart place an edge to
          // within 1/8 px (a 12.8 px square on the sample grid renders as 13 x 13, +3%).
          const double area = analytic_area(shape) * e * e;
          CHECK(m.area == Approx(area).margin(std::max(0.02 * area, analytic_perimeter(shape) * e / 8)));
          CHECK(m.cx == Approx(cx).margin(0.02 * e));
          CHECK(m.cy == Approx(cy).margin(0.02 * e));
          CHECK(m.x0 >= std::floor(cx - e / 2) - 1);
          CHECK(m.x1 <= std::floor(cx + e / 2) + 1);
          CHECK(m.y0 >= std::floor(cy - e / 2) - 1);
          CHECK(m.y1 <= std::floor(cy + e / 2) + 1);
        }
}

TEST_CASE("the star and the triangle point up, with the spec's vertical extents", "[world]") {
  const int n = 128;
  const double cx = 0.5, cy = 0.5, extent = 0.42, e = extent * n, radius = e / 2;
  const Moments star = moments_of(coverage_map(object(Shape::Star, cx, cy, extent), n));
  // Top point at cy - R; the two lower points at cy + R sin 54 degrees.
  CHECK(std::abs(star.y0 - (cy * n - radius)) <= 1.0);
  CHECK(std::abs(star.y1 + 1 - (cy * n + radius * std::sin(54 * kPi / 180))) <= 1.0);
  CHECK(std::abs(star.x1 + 1 - (cx * n + radius * std::cos(18 * kPi / 180))) <= 1.0);

  const cv::Mat tri = coverage_map(object(Shape::Triangle, cx, cy, extent), n);
  const Moments t = moments_of(tri);
  // Apex at cy - R, base at cy + R/2, base as wide as R * sqrt(3).
  CHECK(std::abs(t.y0 - (cy * n - radius)) <= 1.0);
  CHECK(std::abs(t.y1 + 1 - (cy * n + radius / 2)) <= 1.0);
  CHECK(std::abs((t.x1 - t.x0 + 1) - radius * std::sqrt(3.0)) <= 2.0);
  auto row_area = [&](int y) { return cv::sum(tri.row(y))[0]; };
  CHECK(row_area(t.y0 + 2) < 0.2 * row_area(t.y1 - 2));  // narrow at the top, wide at the bottom
}

TEST_CASE("coverage, coverage_map and render agree pixel for pixel", "[world]") {
  const int n = 64;
  Scene scene;
  scene.background = Background::Gray;
  for (Shape shape : kAllShapes) {
    INFO(name_of(shape));
    const PlacedObject o = object(shape, 0.47, 0.53, 0.4, Color::Yellow);
    scene.objects = {o};
    const cv::Mat map = coverage_map(o, n);
    const cv::Mat rgb = render(scene, n);
    const Rgb bg = rgb_of(Background::Gray), fg = rgb_of(Color::Yellow);
    int mismatches = 0;
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const float a = map.at<float>(y, x);
        if (coverage(o, x, y, n) != a) ++mismatches;
        const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
        const int expect[3] = {int(std::floor(bg.r * (1 - a) + fg.r * a + 0.5)),
                               int(std::floor(bg.g * (1 - a) + fg.g * a + 0.5)),
                               int(std::floor(bg.b * (1 - a) + fg.b * a + 0.5))};
        for (int ch = 0; ch < 3; ++ch)
          if (p[ch] != expect[ch]) ++mismatches;
      }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("renders use the exact palette inside and outside, intermediate only on edges", "[world]") {
  const int n = 64;
  Scene scene;
  scene.background = Background::White;
  scene.objects = {object(Shape::Circle, 0.3, 0.3, 0.42, Color::Blue), object(Shape::Square, 0.75, 0.75, 0.3, Color::Pink)};
  const cv::Mat rgb = render(scene, n);
  REQUIRE(rgb.type() == CV_8UC3);
  REQUIRE(rgb.size() == cv::Size(n, n));
  auto is = [&](int x, int y, Rgb c) {
    const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
  };
  CHECK(is(19, 19, rgb_of(Color::Blue)));   // the circle's centre (R, G, B order)
  CHECK(is(48, 48, rgb_of(Color::Pink)));
  CHECK(is(0, 63, rgb_of(Background::White)));
  CHECK(is(63, 0, rgb_of(Background::White)));
  // Every other pixel lies between the background and one object's color, channel by channel, and
  // there are edge pixels strictly between them.
  int edge = 0, other = 0;
  const Rgb bg = rgb_of(Background::White);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      if (is(x, y, bg) || is(x, y, rgb_of(Color::Blue)) || is(x, y, rgb_of(Color::Pink))) continue;
      const Rgb fg = x < 36 ? rgb_of(Color::Blue) : rgb_of(Color::Pink);
      const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
      const int lo[3] = {std::min(bg.r, fg.r), std::min(bg.g, fg.g), std::min(bg.b, fg.b)};
      const int hi[3] = {std::max(bg.r, fg.r), std::max(bg.g, fg.g), std::max(bg.b, fg.b)};
      bool between = true;
      for (int ch = 0; ch < 3; ++ch) between = between && p[ch] >= lo[ch] && p[ch] <= hi[ch];
      between ? ++edge : ++other;
    }
  CHECK(edge > 40);  // the circle alone has a ~85 px perimeter
  CHECK(other == 0);
}

TEST_CASE("render is deterministic and render_into reuses its buffer", "[world]") {
  Scene scene;
  scene.background = Background::Black;
  scene.objects = {object(Shape::Star, 0.4, 0.6, 0.42, Color::Orange)};
  const cv::Mat a = render(scene, 64), b = render(scene, 64);
  CHECK(cv::norm(a, b, cv::NORM_INF) == 0);

  cv::Mat buffer;
  render_into(scene, 64, buffer);
  const uchar* data = buffer.data;
  scene.objects[0].shape = Shape::Cross;
  render_into(scene, 64, buffer);
  CHECK(buffer.data == data);
  CHECK(cv::norm(buffer, render(scene, 64), cv::NORM_INF) == 0);
  CHECK(cv::norm(buffer, a, cv::NORM_INF) > 0);
  render_into(scene, 96, buffer);
  CHECK(buffer.size() == cv::Size(96, 96));

  VideoScene video(3, scene);
  video[1].objects[0].cx = 0.5;
  const auto frames = render_video(video, 64);
  REQUIRE(frames.size() == 3);
  CHECK(cv::norm(frames[0], frames[2], cv::NORM_INF) == 0);
  CHECK(cv::norm(frames[0], frames[1], cv::NORM_INF) > 0);

  CHECK_THROWS_AS(render(scene, 4), jl::Error);
}

TEST_CASE("perturb degrades within WORLD.md's ranges, deterministically per seed", "[world]") {
  Scene scene;
  scene.background = Background::Gray;
  scene.objects = {object(Shape::Triangle, 0.35, 0.4, 0.42, Color::Green), object(Shape::Circle, 0.8, 0.8, 0.25, Color::Red)};
  const cv::Mat clean = render(scene, 64);
  const Rgb bg = rgb_of(Background::Gray);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    Rng rng(seed), again(seed);
    const cv::Mat noisy = perturb(clean, rng);
    REQUIRE(noisy.type() == CV_8UC3);
    REQUIRE(noisy.size() == clean.size());
    CHECK(cv::norm(noisy, clean, cv::NORM_INF) > 0);
    CHECK(jl::test::psnr(noisy, clean) > 20.0);
    CHECK(cv::norm(perturb(clean, again), noisy, cv::NORM_INF) == 0);
    // A flat background corner: its mean stays within gain 0.95..1.05 and offset +-10 (plus a little
    // for noise averaging and JPEG), and channels keep their order (the codec's BGR is undone).
    const cv::Scalar mean = cv::mean(noisy(cv::Rect(0, 48, 12, 16)));
    for (int ch = 0; ch < 3; ++ch) {
      CHECK(mean[ch] >= bg.r * 0.95 - 10 - 2);
      CHECK(mean[ch] <= bg.r * 1.05 + 10 + 2);
    }
    const cv::Vec3b inside = noisy.at<cv::Vec3b>(27, 22);  // inside the green triangle
    CHECK(inside[1] > inside[0] + 60);
    CHECK(inside[1] > inside[2] + 60);
  }
  Rng a(1), b(2);
  CHECK(cv::norm(perturb(clean, a), perturb(clean, b), cv::NORM_INF) > 0);
  Rng rng(3);
  CHECK_THROWS_AS(perturb(cv::Mat(8, 8, CV_8UC1), rng), jl::Error);
}
