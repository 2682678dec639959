// The ShapeWorld vocabulary tables of WORLD.md: colors, backgrounds and their names.
#include "world/scene.h"

namespace jl::world {

Rgb rgb_of(Color color) {
  static constexpr Rgb kTable[kColors] = {
      {220, 50, 47},  {60, 170, 60},  {40, 90, 220},  {240, 200, 40},
      {150, 70, 190}, {245, 130, 30}, {40, 190, 200}, {240, 110, 170},
  };
  return kTable[static_cast<int>(color)];
}

Rgb rgb_of(Background background) {
  static constexpr Rgb kTable[kBackgrounds] = {{240, 240, 240}, {25, 25, 25}, {128, 128, 128}};
  return kTable[static_cast<int>(background)];
}

const char* name_of(Color v) {
  static const char* const kNames[kColors] = {"red", "green", "blue", "yellow", "purple", "orange", "cyan", "pink"};
  return kNames[static_cast<int>(v)];
}

const char* name_of(Background v) {
  static const char* const kNames[kBackgrounds] = {"white", "black", "gray"};
  return kNames[static_cast<int>(v)];
}

const char* name_of(Shape v) {
  static const char* const kNames[kShapes] = {"circle", "square", "diamond", "triangle", "star", "cross"};
  return kNames[static_cast<int>(v)];
}

const char* name_of(Size v) { return v == Size::Small ? "small" : "large"; }

const char* name_of(Position v) {
  static const char* const kNames[kPositions] = {"top left", "top right", "bottom left", "bottom right", "center"};
  return kNames[static_cast<int>(v)];
}

const char* name_of(Relation v) {
  static const char* const kNames[kRelations] = {"left of", "right of", "above", "below"};
  return kNames[static_cast<int>(v)];
}

const char* name_of(Motion v) {
  static const char* const kNames[kMotions] = {"moving left", "moving right", "moving up",
                                               "moving down", "growing",      "shrinking"};
  return kNames[static_cast<int>(v)];
}

double nominal_extent(Size size) { return size == Size::Small ? 0.25 : 0.42; }

}  // namespace jl::world
