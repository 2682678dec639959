#include "studio/gui/inpaint_panel.h"

#include <imgui.h>

#include "media_io/image.h"
#include "pipelines/inpaint.h"
#include "studio/gui/generate_panel.h"

namespace jl::gui {

void InpaintPanel::regenerate() {
  Document& doc = ctx_.document;
  if (doc.empty()) return ctx_.error("nothing to regenerate: generate or open a picture first");
  if (!doc.has_mask()) return ctx_.error("paint the region to regenerate first (the brush on the canvas)");
  if (const std::string busy = ctx_.busy_message(); !busy.empty()) return ctx_.error(busy);
  InpaintParams params = ctx_.settings.inpaint;
  const Txt2ImgMethod method = params.generation.method;
  const double strength = params.generation.strength;
  params.generation = ctx_.settings.generation;
  params.generation.method = method;
  params.generation.strength = strength;
  params.generation.draft.clear();
  params.generation.upscale = 1;
  params.generation.count = 1;
  params.generation.steps = 0;  // the method's own default; the Generate panel's steps are for its method
  if (ctx_.settings.random_seed) params.generation.seed = random_seed();
  if (method != Txt2ImgMethod::Diffusion) {  // the diffusion-only controls keep their defaults
    const InpaintParams defaults;
    params.mask_blur = defaults.mask_blur;
    params.masked_content = defaults.masked_content;
    params.area = defaults.area;
    params.only_masked_padding = defaults.only_masked_padding;
  }
  params.image = "canvas";  // the picture and the mask are in memory; these name them in the parameters text
  params.mask = "painted";
  try {
    params.validate_settings();
  } catch (const std::exception& e) {
    return ctx_.error(e.what());
  }
  const cv::Mat picture = doc.picture().clone(), mask = doc.binary_mask();
  StudioContext& ctx = ctx_;
  models::ModelStore& store = ctx_.store;
  ctx_.worker.start("Regenerate", [&ctx, &store, params, picture, mask](const Callbacks& callbacks) -> std::function<void()> {
    const std::vector<cv::Mat> pictures = inpaint_picture(picture, mask, params, store, callbacks);
    const std::string parameters = params.to_string();
    return [&ctx, pictures, parameters] {
      if (!pictures.empty()) ctx.take_result(pictures[0], parameters, "inpaint");
    };
  });
  ctx_.info("regenerating the masked region, seed " + std::to_string(params.generation.seed));
}

void InpaintPanel::save_mask() {
  const Document& doc = ctx_.document;
  if (doc.empty() || !doc.has_mask()) return ctx_.error("no mask to save: paint one first");
  try {
    std::filesystem::create_directories(ctx_.settings.output_dir);
    const std::filesystem::path file = next_output_name(ctx_.settings.output_dir, std::nullopt).replace_extension(".mask.png");
    media::Image image;
    image.pixels = doc.binary_mask();
    media::write_image(file, image);
    ctx_.info("saved the mask as " + file.string());
    if (ctx_.report) ctx_.report->state()["last_mask"] = file.string();
  } catch (const std::exception& e) {
    ctx_.error(std::string("cannot save the mask: ") + e.what());
  }
}

void InpaintPanel::draw() {
  StudioSettings& s = ctx_.settings;
  Document& doc = ctx_.document;
  int tool = int(ctx_.tool);
  ImGui::RadioButton("Pan", &tool, int(CanvasTool::Pan));
  ImGui::SameLine();
  ImGui::RadioButton("Brush", &tool, int(CanvasTool::Brush));
  ctx_.mark("tool_brush");
  ImGui::SameLine();
  ImGui::RadioButton("Eraser", &tool, int(CanvasTool::Eraser));
  ctx_.tool = CanvasTool(tool);
  ImGui::SetNextItemWidth(-80);
  ImGui::SliderFloat("Size", &s.brush_size, 1.0f, 128.0f, "%.0f px");
  ctx_.mark("brush_size");
  ImGui::SetNextItemWidth(-80);
  ImGui::SliderFloat("Hardness", &s.brush_hardness, 0.0f, 1.0f, "%.2f");
  if (ImGui::Button("Clear")) doc.clear_mask();
  ImGui::SameLine();
  if (ImGui::Button("Invert")) doc.invert_mask();
  ImGui::SameLine();
  ImGui::BeginDisabled(!doc.can_undo());
  if (ImGui::Button("Undo")) doc.undo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!doc.can_redo());
  if (ImGui::Button("Redo")) doc.redo();
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Save mask")) save_mask();
  ctx_.mark("save_mask");
  ImGui::Separator();

  const int method = s.inpaint.generation.method == Txt2ImgMethod::Diffusion ? 1 : 0;
  static const char* const kMethods[] = {"MaskGIT", "Diffusion"};
  ImGui::SetNextItemWidth(-80);
  if (ImGui::BeginCombo("Method##inpaint", kMethods[method])) {
    for (int i = 0; i < 2; ++i) {
      if (ImGui::Selectable(kMethods[i], i == method))
        s.inpaint.generation.method = i ? Txt2ImgMethod::Diffusion : Txt2ImgMethod::MaskGit;
      ctx_.mark("inpaint_method_" + std::to_string(i));
    }
    ImGui::EndCombo();
  }
  ctx_.mark("inpaint_method");
  if (method == 1) {
    ImGui::SetNextItemWidth(-80);
    ImGui::SliderInt("Mask blur", &s.inpaint.mask_blur, 0, 64, "%d px");
    int area = int(s.inpaint.area);
    ImGui::RadioButton("Whole picture", &area, int(InpaintArea::WholePicture));
    ImGui::SameLine();
    ImGui::RadioButton("Only masked", &area, int(InpaintArea::OnlyMasked));
    s.inpaint.area = InpaintArea(area);
    if (s.inpaint.area == InpaintArea::OnlyMasked) {
      ImGui::SetNextItemWidth(-80);
      ImGui::SliderInt("Padding", &s.inpaint.only_masked_padding, 0, 256, "%d px");
    }
    ImGui::SetNextItemWidth(-80);
    if (ImGui::BeginCombo("Start from", name_of(s.inpaint.masked_content))) {  // the --masked-content names
      for (MaskedContent content : {MaskedContent::Original, MaskedContent::Fill, MaskedContent::LatentNoise})
        if (ImGui::Selectable(name_of(content), content == s.inpaint.masked_content)) s.inpaint.masked_content = content;
      ImGui::EndCombo();
    }
    float strength = float(s.inpaint.generation.strength);
    ImGui::SetNextItemWidth(-80);
    if (ImGui::SliderFloat("Strength", &strength, 0.05f, 1.0f, "%.2f")) s.inpaint.generation.strength = strength;
  } else {
    ImGui::TextWrapped("MaskGIT redraws every 8x8 patch the mask touches; the rest stays as it is, bit for bit.");
  }
  const Worker::Status status = ctx_.worker.status();
  ImGui::BeginDisabled(status.busy || doc.empty());
  if (ImGui::Button("Regenerate masked", ImVec2(-1, 30))) regenerate();
  ctx_.mark("regenerate");
  ImGui::EndDisabled();
  ImGui::TextDisabled("Prompt, seed and guidance: the Generate panel's.");
}

}  // namespace jl::gui
