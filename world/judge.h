// The automatic judge: reads a ShapeWorld image (or the frames of a video) back into objects — colour,
// shape, extent and centre of each, and the background — and checks a prompt against them clause by
// clause (object, count, size, position, relation, background, motion), the way GenEval judges
// text-to-image models. It knows only the world's palette and the shapes' geometry; it never sees the
// scene that was rendered.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

#include "world/scene.h"

namespace jl::world {

struct FoundObject {
  Color color = Color::Red;
  Shape shape = Shape::Circle;
  double cx = 0, cy = 0, extent = 0;  // fractions of N
  double shape_score = 0;             // soft IoU with the best template, 0..1
  double area = 0;                    // coverage summed, as a fraction of N^2
  std::array<double, kShapes> shape_scores{};  // soft IoU with each shape's template
};

struct Findings {
  Background background = Background::White;
  std::vector<FoundObject> objects;  // sorted by area, largest first
};

struct Clause {
  std::string kind;   // "object", "count", "size", "position", "relation", "background", "motion"
  std::string asked;  // e.g. "red circle", "in the top left"
  bool pass = false;
  std::string found;  // what the judge saw, for people
};

struct Judgement {
  bool pass = false;
  std::vector<Clause> clauses;
  std::vector<Findings> frames;  // one for an image
};

// Objects and background of one RGB image (CV_8UC3, square; any side, smaller than 64 is upscaled).
// Throws jl::Error for an empty, non-square or non-RGB image.
Findings analyze(const cv::Mat& rgb);

Judgement judge_image(const cv::Mat& rgb, const SceneSpec& spec);
Judgement judge_video(const std::vector<cv::Mat>& frames, const SceneSpec& spec);
// An image spec judges an image; a video spec (one with a motion) judges frames.
Judgement judge(const std::vector<cv::Mat>& frames, const SceneSpec& spec);

nlohmann::json to_json(const Judgement& judgement);

}  // namespace jl::world
