#include "studio/gui/upscale_panel.h"

#include <imgui.h>

#include <algorithm>

#include "pipelines/net_upscaler.h"
#include "pipelines/upscale.h"

namespace jl::gui {

void UpscalePanel::upscale() {
  const Document& doc = ctx_.document;
  if (doc.empty()) return ctx_.error("nothing to upscale: generate or open a picture first");
  if (const std::string busy = ctx_.busy_message(); !busy.empty()) return ctx_.error(busy);
  const std::string model = ctx_.settings.upscaler;
  const int scale = ctx_.settings.upscale_scale;
  try {
    check_upscaler(model, scale);
  } catch (const std::exception& e) {
    return ctx_.error(e.what());
  }
  const cv::Mat picture = doc.picture().clone();
  // The parameters text says how the picture was made, upscaling included (as txt2img writes it).
  std::string parameters = doc.parameters();
  if (!parameters.empty()) parameters += ", Upscale: " + std::to_string(scale) + "x " + model;
  StudioContext& ctx = ctx_;
  models::ModelStore& store = ctx_.store;
  const std::string label = "upscale x" + std::to_string(scale);
  ctx_.worker.start("Upscale", [&ctx, &store, model, scale, picture, parameters, label](const Callbacks& callbacks) -> std::function<void()> {
    const auto upscaler = load_upscaler(model, scale, store);
    const cv::Mat result = upscale_picture(picture, *upscaler, 128, 16, callbacks);
    return [&ctx, result, parameters, label] { ctx.take_result(result, parameters, label); };
  });
  ctx_.info("upscaling x" + std::to_string(scale) + " with " + model);
}

void UpscalePanel::draw() {
  StudioSettings& s = ctx_.settings;
  ImGui::SetNextItemWidth(-80);
  if (ImGui::BeginCombo("Model", s.upscaler.c_str())) {
    for (const std::string& name : upscaler_names())
      if (ImGui::Selectable(name.c_str(), name == s.upscaler)) s.upscaler = name;
    ImGui::EndCombo();
  }
  const std::vector<int> scales = upscaler_scales(s.upscaler);
  if (!scales.empty() && std::find(scales.begin(), scales.end(), s.upscale_scale) == scales.end()) s.upscale_scale = scales.front();
  ImGui::SetNextItemWidth(-80);
  if (ImGui::BeginCombo("Factor", (std::to_string(s.upscale_scale) + "x").c_str())) {
    for (int scale : scales)
      if (ImGui::Selectable((std::to_string(scale) + "x").c_str(), scale == s.upscale_scale)) s.upscale_scale = scale;
    ImGui::EndCombo();
  }
  const Document& doc = ctx_.document;
  if (!doc.empty())
    ImGui::Text("%dx%d -> %dx%d", doc.picture().cols, doc.picture().rows, doc.picture().cols * s.upscale_scale,
                doc.picture().rows * s.upscale_scale);
  ImGui::BeginDisabled(ctx_.worker.status().busy || doc.empty());
  if (ImGui::Button("Upscale", ImVec2(-1, 30))) upscale();
  ctx_.mark("upscale");
  ImGui::EndDisabled();
}

}  // namespace jl::gui
