// `jielong studio --ui-report FILE`: the window describes itself for automation. Every ~100 ms
// (when something changed) FILE is rewritten atomically with the screen rectangles of the named
// widgets and panels and a few facts of the state (busy, pictures, last saved file, frame times).
// The GUI tests read it to know where to click with real X events (xdotool) and when a render has
// finished; nothing else depends on it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace jl::gui {

class UiReport {
 public:
  explicit UiReport(std::filesystem::path file) : file_(std::move(file)) {}
  // The last ImGui item's rectangle under `name` (call right after the widget).
  void mark(const std::string& name);
  // The current ImGui window's rectangle under `name`.
  void mark_window(const std::string& name);
  void mark_rect(const std::string& name, float x0, float y0, float x1, float y1);
  nlohmann::json& state() { return state_; }
  // Where the window's client area is on the screen (GLFW), added to every rectangle.
  void set_origin(int x, int y) { origin_x_ = x, origin_y_ = y; }
  void write_if_due();  // at most every 100 ms, and only when the contents changed

 private:
  std::filesystem::path file_;
  nlohmann::json widgets_ = nlohmann::json::object(), state_ = nlohmann::json::object();
  std::string written_;
  double last_write_ = 0;
  int origin_x_ = 0, origin_y_ = 0;
};

}  // namespace jl::gui
