// What the studio's panels share: the model store (models load once and stay loaded), the worker
// that runs pipelines off the UI thread, the document being edited, the gallery, the settings, and
// the one-line message the status bar shows. Panels hold a reference to it; only the UI thread
// touches it (the worker hands results back through Worker::collect).
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "models/model_store.h"
#include "studio/gui/document.h"
#include "studio/gui/gallery.h"
#include "studio/gui/settings.h"
#include "studio/gui/ui_report.h"
#include "studio/gui/worker.h"

namespace jl::gui {

// What a left drag on the canvas does (middle and right drags always pan).
enum class CanvasTool { Pan, Brush, Eraser };

struct StudioContext {
  explicit StudioContext(models::ModelStore& store) : store(store) {}

  models::ModelStore& store;
  Worker worker;
  Document document;
  Gallery gallery;
  StudioSettings settings;
  std::unique_ptr<UiReport> report;  // only with --ui-report

  std::string message;               // the status bar's line
  bool message_is_error = false;
  double last_render_seconds = -1;
  std::string last_saved;            // the file Save wrote last
  cv::Mat preview;                   // the running job's newest preview (empty: show the document)
  uint64_t preview_revision = 0;
  int threads = 0;
  std::vector<std::string> loaded_models;  // the store's, as of the last finished job
  CanvasTool tool = CanvasTool::Brush;

  void info(const std::string& text) { message = text, message_is_error = false; }
  void error(const std::string& text) { message = text, message_is_error = true; }
  void mark(const std::string& name) { if (report) report->mark(name); }
  void mark_window(const std::string& name) { if (report) report->mark_window(name); }
  // "a render is running" in the words of the job that runs; empty when none does.
  std::string busy_message() const;

  // Opens a picture file into the document (and the gallery); errors go to the status bar.
  bool open_file(const std::filesystem::path& file);
  // Saves the document's picture into the output folder with its parameters (Ctrl+S).
  void save_current();
  // Saves a picture into the output folder (numbered, its parameters embedded) and lists it there.
  void save(GalleryItem& item);
  // Puts a result into the gallery and opens it in the document.
  void take_result(const cv::Mat& rgb, const std::string& parameters, const std::string& label);
};

}  // namespace jl::gui
