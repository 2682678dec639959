#include "studio/gui/studio.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>  // ErrorCheckEndWindowRecover
#include <imgui_stdlib.h>

#include <algorithm>

#include "core/error.h"
#include "pipelines/image_generator.h"
#include "pipelines/net_upscaler.h"

namespace jl::gui {

Studio::Studio(models::ModelStore& store, const StudioOptions& options, StudioSettings settings,
               const std::string& settings_problem)
    : ctx_(store),
      generate_(ctx_),
      canvas_(ctx_),
      inpaint_(ctx_),
      upscale_(ctx_),
      gallery_(ctx_, [this](const Txt2ImgParams& params) { generate_.reuse(params); }),
      status_(ctx_) {
  ctx_.settings = std::move(settings);
  if (!options.output_dir.empty()) ctx_.settings.output_dir = options.output_dir;
  ctx_.threads = options.threads;
  if (!options.ui_report.empty()) ctx_.report = std::make_unique<UiReport>(options.ui_report);
  settings_file_ = (options.config_dir.empty() ? default_config_dir() : options.config_dir) / "studio.json";
  if (!settings_problem.empty()) ctx_.error(settings_problem);
  else ctx_.info("ready: type a prompt and press Generate (Ctrl+Enter)");
  if (!options.open.empty()) ctx_.open_file(options.open);
  preload_models();
}

// Every generator and the chosen upscaler load at start, on the worker: the first render starts at
// once, and a missing checkpoint is said before anyone presses Generate.
void Studio::preload_models() {
  const std::string upscaler = ctx_.settings.upscaler;
  const int scale = ctx_.settings.upscale_scale;
  models::ModelStore& store = ctx_.store;
  ctx_.worker.start("Load models", [&store, upscaler, scale](const Callbacks& callbacks) -> std::function<void()> {
    // AR with its draft loads ar too; a model that cannot load is named and the others still load.
    std::vector<Txt2ImgParams> generators(3);
    generators[0].method = Txt2ImgMethod::MaskGit;
    generators[1].method = Txt2ImgMethod::Ar;
    generators[1].draft = "ar_draft";
    generators[2].method = Txt2ImgMethod::Diffusion;
    std::string problems;
    auto load = [&](const std::string& what, const std::function<void()>& f) {
      try {
        f();
      } catch (const std::exception& e) {
        problems += (problems.empty() ? "" : "; ") + what + ": " + e.what();
      }
    };
    const int64_t total = int64_t(generators.size()) + 1;
    for (size_t i = 0; i < generators.size(); ++i) {
      load(name_of(generators[i].method), [&] { ImageGenerator loaded(store, generators[i]); });
      callbacks.report(int64_t(i) + 1, total);
    }
    load("upscaler", [&] { load_upscaler(upscaler, scale, store); });
    if (!problems.empty()) throw Error(problems);
    return nullptr;
  });
}

void Studio::shutdown() {
  ctx_.worker.cancel();
  ctx_.worker.wait();
  ctx_.worker.collect();  // a result that arrived meanwhile is taken in, then the window closes
}

void Studio::drop(const std::vector<std::string>& paths) { dropped_.insert(dropped_.end(), paths.begin(), paths.end()); }

void Studio::layout_window(float x, float y, float w, float h) {
  const ImGuiCond cond = reset_layout_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  ImGui::SetNextWindowPos(ImVec2(x, y), cond);
  ImGui::SetNextWindowSize(ImVec2(w, h), cond);
}

void Studio::draw_menu() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open image...", "Ctrl+O")) open_dialog_ = true;
    if (ImGui::MenuItem("Save", "Ctrl+S", false, !ctx_.document.empty())) ctx_.save_current();
    if (ImGui::MenuItem("Refresh output folder")) gallery_.refresh_folder();
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Edit")) {
    if (ImGui::MenuItem("Undo", "Ctrl+Z", false, ctx_.document.can_undo())) ctx_.document.undo();
    if (ImGui::MenuItem("Redo", "Ctrl+Shift+Z", false, ctx_.document.can_redo())) ctx_.document.redo();
    ImGui::Separator();
    if (ImGui::MenuItem("Clear mask")) ctx_.document.clear_mask();
    if (ImGui::MenuItem("Invert mask")) ctx_.document.invert_mask();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Fit picture")) canvas_.fit();
    if (ImGui::MenuItem("Reset layout")) reset_layout_ = true;
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void Studio::draw_open_dialog() {
  if (open_dialog_) {
    ImGui::OpenPopup("Open image");
    open_dialog_ = false;
  }
  if (!ImGui::BeginPopupModal("Open image", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) ImGui::CloseCurrentPopup();
  ImGui::TextUnformatted("A picture file (PNG, JPEG, WebP, BMP, TIFF); or drop one on the window.");
  ImGui::SetNextItemWidth(480);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool entered = ImGui::InputText("##open_path", &open_path_, ImGuiInputTextFlags_EnterReturnsTrue);
  ctx_.mark("open_path");
  if (ImGui::Button("Open") || entered) {
    if (ctx_.open_file(open_path_)) ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  if (ctx_.message_is_error) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", ctx_.message.c_str());
  ImGui::EndPopup();
}

void Studio::shortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  const bool ctrl = io.KeyCtrl;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
  if (ctrl && !open_dialog_ && !ImGui::IsPopupOpen("Open image") &&
      (pressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) || pressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter))))
    generate_.generate();
  // Esc in a text field leaves the field, in a popup closes it; elsewhere it cancels the render.
  const bool popup = ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel);
  if (pressed(ImGui::GetKeyIndex(ImGuiKey_Escape)) && busy() && !io.WantTextInput && !popup) ctx_.worker.cancel();
  if (ctrl && pressed(GLFW_KEY_S)) ctx_.save_current();
  if (ctrl && pressed(GLFW_KEY_O)) open_dialog_ = true;
  if (ctrl && pressed(GLFW_KEY_Q)) quit_ = true;
  // Text fields keep Ctrl+Z for their own text.
  if (ctrl && !io.WantTextInput && pressed(GLFW_KEY_Z)) io.KeyShift ? ctx_.document.redo() : ctx_.document.undo();
  if (ctrl && !io.WantTextInput && pressed(GLFW_KEY_Y)) ctx_.document.redo();
}

