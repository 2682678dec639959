#include "world/judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "world/render.h"

namespace jl::world {
namespace {

// Images are analysed at a side between 64 and 128 pixels: 64 is the smallest the world guarantees
// to be readable; above 128 more pixels add nothing to telling six shapes apart, only cost.
constexpr int kMinSide = 64, kMaxSide = 128;

// A pixel is foreground when it is this far (RGB distance, 0..255 units) from the background. The
// weakest contrast in the palette is purple on gray (88); a third of it keeps a blurred object in one
// piece and stays far above the noise a generator adds (sigma 6 per channel).
constexpr double kForeground = 28.0;

// Components smaller than this fraction of the canvas are specks (noise, JPEG ringing), not objects:
// the smallest object (a small star, 0.2375 N) covers 0.0158 N^2.
constexpr double kMinArea = 0.005;

// Area of each shape as a multiple of extent^2 (WORLD.md geometry): circle pi/4; square 0.8^2;
// diamond 1/2; equilateral triangle of circumradius 1/2: 3*sqrt(3)/16; star 5 R r sin 36 deg with
// R = 1/2, r = 0.382 R; cross 2/3 - 1/9.
const double kAreaCoefficient[kShapes] = {0.785398, 0.64, 0.5, 0.324760, 0.280667, 0.555556};

// Blur (pixels at the analysis size) applied to the shape templates, from sharp to JPEG-chroma soft.
const double kTemplateBlur[] = {0.0, 0.7, 1.3};

cv::Vec3d to_vec(Rgb c) { return {double(c.r), double(c.g), double(c.b)}; }

cv::Mat analysis_image(const cv::Mat& rgb) {
  if (rgb.empty()) throw Error("judge: the image is empty");
  if (rgb.type() != CV_8UC3) throw Error("judge: need an 8-bit RGB image");
  if (rgb.cols != rgb.rows)
    throw Error("judge: ShapeWorld images are square, this one is " + std::to_string(rgb.cols) + "x" +
                std::to_string(rgb.rows));
  const int n = std::clamp(rgb.cols, kMinSide, kMaxSide);
  if (n == rgb.cols) return rgb;
  cv::Mat out;
  cv::resize(rgb, out, {n, n}, 0, 0, n < rgb.cols ? cv::INTER_AREA : cv::INTER_CUBIC);
  return out;
}

// The background colour as seen: the per-channel median of a two-pixel ring along the border, which
// objects (always inside the canvas) rarely reach and never dominate.
cv::Vec3d border_median(const cv::Mat& img) {
  std::vector<double> ch[3];
  const int n = img.rows;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      if (x >= 2 && x < n - 2 && y >= 2 && y < n - 2) continue;
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) ch[c].push_back(p[c]);
    }
  cv::Vec3d median;
  for (int c = 0; c < 3; ++c) {
    std::nth_element(ch[c].begin(), ch[c].begin() + ch[c].size() / 2, ch[c].end());
    median[c] = ch[c][ch[c].size() / 2];
  }
  return median;
}

Background nearest_background(const cv::Vec3d& seen) {
  Background best = Background::White;
  double best_d = 1e300;
  for (int b = 0; b < kBackgrounds; ++b) {
    const double d = cv::norm(seen - to_vec(rgb_of(Background(b))));
    if (d < best_d) best_d = d, best = Background(b);
  }
  return best;
}

// The palette colour that best explains `seen` as a mix of it over the background: the distance to
// the segment bg + a (P - bg), a in [0.5, 1.1]. A small object's brightest pixels are often partly
// covered (blur, JPEG chroma subsampling), which a plain nearest-colour test would misread.
Color nearest_color(const cv::Vec3d& seen, const cv::Vec3d& bg) {
  Color best = Color::Red;
  double best_d = 1e300;
  for (int c = 0; c < kColors; ++c) {
    const cv::Vec3d dir = to_vec(rgb_of(Color(c))) - bg;
    const double len2 = dir.dot(dir);
    if (len2 < 1) continue;
    const double a = std::clamp((seen - bg).dot(dir) / len2, 0.5, 1.1);
    const double d = cv::norm(seen - (bg + a * dir));
    if (d < best_d) best_d = d, best = Color(c);
  }
  return best;
}

