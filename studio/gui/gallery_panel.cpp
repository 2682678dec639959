#include "studio/gui/gallery_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace jl::gui {

namespace {
constexpr float kThumb = 72;        // thumbnail side in pixels
constexpr size_t kFolderLimit = 200;  // pictures read from the output folder
}  // namespace

void GalleryPanel::refresh_folder() {
  int skipped = 0;
  ctx_.gallery.scan_folder(ctx_.settings.output_dir, kFolderLimit, &skipped);
  scanned_ = true;
  for (auto it = thumbnails_.begin(); it != thumbnails_.end();)  // textures of pictures no longer listed
    it = ctx_.gallery.find(it->first) ? std::next(it) : thumbnails_.erase(it);
  if (skipped) ctx_.error(std::to_string(skipped) + " file(s) in " + ctx_.settings.output_dir.string() + " could not be read and are not shown");
}

Texture& GalleryPanel::thumbnail(const GalleryItem& item) {
  Texture& texture = thumbnails_[item.id];
  if (texture.empty() && !item.rgb.empty()) {
    const double f = std::min(1.0, 2.0 * kThumb / std::max(item.rgb.cols, item.rgb.rows));
    cv::Mat small;
    const cv::Size size(std::max(1, int(item.rgb.cols * f)), std::max(1, int(item.rgb.rows * f)));  // a 300:1 strip keeps a pixel
    cv::resize(item.rgb, small, size, 0, 0, f < 1 ? cv::INTER_AREA : cv::INTER_NEAREST);
    texture.upload(small);
  }
  return texture;
}

void GalleryPanel::draw_thumbnails(const std::vector<GalleryItem>& items, const char* id) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  int index = 0;
  for (const GalleryItem& item : items) {
    ImGui::PushID(int(item.id));
    Texture& texture = thumbnail(item);
    const float aspect = float(texture.width()) / float(std::max(1, texture.height()));
    const ImVec2 size = aspect >= 1 ? ImVec2(kThumb, kThumb / aspect) : ImVec2(kThumb * aspect, kThumb);
    const bool selected = item.id == selected_;
    if (selected) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (ImGui::ImageButton(texture.handle(), size)) {
      selected_ = item.id;
      ctx_.document.set_picture(item.rgb, "open from gallery", item.parameters);
      ctx_.info(item.file.empty() ? "opened a " + item.label + " result" : "opened " + item.file.string());
    }
    if (selected) ImGui::PopStyleColor();
    if (ctx_.report) ctx_.mark(std::string(id) + "_" + std::to_string(index));
    if (ImGui::IsItemHovered() && !item.parameters.empty()) ImGui::SetTooltip("%s", item.parameters.c_str());
    ImGui::PopID();
    ++index;
    const float next = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + kThumb;
    if (next < right) ImGui::SameLine();
  }
  if (items.empty()) ImGui::TextDisabled("(none)");
  else ImGui::NewLine();
}

void GalleryPanel::draw_details() {
  GalleryItem* item = ctx_.gallery.find(selected_);
  if (!item) {
    ImGui::TextDisabled("Click a picture to open it; its parameters show here.");
    return;
  }
  ImGui::Text("%dx%d, %s", item->rgb.cols, item->rgb.rows, item->label.c_str());
  ImGui::TextWrapped("%s", item->parameters.empty() ? "(no parameters recorded)" : item->parameters.c_str());
  ImGui::BeginDisabled(!item->params.has_value());
  if (ImGui::Button("Reuse parameters") && item->params) reuse_(*item->params);
  ctx_.mark("reuse_parameters");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Save")) ctx_.save(*item);
  if (!item->file.empty()) {
    ImGui::TextWrapped("File: %s", item->file.string().c_str());
    if (ImGui::SmallButton("Copy path")) ImGui::SetClipboardText(item->file.string().c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy folder")) ImGui::SetClipboardText(item->file.parent_path().string().c_str());
  }
}

void GalleryPanel::draw() {
  if (!scanned_) refresh_folder();
  if (!ImGui::BeginTabBar("bottom_tabs")) return;
  // The video timeline and the audio panels will join this tab bar.
  if (ImGui::BeginTabItem("Gallery")) {
    ImGui::Columns(2, "gallery_columns", true);
    if (ImGui::GetColumnWidth(0) > ImGui::GetWindowWidth() * 0.8f) ImGui::SetColumnWidth(0, ImGui::GetWindowWidth() * 0.66f);
    ImGui::BeginChild("thumbnails");
    ImGui::Text("This session (%zu)", ctx_.gallery.session().size());
    draw_thumbnails(ctx_.gallery.session(), "session");
    ImGui::Separator();
    ImGui::Text("Output folder (%zu)", ctx_.gallery.folder().size());
    ImGui::SameLine();
    if (!folder_edited_) folder_edit_ = ctx_.settings.output_dir.string();  // until the user types here
    ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x - 80));
    const bool entered = ImGui::InputText("##folder", &folder_edit_, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::IsItemEdited()) folder_edited_ = true;
    ImGui::SameLine();
    if (ImGui::Button("Refresh") || entered) {
      ctx_.settings.output_dir = folder_edit_;
      folder_edited_ = false;
      refresh_folder();
    }
    draw_thumbnails(ctx_.gallery.folder(), "folder");
    ImGui::EndChild();
    ImGui::NextColumn();
    draw_details();
    ImGui::Columns(1);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

}  // namespace jl::gui