void Studio::take_worker_results() {
  for (const Worker::Outcome& outcome : ctx_.worker.collect()) {
    ++jobs_done_;
    if (outcome.ok) {
      ctx_.last_render_seconds = outcome.seconds;
      char text[160];
      std::snprintf(text, sizeof text, "%s done in %.2f s", outcome.label.c_str(), outcome.seconds);
      ctx_.info(text);
    } else {
      ctx_.error(outcome.label + ": " + outcome.error);
    }
    ctx_.loaded_models = ctx_.store.loaded_names();  // not every frame: a load holds the store's lock
    try {
      save_settings(settings_file_, ctx_.settings);
    } catch (const std::exception& e) {
      ctx_.error(std::string("cannot save the settings: ") + e.what());
    }
  }
  if (busy()) {
    cv::Mat preview = ctx_.worker.take_preview();
    if (!preview.empty()) ctx_.preview = preview, ++ctx_.preview_revision;
  } else if (!ctx_.preview.empty()) {
    ctx_.preview = cv::Mat();
  }
}

void Studio::report_state(const FrameStats& frames) {
  if (!ctx_.report) return;
  nlohmann::json& s = ctx_.report->state();
  s["frame"] = ImGui::GetFrameCount();
  s["busy"] = busy();
  s["jobs_done"] = jobs_done_;
  s["session_pictures"] = ctx_.gallery.session().size();
  s["folder_pictures"] = ctx_.gallery.folder().size();
  s["last_saved"] = ctx_.last_saved;
  s["message"] = ctx_.message;
  s["message_is_error"] = ctx_.message_is_error;
  s["picture_width"] = ctx_.document.empty() ? 0 : ctx_.document.picture().cols;
  s["picture_height"] = ctx_.document.empty() ? 0 : ctx_.document.picture().rows;
  s["has_mask"] = ctx_.document.has_mask();
  s["can_undo"] = ctx_.document.can_undo();
  s["prompt"] = ctx_.settings.generation.prompt;
  s["seed"] = ctx_.settings.generation.seed;
  s["random_seed"] = ctx_.settings.random_seed;
  s["method"] = name_of(ctx_.settings.generation.method);
  s["frame_ms_max_busy"] = frames.max_busy_ms;
  s["busy_frames"] = frames.busy_frames;
  ctx_.report->write_if_due();
}