// One connected foreground region turned into an object: colour from its strongest pixels, coverage
// (alpha) of every pixel around it by projecting onto (colour - background), then the shape whose
// template — drawn with the same area and centroid — overlaps the coverage best.
std::optional<FoundObject> read_object(const cv::Mat& img, const cv::Mat& labels, int label, const cv::Rect& box,
                        const cv::Mat& distance, const cv::Vec3d& bg) {
  const int n = img.rows;
  double max_d = 0;
  for (int y = box.y; y < box.y + box.height; ++y)
    for (int x = box.x; x < box.x + box.width; ++x)
      if (labels.at<int>(y, x) == label) max_d = std::max(max_d, double(distance.at<float>(y, x)));
  cv::Vec3d core(0, 0, 0);
  int core_n = 0;
  for (int y = box.y; y < box.y + box.height; ++y)
    for (int x = box.x; x < box.x + box.width; ++x)
      if (labels.at<int>(y, x) == label && distance.at<float>(y, x) >= 0.75 * max_d) {
        const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
        core += cv::Vec3d(p[0], p[1], p[2]);
        ++core_n;
      }
  FoundObject found;
  found.color = nearest_color(core / std::max(core_n, 1), bg);

  // Coverage over the box grown by a few pixels (blur spreads an edge over ~2 pixels), counting only
  // pixels that belong to this object or to nobody.
  const cv::Vec3d dir = to_vec(rgb_of(found.color)) - bg;
  const double len2 = dir.dot(dir);
  const int grow = 3;
  const cv::Rect region = (box + cv::Size(2 * grow, 2 * grow) - cv::Point(grow, grow)) & cv::Rect(0, 0, n, n);
  cv::Mat alpha = cv::Mat::zeros(n, n, CV_32F);
  double area = 0, sx = 0, sy = 0, weight = 0;
  for (int y = region.y; y < region.y + region.height; ++y)
    for (int x = region.x; x < region.x + region.width; ++x) {
      const int l = labels.at<int>(y, x);
      if (l != label && l != 0) continue;
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      const double a = (cv::Vec3d(p[0], p[1], p[2]) - bg).dot(dir) / len2;
      area += a;  // unclamped: noise averages out instead of biasing the area upwards
      const double w = std::clamp(a, 0.0, 1.0);
      alpha.at<float>(y, x) = float(w);
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
      weight += w;
    }
  if (weight <= 0) return std::nullopt;  // nothing of this colour after all (only possible on odd inputs)
  found.cx = sx / weight / n;
  found.cy = sy / weight / n;

  // Every shape's centroid is its centre (the triangle is equilateral, the star has five-fold
  // symmetry), so only the extent differs per hypothesis: the one that gives the measured area. Each
  // template is compared sharp and blurred: a generator's output (and JPEG, which halves colour
  // resolution — nearly all there is of green on gray) softens edges, and a small star softened is
  // closer to a soft star than to a sharp square.
  double best = -1;
  for (int s = 0; s < kShapes; ++s) {
    PlacedObject guess{found.color, Shape(s), found.cx, found.cy, 0};
    guess.extent = std::sqrt(std::max(area, 1.0) / kAreaCoefficient[s]) / n;
    const cv::Mat sharp = coverage_map(guess, n);
    const int half = int(std::ceil(guess.extent * n / 2)) + 4;
    const cv::Rect tbox = cv::Rect(int(found.cx * n) - half, int(found.cy * n) - half, 2 * half + 1, 2 * half + 1);
    const cv::Rect scan = (region | tbox) & cv::Rect(0, 0, n, n);
    for (const double sigma : kTemplateBlur) {
      cv::Mat t = sharp;
      if (sigma > 0) cv::GaussianBlur(sharp, t, cv::Size(0, 0), sigma);
      double inter = 0, uni = 0;
      for (int y = scan.y; y < scan.y + scan.height; ++y)
        for (int x = scan.x; x < scan.x + scan.width; ++x) {
          const double a = alpha.at<float>(y, x), b = t.at<float>(y, x);
          inter += std::min(a, b);
          uni += std::max(a, b);
        }
      const double score = uni > 0 ? inter / uni : 0;
      found.shape_scores[s] = std::max(found.shape_scores[s], score);
      if (score > best) {
        best = score;
        found.shape = Shape(s);
        found.extent = guess.extent;
      }
    }
  }
  found.shape_score = best;
  found.area = area / (double(n) * n);
  return found;
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string describe(const FoundObject& o) {
  return std::string(name_of(o.color)) + " " + name_of(o.shape) + " at (" + fixed2(o.cx) + ", " + fixed2(o.cy) +
         "), extent " + fixed2(o.extent);
}

std::string describe_all(const Findings& f) {
  if (f.objects.empty()) return "no objects";
  std::string s;
  for (const auto& o : f.objects) s += (s.empty() ? "" : "; ") + describe(o);
  return s;
}

std::string object_name(const ObjectSpec& o) { return std::string(name_of(o.color)) + " " + name_of(o.shape); }

const FoundObject* find(const Findings& f, const ObjectSpec& o) {
  for (const auto& found : f.objects)
    if (found.color == o.color && found.shape == o.shape) return &found;
  return nullptr;
}

double extent_as(const FoundObject& o, Shape shape) {
  return std::sqrt(std::max(o.area, 0.0) / kAreaCoefficient[int(shape)]);
}

// Object `o` through the frames of a video: in each frame the largest object of its colour, its shape
// decided jointly over all frames. It is one object, so the evidence adds up, and one frame's
// misreading of a small blurred shape does not fail a whole video. Empty (with `why`) when some frame
// has no object of that colour.
std::vector<FoundObject> track(const std::vector<Findings>& frames, const ObjectSpec& o, std::string* why) {
  std::vector<FoundObject> path;
  std::array<double, kShapes> votes{};
  for (size_t i = 0; i < frames.size(); ++i) {
    const FoundObject* pick = nullptr;
    for (const auto& f : frames[i].objects)
      if (f.color == o.color && (!pick || f.area > pick->area)) pick = &f;
    if (!pick) {
      *why = std::string("no ") + name_of(o.color) + " object in frame " + std::to_string(i) + "; saw " +
             describe_all(frames[i]);
      return {};
    }
    path.push_back(*pick);
    for (int s = 0; s < kShapes; ++s) votes[s] += pick->shape_scores[s];
  }
  const Shape shape = Shape(std::max_element(votes.begin(), votes.end()) - votes.begin());
  for (auto& f : path) {
    f.shape = shape;
    f.extent = extent_as(f, shape);
  }
  return path;
}

bool size_holds(Size size, double extent) {
  return std::abs(extent - nominal_extent(size)) <= 0.25 * nominal_extent(size);
}

bool position_holds(Position p, double cx, double cy) {
  const double q = 0.1;  // quadrant: at least this far from both centre lines
  switch (p) {
    case Position::TopLeft: return cx <= 0.5 - q && cy <= 0.5 - q;
    case Position::TopRight: return cx >= 0.5 + q && cy <= 0.5 - q;
    case Position::BottomLeft: return cx <= 0.5 - q && cy >= 0.5 + q;
    case Position::BottomRight: return cx >= 0.5 + q && cy >= 0.5 + q;
    case Position::Center: return std::hypot(cx - 0.5, cy - 0.5) <= 0.12;
  }
  return false;
}

bool relation_holds(Relation r, const FoundObject& a, const FoundObject& b) {
  const double dx = b.cx - a.cx, dy = b.cy - a.cy;  // from A to B
  switch (r) {
    case Relation::LeftOf: return dx >= 0.15 && std::abs(dx) > std::abs(dy);
    case Relation::RightOf: return -dx >= 0.15 && std::abs(dx) > std::abs(dy);
    case Relation::Above: return dy >= 0.15 && std::abs(dy) > std::abs(dx);
    case Relation::Below: return -dy >= 0.15 && std::abs(dy) > std::abs(dx);
  }
  return false;
}

// The clauses every prompt has: each object (with its size), the count, the background. In a video
// an object is tracked through the frames (see track()).
void object_clauses(const std::vector<Findings>& frames, const SceneSpec& spec, Judgement& j) {
  const bool video = frames.size() > 1;
  for (const auto& o : spec.objects) {
    Clause c{"object", object_name(o), false, ""};
    std::optional<FoundObject> first;
    if (video) {
      std::string why;
      const std::vector<FoundObject> path = track(frames, o, &why);
      if (path.empty()) {
        c.found = why;
      } else {
        c.pass = path[0].shape == o.shape;
        c.found = std::string(c.pass ? "in every frame; " : "read over all frames as a ") + name_of(path[0].shape) +
                  "; first: " + describe(path[0]);
        if (c.pass) first = path[0];
      }
    } else if (const FoundObject* f = find(frames[0], o)) {
      c.pass = true;
      c.found = describe(*f);
      first = *f;
    } else {
      c.found = "not found; saw " + describe_all(frames[0]);
    }
    j.clauses.push_back(c);
    if (o.size) {
      Clause s{"size", std::string(name_of(*o.size)) + " " + object_name(o), false, "object not found"};
      if (first) {
        s.pass = size_holds(*o.size, first->extent);
        s.found = "extent " + fixed2(first->extent) + (video ? " in the first frame" : "") + " (" + name_of(*o.size) +
                  " is " + fixed2(nominal_extent(*o.size)) + " +- 25%)";
      }
      j.clauses.push_back(s);
    }
  }
  Clause count{"count", std::to_string(spec.objects.size()) + (spec.objects.size() == 1 ? " object" : " objects"), true, ""};
  for (size_t i = 0; i < frames.size() && count.pass; ++i) {
    count.pass = frames[i].objects.size() == spec.objects.size();
    count.found = std::to_string(frames[i].objects.size()) + " found" +
                  (video && !count.pass ? " in frame " + std::to_string(i) : "");
  }
  j.clauses.push_back(count);
  if (spec.background) {
    Clause b{"background", std::string(name_of(*spec.background)) + " background", true, ""};
    for (size_t i = 0; i < frames.size() && b.pass; ++i) {
      b.pass = frames[i].background == *spec.background;
      b.found = name_of(frames[i].background) + (video && !b.pass ? " in frame " + std::to_string(i) : "");
    }
    j.clauses.push_back(b);
  }
}

void motion_clause(const std::vector<Findings>& frames, const SceneSpec& spec, Judgement& j) {
  const Motion m = *spec.motion;
  Clause c{"motion", name_of(m), false, ""};
  std::string why;
  const std::vector<FoundObject> path = track(frames, spec.objects[0], &why);
  if (path.empty()) {
    c.found = why;
    j.clauses.push_back(c);
    return;
  }
  // Travel of at least 0.3 N (growth by 1.6x) overall, and no step against the motion beyond what
  // measurement noise explains: a centre is read to within ~0.005 N, an extent to within a few percent
  // (a generator's brightness drifting from frame to frame changes the coverage a little).
  const double step_tolerance = 0.015, growth_tolerance = 0.07;
  auto value = [&](const FoundObject& o) {
    switch (m) {
      case Motion::Left: return -o.cx;
      case Motion::Right: return o.cx;
      case Motion::Up: return -o.cy;
      case Motion::Down: return o.cy;
      case Motion::Growing: return std::log(o.extent);
      case Motion::Shrinking: return -std::log(o.extent);
    }
    return 0.0;
  };
  const bool moving = m != Motion::Growing && m != Motion::Shrinking;
  const double total = value(path.back()) - value(path.front());
  const double needed = moving ? 0.3 : std::log(1.6);
  double worst_step = 0;
  for (size_t i = 1; i < path.size(); ++i) worst_step = std::min(worst_step, value(path[i]) - value(path[i - 1]));
  const bool monotone = worst_step >= -(moving ? step_tolerance : growth_tolerance);
  bool dominant = true;
  if (moving) {
    const double dx = std::abs(path.back().cx - path.front().cx), dy = std::abs(path.back().cy - path.front().cy);
    dominant = (m == Motion::Left || m == Motion::Right) ? dx > dy : dy > dx;
  }
  c.pass = total >= needed && monotone && dominant;
  c.found = moving ? "travelled " + fixed2(total) + " N (needs 0.30)" : "extent x" + fixed2(std::exp(total)) + " (needs 1.60)";
  if (!monotone) c.found += ", not monotonic";
  if (!dominant) c.found += ", mostly along the other axis";
  j.clauses.push_back(c);
}

}  // namespace

