// The Inpaint panel: the canvas tool (pan, brush, eraser), brush size and hardness, clear, invert,
// undo and redo; "Regenerate masked" with MaskGIT or diffusion and, for diffusion, the controls
// AUTOMATIC1111 users know (mask blur, whole picture or only the masked area with padding, what the
// masked area starts from, denoising strength). The prompt, seed and guidance are the Generate
// panel's. Fills InpaintParams and calls inpaint_picture() on the worker, as `jielong inpaint` does.
#pragma once

#include "studio/gui/studio_context.h"

namespace jl::gui {

class InpaintPanel {
 public:
  explicit InpaintPanel(StudioContext& ctx) : ctx_(ctx) {}
  void draw();
  void regenerate();
  void save_mask();

 private:
  StudioContext& ctx_;
};

}  // namespace jl::gui
