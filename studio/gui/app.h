// `jielong studio`: opens the window and runs the studio until it is closed.
#pragma once

#include "studio/gui/studio.h"

namespace jl::gui {

// Returns when the window closes (settings and layout saved). jl::Error when no window can be
// opened (no display, no OpenGL 3.3).
void run_studio(models::ModelStore& store, const StudioOptions& options);

}  // namespace jl::gui
