// Random specs and the layout solver. Layouts are built constructively where a constraint is narrow
// (two large objects side by side leave less than 0.01 N of slack, which plain rejection sampling would
// almost never hit) and then checked as a whole, so a returned scene always satisfies every rule.
#include "world/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "world/caption.h"
#include "world/holdout.h"

namespace jl::world {

namespace {

// Probabilities of the optional parts of a sampled spec (documented in docs/world.md).
constexpr double kTwoObjects = 0.5, kSizeStated = 0.5, kPositionStated = 0.6, kBackgroundStated = 0.7;

// Renderer margins beyond the judge's thresholds (WORLD.md: 0.03 N beyond each).
constexpr double kMargin = 0.03;
constexpr double kCanvasMargin = 0.02;     // free border between any box and the canvas edge
constexpr double kQuadrantOffset = 0.10 + kMargin;  // centre distance from both centre lines
constexpr double kCenterRadius = 0.12 - kMargin;    // centre distance from (0.5, 0.5)
constexpr double kRelationSeparation = 0.15 + kMargin;
constexpr double kDominance = kMargin;      // |main axis d| > |cross axis d| + this
constexpr double kGap = 0.04 + kMargin;     // between bounding boxes
constexpr double kJitter = 0.05;            // +-5% around the nominal extent
constexpr double kMinTravel = 0.35, kMaxTravel = 0.55;    // moving: centre travel, fractions of N
constexpr double kMinGrowth = 1.75, kMaxGrowth = 1.85;    // growing / shrinking: extent ratio
constexpr double kSmallVideoExtent = 0.21;  // the small end of an unsized growing / shrinking object
constexpr int kMaxTries = 1000;

ObjectSpec random_object(Rng& rng, bool allow_size) {
  ObjectSpec o;
  o.color = static_cast<Color>(rng.below(kColors));
  o.shape = static_cast<Shape>(rng.below(kShapes));
  if (allow_size && rng.chance(kSizeStated)) o.size = static_cast<Size>(rng.below(2));
  return o;
}

SceneSpec random_spec(Rng& rng, bool video) {
  SceneSpec spec;
  if (video) {
    spec.motion = static_cast<Motion>(rng.below(kMotions));
    // A stated size is read on the first frame; a growing / shrinking object has no one size, so the
    // sampler never states one with those motions.
    const bool resizes = *spec.motion == Motion::Growing || *spec.motion == Motion::Shrinking;
    spec.objects.push_back(random_object(rng, !resizes));
  } else if (rng.chance(kTwoObjects)) {
    spec.objects.push_back(random_object(rng, true));
    ObjectSpec second;
    do second = random_object(rng, true);
    while (second.color == spec.objects[0].color && second.shape == spec.objects[0].shape);
    spec.objects.push_back(second);
    spec.relation = static_cast<Relation>(rng.below(kRelations));
  } else {
    spec.objects.push_back(random_object(rng, true));
    if (rng.chance(kPositionStated)) spec.position = static_cast<Position>(rng.below(kPositions));
  }
  if (rng.chance(kBackgroundStated)) spec.background = static_cast<Background>(rng.below(kBackgrounds));
  return spec;
}

double jittered_extent(const ObjectSpec& o, Rng& rng) {
  const Size size = o.size ? *o.size : static_cast<Size>(rng.below(2));
  return nominal_extent(size) * rng.uniform(1.0 - kJitter, 1.0 + kJitter);
}

// Centre range that keeps a box of side `extent` inside the canvas with the border margin.
double lo_for(double extent) { return extent / 2 + kCanvasMargin; }
double hi_for(double extent) { return 1.0 - extent / 2 - kCanvasMargin; }

Background background_of(const SceneSpec& spec, Rng& rng) {
  return spec.background ? *spec.background : static_cast<Background>(rng.below(kBackgrounds));
}

PlacedObject placed(const ObjectSpec& o, double extent) {
  PlacedObject p;
  p.color = o.color;
  p.shape = o.shape;
  p.extent = extent;
  return p;
}

bool inside(const PlacedObject& p) {
  return p.cx >= lo_for(p.extent) - 1e-12 && p.cx <= hi_for(p.extent) + 1e-12 && p.cy >= lo_for(p.extent) - 1e-12 &&
         p.cy <= hi_for(p.extent) + 1e-12;
}

void place_single(PlacedObject& p, const std::optional<Position>& position, Rng& rng) {
  const double lo = lo_for(p.extent), hi = hi_for(p.extent);
  if (!position) {
    p.cx = rng.uniform(lo, hi);
    p.cy = rng.uniform(lo, hi);
  } else if (*position == Position::Center) {
    do {  // uniform in the disc, by rejection from its square (accepts ~79%)
      p.cx = rng.uniform(0.5 - kCenterRadius, 0.5 + kCenterRadius);
      p.cy = rng.uniform(0.5 - kCenterRadius, 0.5 + kCenterRadius);
    } while (std::hypot(p.cx - 0.5, p.cy - 0.5) > kCenterRadius);
  } else {
    const bool left = *position == Position::TopLeft || *position == Position::BottomLeft;
    const bool top = *position == Position::TopLeft || *position == Position::TopRight;
    p.cx = left ? rng.uniform(lo, 0.5 - kQuadrantOffset) : rng.uniform(0.5 + kQuadrantOffset, hi);
    p.cy = top ? rng.uniform(lo, 0.5 - kQuadrantOffset) : rng.uniform(0.5 + kQuadrantOffset, hi);
  }
}

// One try at two objects: separate them along a main axis by enough for both the gap and (when a
// relation is stated) the relation threshold, then draw the cross axis freely. Returns false when the
// draw breaks a rule; the caller retries.
bool try_place_pair(PlacedObject& a, PlacedObject& b, const std::optional<Relation>& relation, Rng& rng) {
  Relation rel = relation ? *relation : static_cast<Relation>(rng.below(kRelations));
  // Reduce every relation to "first before second along `main` axis".
  const bool horizontal = rel == Relation::LeftOf || rel == Relation::RightOf;
  const bool a_first = rel == Relation::LeftOf || rel == Relation::Above;
  PlacedObject& first = a_first ? a : b;
  PlacedObject& second = a_first ? b : a;
  auto main = [&](PlacedObject& p) -> double& { return horizontal ? p.cx : p.cy; };
  auto cross = [&](PlacedObject& p) -> double& { return horizontal ? p.cy : p.cx; };

  const double min_sep = std::max(relation ? kRelationSeparation : 0.0, (a.extent + b.extent) / 2 + kGap);
  const double max_sep = hi_for(second.extent) - lo_for(first.extent);
  if (max_sep < min_sep) return false;
  const double sep = rng.uniform(min_sep, max_sep);
  const double lo = std::max(lo_for(first.extent), lo_for(second.extent) - sep);
  const double hi = std::min(hi_for(first.extent), hi_for(second.extent) - sep);
  main(first) = rng.uniform(lo, std::max(lo, hi));
  main(second) = main(first) + sep;
  cross(first) = rng.uniform(lo_for(first.extent), hi_for(first.extent));
  cross(second) = rng.uniform(lo_for(second.extent), hi_for(second.extent));
  if (!inside(a) || !inside(b)) return false;
  if (relation && std::abs(cross(second) - cross(first)) + kDominance >= sep) return false;
  return true;
}

void check_image_spec(const SceneSpec& spec) {
  if (spec.motion) throw Error("layout() places an image; use layout_video() for \"" + canonical_caption(spec) + "\"");
  canonical_caption(spec);  // throws for a spec the grammar cannot express (wrong count, same pair twice)
}

}  // namespace

SceneSpec sample_spec(Rng& rng, const SampleOptions& options) {
  for (int i = 0; i < kMaxTries; ++i) {
    SceneSpec spec = random_spec(rng, options.video);
    if (options.allow_holdout || !is_holdout(spec)) return spec;
  }
  throw Error("sample_spec: " + std::to_string(kMaxTries) +
              " draws in a row were holdout prompts; the holdout lists cover too much of the spec space");
}

Scene layout(const SceneSpec& spec, Rng& rng) {
  check_image_spec(spec);
  Scene scene;
  scene.background = background_of(spec, rng);
  if (spec.objects.size() == 1) {
    PlacedObject p = placed(spec.objects[0], jittered_extent(spec.objects[0], rng));
    place_single(p, spec.position, rng);
    scene.objects.push_back(p);
    return scene;
  }
  for (int i = 0; i < kMaxTries; ++i) {
    PlacedObject a = placed(spec.objects[0], jittered_extent(spec.objects[0], rng));
    PlacedObject b = placed(spec.objects[1], jittered_extent(spec.objects[1], rng));
    if (try_place_pair(a, b, spec.relation, rng)) {
      scene.objects = {a, b};
      return scene;
    }
  }
  throw Error("layout: could not place \"" + canonical_caption(spec) + "\" in " + std::to_string(kMaxTries) +
              " tries");
}

VideoScene layout_video(const SceneSpec& spec, int frames, Rng& rng) {
  if (frames < 2) throw Error("a video needs at least 2 frames, got " + std::to_string(frames));
  if (!spec.motion) throw Error("layout_video() needs a motion; use layout() for \"" + canonical_caption(spec) + "\"");
  canonical_caption(spec);  // throws for a spec the grammar cannot express
  const ObjectSpec& o = spec.objects[0];
  const Motion motion = *spec.motion;
  const Background background = background_of(spec, rng);
  std::vector<PlacedObject> path(frames, placed(o, 0.0));

  if (motion == Motion::Growing || motion == Motion::Shrinking) {
    // Geometric law e_k = e_0 * f^(k / (frames-1)): a constant ratio per frame, which is how scale
    // change is perceived. A stated size is the size of the first frame.
    const double start_or_small = o.size ? nominal_extent(*o.size) : kSmallVideoExtent;
    const double factor = rng.uniform(kMinGrowth, kMaxGrowth);
    const double jitter = rng.uniform(1.0 - kJitter, 1.0 + kJitter);
    double e0 = start_or_small * jitter, e1 = e0 * factor;
    if (motion == Motion::Shrinking) {
      if (o.size) e1 = e0 / factor;
      else std::swap(e0, e1);
    }
    const double largest = std::max(e0, e1);
    const double cx = rng.uniform(lo_for(largest), hi_for(largest));
    const double cy = rng.uniform(lo_for(largest), hi_for(largest));
    for (int k = 0; k < frames; ++k) {
      path[k].cx = cx;
      path[k].cy = cy;
      path[k].extent = e0 * std::pow(e1 / e0, static_cast<double>(k) / (frames - 1));
    }
  } else {
    const double extent = jittered_extent(o, rng);
    const double lo = lo_for(extent), hi = hi_for(extent);
    const double travel = rng.uniform(kMinTravel, std::min(kMaxTravel, hi - lo));
    const bool horizontal = motion == Motion::Left || motion == Motion::Right;
    const double sign = (motion == Motion::Right || motion == Motion::Down) ? 1.0 : -1.0;
    // Start so that the whole path fits: forward motion starts in [lo, hi - travel], backward in
    // [lo + travel, hi].
    const double start = sign > 0 ? rng.uniform(lo, hi - travel) : rng.uniform(lo + travel, hi);
    const double fixed = rng.uniform(lo, hi);
    for (int k = 0; k < frames; ++k) {
      const double moving = start + sign * travel * k / (frames - 1);
      path[k].extent = extent;
      path[k].cx = horizontal ? moving : fixed;
      path[k].cy = horizontal ? fixed : moving;
    }
  }
  VideoScene video(frames);
  for (int k = 0; k < frames; ++k) video[k] = Scene{background, {path[k]}};
  return video;
}

}  // namespace jl::world
