// The gallery's pictures: the results made since the studio opened, newest first, and the pictures
// of the output folder; and saving a picture there as a PNG with its parameters embedded (the
// `parameters` text chunk AUTOMATIC1111 writes), under a new numbered name, never over a file.
// No GL here: the gallery panel keeps the thumbnails' textures.
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/txt2img.h"

namespace jl::gui {

namespace fs = std::filesystem;

struct GalleryItem {
  cv::Mat rgb;                          // RGB CV_8UC3 (loaded lazily for folder items)
  std::string parameters;               // the text that reproduces it ("" when unknown)
  std::optional<Txt2ImgParams> params;  // parsed from `parameters` when they parse
  fs::path file;                        // where it is on disk (empty: not saved yet)
  std::string label;                    // "txt2img", "inpaint", "upscale x2", "open", "folder"
  uint64_t id = 0;                      // unique in this session (thumbnail cache key)
};

class Gallery {
 public:
  // A result of this session, put first.
  const GalleryItem& add(const cv::Mat& rgb, const std::string& parameters, const std::string& label);
  // The pictures of `folder` (PNG, JPEG, WebP, BMP, TIFF; not the masks the Inpaint panel saves as
  // *.mask.png), newest first, at most `limit`; they replace
  // the folder items listed before. Unreadable files are skipped and counted in `skipped`.
  void scan_folder(const fs::path& folder, size_t limit, int* skipped = nullptr);

  // A file just saved into the output folder, put first among the folder's pictures.
  void add_saved(GalleryItem item);

  const std::vector<GalleryItem>& session() const { return session_; }
  const std::vector<GalleryItem>& folder() const { return folder_; }
  GalleryItem* find(uint64_t id);

  // Writes `item` as NNNNN-SEED.png (or NNNNN.png) in `folder`, made if missing, with its parameters
  // embedded; remembers the file in the item. Returns the path.
  fs::path save(GalleryItem& item, const fs::path& folder);

 private:
  std::vector<GalleryItem> session_, folder_;
  uint64_t next_id_ = 1;
};

// The parameters a "parameters" text holds, when it is ours and parses (another tool's: none).
std::optional<Txt2ImgParams> parse_parameters(const std::string& text);
// A picture file read for the studio: RGB 8-bit plus its parameters text (jl::Error when unreadable).
GalleryItem read_picture(const fs::path& file);
// The next free NNNNN-SEED.png in `folder` (numbering continues after the highest there).
fs::path next_output_name(const fs::path& folder, const std::optional<uint64_t>& seed);

}  // namespace jl::gui
