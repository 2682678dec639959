#include "world/render.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace jl::world {
namespace {

// Every shape below is an inside test in pixel units relative to the object's centre (u right, v down),
// with all geometry precomputed once per object, so that the per-sample cost is a few multiply-adds and
// no trigonometry. The shapes are all mirror-symmetric about the vertical axis, so the tests fold u to
// |u| and only describe the right half.

struct Disk {
  float r2;
  bool operator()(float u, float v) const { return u * u + v * v <= r2; }
};

struct AxisSquare {
  float half;
  bool operator()(float u, float v) const { return std::fabs(u) <= half && std::fabs(v) <= half; }
};

struct Rhombus {
  float half_diagonal;
  bool operator()(float u, float v) const { return std::fabs(u) + std::fabs(v) <= half_diagonal; }
};

struct PlusSign {
  float half_span, half_arm;
  bool operator()(float u, float v) const {
    const float au = std::fabs(u), av = std::fabs(v);
    return (au <= half_span && av <= half_arm) || (au <= half_arm && av <= half_span);
  }
};

// Equilateral, pointing up, centred on its circumcentre: every edge lies at the inradius R/2 from the
// centre; the bottom edge's outward normal is (0, 1), the right edge's is (sin 60, -cos 60).
struct UpTriangle {
  float inradius;
  bool operator()(float u, float v) const {
    return v <= inradius && 0.8660254f * std::fabs(u) - 0.5f * v <= inradius;
  }
};

struct HalfPlane {
  float nx, ny, d;
  bool contains(float u, float v) const { return nx * u + ny * v <= d; }
};

// Outward half-plane of the edge a -> b of a polygon that contains the origin.
HalfPlane edge_half_plane(double ax, double ay, double bx, double by) {
  double nx = by - ay, ny = ax - bx;
  const double len = std::hypot(nx, ny);
  nx /= len, ny /= len;
  if (nx * ax + ny * ay < 0) nx = -nx, ny = -ny;
  return {float(nx), float(ny), float(nx * ax + ny * ay)};
}

// Five points up (outer vertices at -90 + 72k degrees, y down), inner vertices halfway between. The
// star is the union of five convex kites (centre, inner, outer, inner); on the folded right half there
// are three angular sectors separated by the inner vertices at -54 and 18 degrees: the top point's
// half-kite (one star edge), the upper-right point's kite and the lower-right point's kite (two edges
// each). A sample is inside when it is inside the star edges of its own sector.
struct FivePointStar {
  float s1x, s1y, s2x, s2y;  // directions of the inner vertices at -54 and 18 degrees
  HalfPlane top, upper_a, upper_b, lower_a, lower_b;

  FivePointStar(double outer, double inner) {
    const double deg = std::acos(-1.0) / 180.0;
    auto px = [&](double radius, double angle) { return radius * std::cos(angle * deg); };
    auto py = [&](double radius, double angle) { return radius * std::sin(angle * deg); };
    s1x = float(std::cos(-54 * deg)), s1y = float(std::sin(-54 * deg));
    s2x = float(std::cos(18 * deg)), s2y = float(std::sin(18 * deg));
    top = edge_half_plane(px(outer, -90), py(outer, -90), px(inner, -54), py(inner, -54));
    upper_a = edge_half_plane(px(outer, -18), py(outer, -18), px(inner, -54), py(inner, -54));
    upper_b = edge_half_plane(px(outer, -18), py(outer, -18), px(inner, 18), py(inner, 18));
    lower_a = edge_half_plane(px(outer, 54), py(outer, 54), px(inner, 18), py(inner, 18));
    lower_b = edge_half_plane(px(outer, 54), py(outer, 54), px(inner, 90), py(inner, 90));
  }

