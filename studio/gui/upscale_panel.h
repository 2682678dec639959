// The Upscale panel: the current picture made 2-8x larger with any upscaler (our photo and world
// networks, UpscalerJS's ESRGANs, bicubic), in tiles, with progress; the result replaces the
// picture (undo brings the small one back). Calls upscale_picture() on the worker, as `jielong
// upscale` does.
#pragma once

#include "studio/gui/studio_context.h"

namespace jl::gui {

class UpscalePanel {
 public:
  explicit UpscalePanel(StudioContext& ctx) : ctx_(ctx) {}
  void draw();
  void upscale();

 private:
  StudioContext& ctx_;
};

}  // namespace jl::gui
