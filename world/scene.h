// ShapeWorld v1 (../shared/WORLD.md, copied with our choices to docs/world.md): the vocabulary, what a
// prompt asks for (SceneSpec), and a scene with every object placed (Scene). Coordinates are fractions
// of the canvas side N: origin top-left, x to the right, y down. Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jl::world {

enum class Color { Red, Green, Blue, Yellow, Purple, Orange, Cyan, Pink };
enum class Background { White, Black, Gray };
enum class Shape { Circle, Square, Diamond, Triangle, Star, Cross };
enum class Size { Small, Large };
enum class Position { TopLeft, TopRight, BottomLeft, BottomRight, Center };
enum class Relation { LeftOf, RightOf, Above, Below };  // objects[0] RELATION objects[1]
enum class Motion { Left, Right, Up, Down, Growing, Shrinking };

constexpr int kColors = 8, kBackgrounds = 3, kShapes = 6, kPositions = 5, kRelations = 4, kMotions = 6;

struct Rgb {
  uint8_t r, g, b;
};
Rgb rgb_of(Color color);
Rgb rgb_of(Background background);

// Canonical names, as the caption grammar writes them ("red", "top left", "left of", "moving left",
// "growing"). Parsing names is the prompt parser's job (caption.h).
const char* name_of(Color v);
const char* name_of(Background v);
const char* name_of(Shape v);
const char* name_of(Size v);
const char* name_of(Position v);
const char* name_of(Relation v);
const char* name_of(Motion v);

// Nominal extent as a fraction of N: small 0.25, large 0.42 (the renderer jitters +-5%; the judge
// accepts within 25%).
double nominal_extent(Size size);

struct ObjectSpec {
  Color color = Color::Red;
  Shape shape = Shape::Circle;
  std::optional<Size> size;  // absent: either size is correct
  bool operator==(const ObjectSpec& o) const { return color == o.color && shape == o.shape && size == o.size; }
};

// What a prompt asks for: one or two objects; a position (one object) or a relation (two); an optional
// background; a motion for video prompts (one object, no position).
struct SceneSpec {
  std::vector<ObjectSpec> objects;
  std::optional<Position> position;
  std::optional<Relation> relation;
  std::optional<Background> background;
  std::optional<Motion> motion;

  bool is_video() const { return motion.has_value(); }
  bool operator==(const SceneSpec& o) const {
    return objects == o.objects && position == o.position && relation == o.relation &&
           background == o.background && motion == o.motion;
  }
};

// One object as drawn: centre and extent (side of its box) in fractions of N.
struct PlacedObject {
  Color color = Color::Red;
  Shape shape = Shape::Circle;
  double cx = 0.5, cy = 0.5, extent = 0.25;
};

// One image, or one frame of a video.
struct Scene {
  Background background = Background::White;
  std::vector<PlacedObject> objects;
};

// A video is its frames' scenes (the same background and object in each, moved or resized).
using VideoScene = std::vector<Scene>;

}  // namespace jl::world
