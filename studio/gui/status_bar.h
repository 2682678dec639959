// The status bar: the models loaded (they stay loaded), the threads, the last render's time, the
// frame time, and the last message (errors in red).
#pragma once

#include "studio/gui/studio_context.h"

namespace jl::gui {

struct FrameStats {
  double last_ms = 0;       // the UI's work in the last frame (events, panels, drawing, swap)
  double max_busy_ms = 0;   // the longest frame while the last (or current) job ran
  int busy_frames = 0;      // frames drawn while it ran
};

class StatusBar {
 public:
  explicit StatusBar(StudioContext& ctx) : ctx_(ctx) {}
  void draw(const FrameStats& frames);

 private:
  StudioContext& ctx_;
};

}  // namespace jl::gui
