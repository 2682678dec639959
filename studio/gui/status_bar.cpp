#include "studio/gui/status_bar.h"

#include <imgui.h>

#include <string>

namespace jl::gui {

void StatusBar::draw(const FrameStats& frames) {
  const std::vector<std::string>& models = ctx_.loaded_models;
  std::string names;
  for (const std::string& name : models) names += (names.empty() ? "" : ", ") + name;
  ImGui::Text("Models loaded: %zu", models.size());
  if (ImGui::IsItemHovered() && !names.empty()) ImGui::SetTooltip("%s", names.c_str());
  ImGui::SameLine(0, 24);
  ImGui::Text("Threads: %d", ctx_.threads);
  ImGui::SameLine(0, 24);
  if (ctx_.last_render_seconds >= 0) ImGui::Text("Last render: %.2f s", ctx_.last_render_seconds);
  else ImGui::TextUnformatted("Last render: -");
  ImGui::SameLine(0, 24);
  ImGui::Text("Frame: %.1f ms", frames.last_ms);
  ImGui::SameLine(0, 24);
  if (ctx_.message_is_error) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", ctx_.message.c_str());
  else ImGui::TextUnformatted(ctx_.message.c_str());
  ctx_.mark("status_message");
}

}  // namespace jl::gui
