// ShapeWorld throughput at N = 64, in scenes per second: the box-limited renderer against a naive
// renderer measured in the same run (every canvas pixel asks coverage() for every object), then the
// whole item pipeline (sample + layout + render + caption) on one thread, then the streaming dataset
// on 1 and 2 worker threads (batches of 64).
#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "world/caption.h"
#include "world/dataset.h"
#include "world/render.h"
#include "world/sampler.h"

using namespace jl::world;

namespace {

constexpr int kN = 64;

// Runs fn(i) for i = 0, 1, ... until at least `seconds` have passed; returns calls per second.
double rate(const std::function<void(int)>& fn, double seconds) {
  fn(0);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  int calls = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 64; ++i) fn(calls++);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return calls / elapsed;
}

// The baseline: what one writes first. Every sample of the whole canvas asks a per-sample shape test
// (polar angle and a trigonometric fold for the star) for every object.
bool naive_inside(const PlacedObject& o, double x, double y) {
  const double u = x - o.cx, v = y - o.cy, e = o.extent, R = e / 2, au = std::fabs(u), av = std::fabs(v);
  const double deg = std::acos(-1.0) / 180;
  switch (o.shape) {
    case Shape::Circle: return u * u + v * v <= R * R;
    case Shape::Square: return au <= 0.4 * e && av <= 0.4 * e;
    case Shape::Diamond: return au + av <= R;
    case Shape::Triangle: return v <= R / 2 && std::sin(60 * deg) * au - std::cos(60 * deg) * v <= R / 2;
    case Shape::Cross: return (au <= R && av <= e / 6) || (au <= e / 6 && av <= R);
    case Shape::Star: {
      // Angle from the nearest point (points at -90 + 72k degrees), folded into [0, 36].
      double a = std::fmod(std::atan2(v, u) / deg + 90 + 360 + 36, 72.0) - 36;
      a = std::fabs(a) * deg;
      const double rho = std::hypot(u, v), r = 0.382 * R;
      const double px = R, ix = r * std::cos(36 * deg), iy = r * std::sin(36 * deg);
      const double x1 = rho * std::cos(a), y1 = rho * std::sin(a);
      return (ix - px) * y1 - iy * (x1 - px) >= 0;  // on the centre's side of the edge point -> inner
    }
  }
  return false;
}

void naive_render(const Scene& scene, int n, cv::Mat& rgb) {
  const Rgb bg = rgb_of(scene.background);
  rgb.create(n, n, CV_8UC3);
  rgb.setTo(cv::Scalar(bg.r, bg.g, bg.b));
  for (const PlacedObject& o : scene.objects) {
    const Rgb c = rgb_of(o.color);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        int count = 0;
        for (int i = 0; i < 16; ++i)
          count += naive_inside(o, (x + (i % 4 + 0.5) / 4) / n, (y + (i / 4 + 0.5) / 4) / n);
        const float a = count / 16.0f;
        cv::Vec3b& p = rgb.at<cv::Vec3b>(y, x);
        p = cv::Vec3b(uint8_t(p[0] * (1 - a) + c.r * a + 0.5f), uint8_t(p[1] * (1 - a) + c.g * a + 0.5f),
                      uint8_t(p[2] * (1 - a) + c.b * a + 0.5f));
      }
  }
}

double stream_rate(int threads, double seconds) {
  DatasetOptions o;
  o.size = kN, o.batch = 64, o.threads = threads, o.seed = 7;
  ShapeWorldStream stream(o);
  (void)stream.next();  // workers started and the queue primed
  return o.batch * rate([&](int) { (void)stream.next(); }, seconds);  // batches/s -> scenes/s
}

}  // namespace

int main() {
  Rng rng(2024);
  std::vector<Scene> scenes;
  for (int i = 0; i < 1024; ++i) scenes.push_back(layout(sample_spec(rng), rng));

  // Same pictures: the naive test differs only in float rounding on sample points that sit exactly on
  // an edge, so count pixels off by more than one 16th-coverage step.
  cv::Mat fast, naive;
  double differing = 0;
  for (const Scene& s : scenes) {
    render_into(s, kN, fast);
    naive_render(s, kN, naive);
    cv::Mat diff;
    cv::absdiff(fast, naive, diff);
    differing += cv::countNonZero(diff.reshape(1) > 16);
  }

  const double naive_rate = rate([&](int i) { naive_render(scenes[size_t(i) % scenes.size()], kN, naive); }, 1.0);
  const double render_rate = rate([&](int i) { render_into(scenes[size_t(i) % scenes.size()], kN, fast); }, 1.0);
  Rng item_rng(5);
  const double item_rate = rate(
      [&](int) {
        const SceneSpec spec = sample_spec(item_rng);
        render_into(layout(spec, item_rng), kN, fast);
        (void)caption(spec, item_rng);
      },
      1.0);
  const double stream1 = stream_rate(1, 1.5), stream2 = stream_rate(2, 1.5);

  std::printf("ShapeWorld at %dx%d, scenes/s (1 or 2 objects per scene)\n", kN, kN);
  std::printf("%-52s %10.0f\n", "naive render (whole canvas per object), 1 thread", naive_rate);
  std::printf("%-52s %10.0f   %.1fx naive  (%.0f pixel values differ in %zu scenes)\n",
              "render (box-limited), 1 thread", render_rate, render_rate / naive_rate, differing, scenes.size());
  std::printf("%-52s %10.0f   %.2fx render alone\n", "sample+layout+render+caption, 1 thread", item_rate,
              item_rate / render_rate);
  std::printf("%-52s %10.0f\n", "ShapeWorldStream, 1 worker, batches of 64", stream1);
  std::printf("%-52s %10.0f   %.2fx 1 worker\n", "ShapeWorldStream, 2 workers, batches of 64", stream2,
              stream2 / stream1);
  return differing == 0 ? 0 : 1;
}