Findings analyze(const cv::Mat& rgb) {
  const cv::Mat img = analysis_image(rgb);
  const int n = img.rows;
  Findings findings;
  const cv::Vec3d bg = border_median(img);
  findings.background = nearest_background(bg);

  cv::Mat distance(n, n, CV_32F), mask(n, n, CV_8U);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      const float d = float(cv::norm(cv::Vec3d(p[0], p[1], p[2]) - bg));
      distance.at<float>(y, x) = d;
      mask.at<uchar>(y, x) = d > kForeground ? 255 : 0;
    }
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  std::vector<std::pair<int, FoundObject>> objects;  // (area, object)
  for (int label = 1; label < count; ++label) {
    const int area = stats.at<int>(label, cv::CC_STAT_AREA);
    if (area < kMinArea * n * n) continue;
    const cv::Rect box(stats.at<int>(label, cv::CC_STAT_LEFT), stats.at<int>(label, cv::CC_STAT_TOP),
                       stats.at<int>(label, cv::CC_STAT_WIDTH), stats.at<int>(label, cv::CC_STAT_HEIGHT));
    if (auto object = read_object(img, labels, label, box, distance, bg)) objects.emplace_back(area, *object);
  }
  std::stable_sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [area, object] : objects) findings.objects.push_back(object);
  return findings;
}

