// Draws the canvas with the GLSL program of shaders/canvas.{vert,frag} into an offscreen texture
// that the canvas panel shows: zoom and pan, nearest or bilinear sampling, the before/after split
// and the mask overlay all happen on the GPU (llvmpipe under Xvfb), whatever the picture's size.
#pragma once

#include <opencv2/core/mat.hpp>

#include "studio/gui/texture.h"

namespace jl::gui {

struct CanvasView {
  float zoom = 1;                 // canvas pixels per picture pixel
  float offset_x = 0, offset_y = 0;  // canvas position of the picture's top-left corner
  bool nearest = false;
  float split = -1;               // canvas x of the before/after line; < 0: off
  float mask_opacity = 0.45f;     // 0: hidden
};

class CanvasRenderer {
 public:
  CanvasRenderer();  // compiles the program: jl::Error with the GL log when it fails
  ~CanvasRenderer();
  CanvasRenderer(const CanvasRenderer&) = delete;
  CanvasRenderer& operator=(const CanvasRenderer&) = delete;

  Texture& picture() { return picture_; }
  Texture& before() { return before_; }
  Texture& mask() { return mask_; }

  // Renders a width x height canvas; returns the ImGui handle of the result (flip it vertically).
  void* render(int width, int height, const CanvasView& view);

 private:
  unsigned program_ = 0, vertex_array_ = 0, framebuffer_ = 0, target_ = 0;
  int target_width_ = 0, target_height_ = 0;
  Texture picture_, before_, mask_;
};

}  // namespace jl::gui
