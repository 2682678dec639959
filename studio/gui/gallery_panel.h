// The Gallery panel: thumbnails of this session's results and of the output folder; a click opens
// one on the canvas; the selected one's parameters are shown, with "Reuse parameters", "Save" (a
// PNG with the parameters embedded) and where its file is. The output folder can be changed and
// read again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "studio/gui/studio_context.h"
#include "studio/gui/texture.h"

namespace jl::gui {

class GalleryPanel {
 public:
  GalleryPanel(StudioContext& ctx, std::function<void(const Txt2ImgParams&)> reuse) : ctx_(ctx), reuse_(std::move(reuse)) {}
  void draw();
  void refresh_folder();

 private:
  void draw_thumbnails(const std::vector<GalleryItem>& items, const char* id);
  void draw_details();
  Texture& thumbnail(const GalleryItem& item);

  StudioContext& ctx_;
  std::function<void(const Txt2ImgParams&)> reuse_;
  std::map<uint64_t, Texture> thumbnails_;
  uint64_t selected_ = 0;
  std::string folder_edit_;
  bool scanned_ = false, folder_edited_ = false;
};

}  // namespace jl::gui