Judgement judge_image(const cv::Mat& rgb, const SceneSpec& spec) {
  if (spec.is_video()) throw Error("judge: the prompt describes a video (it has a motion) but the input is one image");
  Judgement j;
  j.frames.push_back(analyze(rgb));
  const Findings& f = j.frames[0];
  object_clauses(j.frames, spec, j);
  if (spec.position) {
    Clause c{"position", std::string("in the ") + name_of(*spec.position), false, "object not found"};
    if (const FoundObject* o = find(f, spec.objects[0])) {
      c.pass = position_holds(*spec.position, o->cx, o->cy);
      c.found = "centre at (" + fixed2(o->cx) + ", " + fixed2(o->cy) + ")";
    }
    j.clauses.push_back(c);
  }
  if (spec.relation) {
    Clause c{"relation", object_name(spec.objects[0]) + " " + name_of(*spec.relation) + " " + object_name(spec.objects[1]),
             false, "an object is missing"};
    const FoundObject* a = find(f, spec.objects[0]);
    const FoundObject* b = find(f, spec.objects[1]);
    if (a && b) {
      c.pass = relation_holds(*spec.relation, *a, *b);
      c.found = "dx " + fixed2(b->cx - a->cx) + ", dy " + fixed2(b->cy - a->cy) + " from the first to the second";
    }
    j.clauses.push_back(c);
  }
  j.pass = std::all_of(j.clauses.begin(), j.clauses.end(), [](const Clause& c) { return c.pass; });
  return j;
}

