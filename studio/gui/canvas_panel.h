// The canvas: the current picture (or the running job's live preview) drawn by the GLSL canvas
// shaders, zoomed with the wheel about the cursor, panned by dragging (middle or right button, or
// left with the Pan tool), Fit and 1:1; nearest sampling when zoomed in for pixel-peeping (or as
// chosen); a before/after split view; the inpainting mask painted with the left button and shown
// as an overlay.
#pragma once

#include <cstdint>

#include "studio/gui/canvas_renderer.h"
#include "studio/gui/studio_context.h"

namespace jl::gui {

class CanvasPanel {
 public:
  explicit CanvasPanel(StudioContext& ctx) : ctx_(ctx) {}
  void draw();
  void fit() { fit_pending_ = true; }

 private:
  void upload();
  void handle_input(float x0, float y0);  // the canvas's top-left corner on the screen
  void fit_to(float width, float height);

  StudioContext& ctx_;
  CanvasRenderer renderer_;
  CanvasView view_;
  enum Filter { Auto, Nearest, Linear } filter_ = Auto;
  bool split_ = false, show_mask_ = true, fit_pending_ = true, actual_pending_ = false;
  float split_fraction_ = 0.5f;
  uint64_t mask_revision_ = ~0ULL, picture_revision_ = ~0ULL, preview_revision_ = ~0ULL;
  bool showing_preview_ = false;
  int picture_width_ = 0, picture_height_ = 0;
};

}  // namespace jl::gui
