#include "studio/gui/ui_report.h"

#include <imgui.h>

#include "core/atomic_file.h"

namespace jl::gui {

void UiReport::mark_rect(const std::string& name, float x0, float y0, float x1, float y1) {
  widgets_[name] = {origin_x_ + int(x0), origin_y_ + int(y0), origin_x_ + int(x1), origin_y_ + int(y1)};
}

void UiReport::mark(const std::string& name) {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  mark_rect(name, a.x, a.y, b.x, b.y);
}

void UiReport::mark_window(const std::string& name) {
  const ImVec2 a = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
  mark_rect(name, a.x, a.y, a.x + s.x, a.y + s.y);
}

void UiReport::write_if_due() {
  const double now = ImGui::GetTime();
  if (now - last_write_ < 0.1) return;
  last_write_ = now;
  const std::string text = nlohmann::json{{"widgets", widgets_}, {"state", state_}}.dump(1) + "\n";
  if (text == written_) return;
  try {
    write_file_atomic(file_, text, /*overwrite=*/true);
    written_ = text;
  } catch (const std::exception&) {
    // A report that cannot be written must not stop the studio; the next frame tries again.
  }
}

}  // namespace jl::gui