Judgement judge_video(const std::vector<cv::Mat>& frames, const SceneSpec& spec) {
  if (!spec.is_video()) throw Error("judge: the prompt describes an image (no motion) but the input is a video");
  if (frames.size() < 2) throw Error("judge: a video needs at least 2 frames, got " + std::to_string(frames.size()));
  Judgement j;
  for (const auto& frame : frames) j.frames.push_back(analyze(frame));
  object_clauses(j.frames, spec, j);
  motion_clause(j.frames, spec, j);
  j.pass = std::all_of(j.clauses.begin(), j.clauses.end(), [](const Clause& c) { return c.pass; });
  return j;
}

Judgement judge(const std::vector<cv::Mat>& frames, const SceneSpec& spec) {
  if (spec.is_video()) return judge_video(frames, spec);
  if (frames.size() != 1)
    throw Error("judge: the prompt describes an image (no motion) but the input has " + std::to_string(frames.size()) +
                " frames; add a motion (e.g. \"moving left\") or judge an image");
  return judge_image(frames[0], spec);
}

nlohmann::json to_json(const Judgement& j) {
  nlohmann::json clauses = nlohmann::json::array();
  for (const auto& c : j.clauses)
    clauses.push_back({{"kind", c.kind}, {"asked", c.asked}, {"pass", c.pass}, {"found", c.found}});
  auto findings = [](const Findings& f) {
    nlohmann::json objects = nlohmann::json::array();
    for (const auto& o : f.objects)
      objects.push_back({{"color", name_of(o.color)}, {"shape", name_of(o.shape)}, {"cx", std::round(o.cx * 1000) / 1000},
                         {"cy", std::round(o.cy * 1000) / 1000}, {"extent", std::round(o.extent * 1000) / 1000},
                         {"shape_score", std::round(o.shape_score * 1000) / 1000}});
    return nlohmann::json{{"background", name_of(f.background)}, {"objects", objects}};
  };
  nlohmann::json out = {{"pass", j.pass}, {"clauses", clauses}};
  if (j.frames.size() == 1) {
    out["found"] = findings(j.frames[0]);
  } else {
    nlohmann::json frames = nlohmann::json::array();
    for (const auto& f : j.frames) frames.push_back(findings(f));
    out["frames"] = frames;
  }
  return out;
}

}  // namespace jl::world
