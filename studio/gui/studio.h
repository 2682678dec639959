// The studio's window contents: the panels (Generate, Canvas, Inpaint, Upscale, Gallery, status
// bar), the menu, the keyboard shortcuts, and the hand-over of the worker's results. app.cpp owns
// the window and calls frame() once per frame.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "studio/gui/canvas_panel.h"
#include "studio/gui/gallery_panel.h"
#include "studio/gui/generate_panel.h"
#include "studio/gui/inpaint_panel.h"
#include "studio/gui/status_bar.h"
#include "studio/gui/studio_context.h"
#include "studio/gui/upscale_panel.h"

namespace jl::gui {

namespace fs = std::filesystem;

struct StudioOptions {
  fs::path config_dir;   // studio.json and imgui.ini; empty: default_config_dir()
  fs::path output_dir;   // overrides the remembered output folder when set
  fs::path ui_report;    // --ui-report: the window describes itself here (tests)
  fs::path open;         // a picture to open at start
  int threads = 0;       // shown in the status bar
};

class Studio {
 public:
  Studio(models::ModelStore& store, const StudioOptions& options, StudioSettings settings, const std::string& settings_problem);
  void frame(const FrameStats& frames);  // between ImGui::NewFrame and ImGui::Render
  void drop(const std::vector<std::string>& paths);  // files dropped on the window
  bool quit_requested() const { return quit_; }
  bool busy() const { return ctx_.worker.status().busy; }
  StudioSettings& settings() { return ctx_.settings; }
  UiReport* report() { return ctx_.report.get(); }
  void shutdown();  // cancels a running job and waits for it

 private:
  // The default place of the next panel (first run, or View > Reset layout); imgui.ini keeps moves.
  void layout_window(float x, float y, float w, float h);
  void draw_menu();
  void draw_open_dialog();
  void shortcuts();
  void take_worker_results();
  void report_state(const FrameStats& frames);
  void preload_models();
  template <class Draw>
  void guarded(const char* panel, Draw draw);

  StudioContext ctx_;
  GeneratePanel generate_;
  CanvasPanel canvas_;
  InpaintPanel inpaint_;
  UpscalePanel upscale_;
  GalleryPanel gallery_;
  StatusBar status_;
  fs::path settings_file_;
  std::vector<std::string> dropped_;
  bool reset_layout_ = false, quit_ = false, open_dialog_ = false;
  std::string open_path_;
  int jobs_done_ = 0;
};

}  // namespace jl::gui