  bool operator()(float u, float v) const {
    u = std::fabs(u);
    // cross(s, p) <= 0  <=>  the sample's angle is at most the direction's angle.
    if (s1x * v - s1y * u <= 0) return top.contains(u, v);
    if (s2x * v - s2y * u <= 0) return upper_a.contains(u, v) && upper_b.contains(u, v);
    return lower_a.contains(u, v) && lower_b.contains(u, v);
  }
};

// Pixels [x0, x1) x [y0, y1).
struct PixelBox {
  int x0, y0, x1, y1;
};

// The pixels whose samples can fall in the object's extent box, clipped to the canvas.
PixelBox extent_box(const PlacedObject& object, int n) {
  const double half = 0.5 * object.extent * n, cx = object.cx * n, cy = object.cy * n;
  auto lo = [&](double c) { return int(std::clamp(std::floor(c - half), 0.0, double(n))); };
  auto hi = [&](double c) { return int(std::clamp(std::floor(c + half) + 1, 0.0, double(n))); };
  return {lo(cx), lo(cy), hi(cx), hi(cy)};
}

// Calls sink(px, py, count) for every pixel of `box` with count = how many of its 4x4 samples (at
// offsets (i + 0.5) / 4) are inside. render, coverage and coverage_map all go through here, so the
// judge's templates are exactly what the renderer draws.
template <class Inside, class Sink>
void scan(const Inside& inside, float cx, float cy, const PixelBox& box, Sink& sink) {
  for (int py = box.y0; py < box.y1; ++py) {
    float v[4];
    for (int j = 0; j < 4; ++j) v[j] = float(py) + (float(j) + 0.5f) * 0.25f - cy;
    for (int px = box.x0; px < box.x1; ++px) {
      int count = 0;
      for (int i = 0; i < 4; ++i) {
        const float u = float(px) + (float(i) + 0.5f) * 0.25f - cx;
        for (int j = 0; j < 4; ++j) count += inside(u, v[j]) ? 1 : 0;
      }
      sink(px, py, count);
    }
  }
}

template <class Sink>
void scan_object(const PlacedObject& object, int n, const PixelBox& box, Sink& sink) {
  if (box.x0 >= box.x1 || box.y0 >= box.y1) return;
  const float cx = float(object.cx * n), cy = float(object.cy * n);
  const double e = object.extent * n;
  switch (object.shape) {
    case Shape::Circle: return scan(Disk{float(0.25 * e * e)}, cx, cy, box, sink);
    case Shape::Square: return scan(AxisSquare{float(0.4 * e)}, cx, cy, box, sink);
    case Shape::Diamond: return scan(Rhombus{float(0.5 * e)}, cx, cy, box, sink);
    case Shape::Triangle: return scan(UpTriangle{float(0.25 * e)}, cx, cy, box, sink);
    case Shape::Star: return scan(FivePointStar(0.5 * e, 0.382 * 0.5 * e), cx, cy, box, sink);
    case Shape::Cross: return scan(PlusSign{float(0.5 * e), float(e / 6)}, cx, cy, box, sink);
  }
  throw Error("render: unknown shape id " + std::to_string(int(object.shape)));
}

void check_side(int n) {
  if (n < 8) throw Error("render: canvas side must be at least 8 pixels, got " + std::to_string(n));
}

}  // namespace

float coverage(const PlacedObject& object, int px, int py, int n) {
  check_side(n);
  // Pixels outside the box that render scans are 0 by definition, so that coverage() can never
  // disagree with render over a sample that float rounding puts a hair past the box.
  const PixelBox box = extent_box(object, n);
  if (px < box.x0 || px >= box.x1 || py < box.y0 || py >= box.y1) return 0.0f;
  int covered = 0;
  auto sink = [&](int, int, int count) { covered = count; };
  scan_object(object, n, PixelBox{px, py, px + 1, py + 1}, sink);
  return float(covered) / 16.0f;
}

cv::Mat coverage_map(const PlacedObject& object, int n) {
  check_side(n);
  cv::Mat map(n, n, CV_32FC1, cv::Scalar(0));
  auto sink = [&](int px, int py, int count) { map.at<float>(py, px) = float(count) / 16.0f; };
  scan_object(object, n, extent_box(object, n), sink);
  return map;
}

void render_into(const Scene& scene, int n, cv::Mat& rgb) {
  check_side(n);
  rgb.create(n, n, CV_8UC3);  // keeps the buffer when the size already matches
  const Rgb bg = rgb_of(scene.background);
  rgb.setTo(cv::Scalar(bg.r, bg.g, bg.b));
  for (const PlacedObject& object : scene.objects) {
    const Rgb c = rgb_of(object.color);
    const int color[3] = {c.r, c.g, c.b};
    // Integer alpha blend: round(under * (1 - a) + color * a) with a = count / 16, half rounded up.
    // Objects are composited in order, so an overlap (never in a valid scene) still draws sensibly.
    auto sink = [&](int px, int py, int count) {
      if (count == 0) return;
      uint8_t* p = rgb.ptr<uint8_t>(py) + 3 * px;
      for (int ch = 0; ch < 3; ++ch) p[ch] = uint8_t((p[ch] * (16 - count) + color[ch] * count + 8) >> 4);
    };
    scan_object(object, n, extent_box(object, n), sink);
  }
}

cv::Mat render(const Scene& scene, int n) {
  cv::Mat rgb;
  render_into(scene, n, rgb);
  return rgb;
}

std::vector<cv::Mat> render_video(const VideoScene& video, int n) {
  std::vector<cv::Mat> frames;
  frames.reserve(video.size());
  for (const Scene& frame : video) frames.push_back(render(frame, n));
  return frames;
}

}  // namespace jl::world