// One panel's contents; an exception (a bug, a file system error while listing a folder) becomes a
// message in the status bar, and ImGui's stacks the panel left open are closed, so the studio and
// its unsaved work survive it.
template <class Draw>
void Studio::guarded(const char* panel, Draw draw) {
  try {
    draw();
  } catch (const std::exception& e) {
    ImGui::ErrorCheckEndWindowRecover(nullptr);
    ctx_.error(std::string(panel) + ": " + e.what());
  }
}

void Studio::frame(const FrameStats& frames) {
  take_worker_results();
  for (const std::string& path : dropped_) ctx_.open_file(path);  // the last one stays open
  dropped_.clear();
  shortcuts();
  draw_menu();

  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ImGui::GetFrameHeight(), status_height = ImGui::GetFrameHeightWithSpacing() + 6;
  const float left = std::min(360.0f, display.x * 0.3f), right = std::min(320.0f, display.x * 0.25f);
  const float bottom = std::min(220.0f, display.y * 0.3f);
  const float middle = std::max(100.0f, display.x - left - right), height = std::max(100.0f, display.y - top - status_height);
  const ImGuiWindowFlags panel = ImGuiWindowFlags_NoCollapse;

  layout_window(0, top, left, height);
  if (ImGui::Begin("Generate", nullptr, panel)) {
    ctx_.mark_window("Generate");
    guarded("Generate", [&] { generate_.draw(); });
  }
  ImGui::End();
  layout_window(left, top, middle, height - bottom);
  if (ImGui::Begin("Canvas", nullptr, panel | ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    ctx_.mark_window("Canvas");
    guarded("Canvas", [&] { canvas_.draw(); });
  }
  ImGui::End();
  layout_window(left, top + height - bottom, middle, bottom);
  if (ImGui::Begin("Gallery", nullptr, panel)) {
    ctx_.mark_window("Gallery");
    guarded("Gallery", [&] { gallery_.draw(); });
  }
  ImGui::End();
  const float inpaint_height = height * 0.66f;
  layout_window(left + middle, top, right, inpaint_height);
  if (ImGui::Begin("Inpaint", nullptr, panel)) {
    ctx_.mark_window("Inpaint");
    guarded("Inpaint", [&] { inpaint_.draw(); });
  }
  ImGui::End();
  layout_window(left + middle, top + inpaint_height, right, height - inpaint_height);
  if (ImGui::Begin("Upscale", nullptr, panel)) {
    ctx_.mark_window("Upscale");
    guarded("Upscale", [&] { upscale_.draw(); });
  }
  ImGui::End();
  // The status bar stays at the bottom edge whatever the layout.
  ImGui::SetNextWindowPos(ImVec2(0, display.y - status_height));
  ImGui::SetNextWindowSize(ImVec2(display.x, status_height));
  if (ImGui::Begin("##status", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                           ImGuiWindowFlags_NoBringToFrontOnFocus)) {
    ctx_.mark_window("StatusBar");
    guarded("Status bar", [&] { status_.draw(frames); });
  }
  ImGui::End();
  reset_layout_ = false;
  draw_open_dialog();
  report_state(frames);
}

}  // namespace jl::gui
