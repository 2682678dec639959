#include "studio/gui/canvas_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

namespace jl::gui {

void CanvasPanel::fit_to(float width, float height) {
  if (picture_width_ <= 0) return;
  view_.zoom = std::max(0.01f, std::min(width / float(picture_width_), height / float(picture_height_)) * 0.95f);
  view_.offset_x = std::round((width - picture_width_ * view_.zoom) / 2);
  view_.offset_y = std::round((height - picture_height_ * view_.zoom) / 2);
}

void CanvasPanel::upload() {
  const Document& doc = ctx_.document;
  const bool preview = !ctx_.preview.empty();
  if (preview && preview_revision_ != ctx_.preview_revision) {
    // A preview at the model's size (64 px) is shown over the picture it will replace, at its size.
    cv::Mat shown = ctx_.preview;
    if (!doc.empty() && shown.size() != doc.picture().size()) cv::resize(shown, shown, doc.picture().size(), 0, 0, cv::INTER_NEAREST);
    renderer_.picture().upload(shown);
    preview_revision_ = ctx_.preview_revision;
    picture_revision_ = ~0ULL;  // the document goes back up when the preview ends
  } else if (!preview && !doc.empty() && picture_revision_ != doc.picture_revision()) {
    renderer_.picture().upload(doc.picture());
    const cv::Mat before = doc.previous_picture();
    renderer_.before().upload(before.empty() ? doc.picture() : before);
    picture_revision_ = doc.picture_revision();
  }
  if (!doc.empty() && mask_revision_ != doc.revision()) {
    renderer_.mask().upload(doc.mask());
    mask_revision_ = doc.revision();
  }
  showing_preview_ = preview;
  const int w = renderer_.picture().width(), h = renderer_.picture().height();
  if (w != picture_width_ || h != picture_height_) fit_pending_ = true;  // a new size is fitted anew
  picture_width_ = w;
  picture_height_ = h;
}

void CanvasPanel::handle_input(float x0, float y0) {
  ImGuiIO& io = ImGui::GetIO();
  const float mx = io.MousePos.x - x0, my = io.MousePos.y - y0;
  const bool hovered = ImGui::IsItemHovered();
  if (hovered && io.MouseWheel != 0) {
    // Zoom about the cursor: the picture pixel under it stays under it.
    const float factor = std::pow(1.2f, io.MouseWheel);
    const float zoom = std::clamp(view_.zoom * factor, 0.05f, 64.0f);
    view_.offset_x = mx - (mx - view_.offset_x) * zoom / view_.zoom;
    view_.offset_y = my - (my - view_.offset_y) * zoom / view_.zoom;
    view_.zoom = zoom;
  }
  const bool painting_tool = ctx_.tool != CanvasTool::Pan && !showing_preview_;
  const bool pan = ImGui::IsItemActive() && (ImGui::IsMouseDragging(ImGuiMouseButton_Middle, 0) ||
                                             ImGui::IsMouseDragging(ImGuiMouseButton_Right, 0) ||
                                             (!painting_tool && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0)));
  if (pan) {
    view_.offset_x += io.MouseDelta.x;
    view_.offset_y += io.MouseDelta.y;
  }
  Document& doc = ctx_.document;
  const cv::Point2f at((mx - view_.offset_x) / view_.zoom, (my - view_.offset_y) / view_.zoom);
  if (painting_tool && !doc.empty()) {
    if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      const Brush brush{std::clamp(ctx_.settings.brush_size, 1.0f, 4096.0f), std::clamp(ctx_.settings.brush_hardness, 0.0f, 1.0f),
                        ctx_.tool == CanvasTool::Eraser};
      doc.begin_stroke(brush, at);
    } else if (doc.stroking() && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      doc.continue_stroke(at);
    }
    if (hovered) {  // the brush's outline at the cursor
      ImGui::GetWindowDrawList()->AddCircle(io.MousePos, ctx_.settings.brush_size * 0.5f * view_.zoom,
                                            IM_COL32(255, 255, 255, 200), 32, 1.5f);
    }
  }
  if (doc.stroking() && !ImGui::IsMouseDown(ImGuiMouseButton_Left)) doc.end_stroke();
}

void CanvasPanel::draw() {
  if (ImGui::Button("Fit")) fit_pending_ = true;
  ctx_.mark("canvas_fit");
  ImGui::SameLine();
  if (ImGui::Button("1:1")) actual_pending_ = true;
  ImGui::SameLine();
  ImGui::Text("%3.0f%%", view_.zoom * 100);
  ImGui::SameLine();
  static const char* const kFilters[] = {"Auto", "Nearest", "Linear"};
  int filter = filter_;
  ImGui::SetNextItemWidth(90);
  if (ImGui::Combo("##filter", &filter, kFilters, 3)) filter_ = Filter(filter);
  ImGui::SameLine();
  ImGui::Checkbox("Before/after", &split_);
  ctx_.mark("canvas_split");
  if (split_) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(100);
    ImGui::SliderFloat("##split", &split_fraction_, 0.0f, 1.0f, "");
  }
  ImGui::SameLine();
  ImGui::Checkbox("Mask", &show_mask_);

  upload();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size = ImGui::GetContentRegionAvail();
  const float width = std::max(1.0f, size.x), height = std::max(1.0f, size.y);
  if (fit_pending_ && picture_width_ > 0) fit_to(width, height), fit_pending_ = false;
  if (actual_pending_ && picture_width_ > 0) {
    view_.zoom = 1;
    view_.offset_x = std::round((width - picture_width_) / 2);
    view_.offset_y = std::round((height - picture_height_) / 2);
    actual_pending_ = false;
  }
  ImGui::InvisibleButton("canvas_area", ImVec2(width, height),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight | ImGuiButtonFlags_MouseButtonMiddle);
  ctx_.mark("canvas");
  if (picture_width_ == 0) {
    ImGui::GetWindowDrawList()->AddText(ImVec2(origin.x + 16, origin.y + 16), IM_COL32(200, 200, 200, 255),
                                        "Generate a picture (Ctrl+Enter), open one (Ctrl+O) or drop a file here.");
    return;
  }
  handle_input(origin.x, origin.y);
  view_.nearest = filter_ == Nearest || (filter_ == Auto && view_.zoom >= 2.0f);
  view_.split = split_ && !showing_preview_ ? split_fraction_ * width : -1.0f;
  view_.mask_opacity = show_mask_ && !showing_preview_ ? 0.45f : 0.0f;
  if (void* texture = renderer_.render(int(width), int(height), view_))
    ImGui::GetWindowDrawList()->AddImage(texture, origin, ImVec2(origin.x + width, origin.y + height), ImVec2(0, 1), ImVec2(1, 0));
  if (ctx_.report) {
    ctx_.report->mark_rect("canvas_picture", origin.x + view_.offset_x, origin.y + view_.offset_y,
                           origin.x + view_.offset_x + picture_width_ * view_.zoom,
                           origin.y + view_.offset_y + picture_height_ * view_.zoom);
    ctx_.report->state()["canvas_zoom"] = view_.zoom;
    ctx_.report->state()["showing_preview"] = showing_preview_;
  }
}

}  // namespace jl::gui
