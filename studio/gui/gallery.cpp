#include "studio/gui/gallery.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "media_io/image.h"

namespace jl::gui {

std::optional<Txt2ImgParams> parse_parameters(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    return Txt2ImgParams::from_string(text);
  } catch (const std::exception&) {
    return std::nullopt;  // another tool's text, or damaged: shown, not reusable
  }
}

const GalleryItem& Gallery::add(const cv::Mat& rgb, const std::string& parameters, const std::string& label) {
  GalleryItem item;
  item.rgb = rgb;
  item.parameters = parameters;
  item.params = parse_parameters(parameters);
  item.label = label;
  item.id = next_id_++;
  session_.insert(session_.begin(), std::move(item));
  return session_.front();
}

GalleryItem read_picture(const fs::path& file) {
  const media::Image image = media::read_image(file);
  GalleryItem item;
  item.rgb = media::to_rgb8(image).pixels;
  if (auto it = image.text.find("parameters"); it != image.text.end()) item.parameters = it->second;
  item.params = parse_parameters(item.parameters);
  item.file = file;
  return item;
}

void Gallery::scan_folder(const fs::path& folder, size_t limit, int* skipped) {
  folder_.clear();
  if (skipped) *skipped = 0;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const std::string name = entry.path().filename().string();
    const bool mask = name.size() > 9 && name.compare(name.size() - 9, 9, ".mask.png") == 0;  // "Save mask" files
    if (entry.is_regular_file(ec) && media::is_image_extension(ext) && !mask)
      files.emplace_back(entry.last_write_time(ec), entry.path());
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second > b.second); });
  for (const auto& [time, file] : files) {
    if (folder_.size() >= limit) break;
    try {
      GalleryItem item = read_picture(file);
      item.label = "folder";
      item.id = next_id_++;
      folder_.push_back(std::move(item));
    } catch (const std::exception&) {
      if (skipped) ++*skipped;
    }
  }
}

void Gallery::add_saved(GalleryItem item) {
  item.label = "folder";
  item.id = next_id_++;
  folder_.insert(folder_.begin(), std::move(item));
}

GalleryItem* Gallery::find(uint64_t id) {
  for (auto* list : {&session_, &folder_})
    for (GalleryItem& item : *list)
      if (item.id == id) return &item;
  return nullptr;
}

fs::path next_output_name(const fs::path& folder, const std::optional<uint64_t>& seed) {
  int highest = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    // Our names only: five digits, then '-' or '.' (a photo called 2024-trip.jpg does not count).
    const bool ours = name.size() > 5 && std::all_of(name.begin(), name.begin() + 5, [](char c) { return c >= '0' && c <= '9'; }) &&
                      (name[5] == '-' || name[5] == '.');
    if (ours) highest = std::max(highest, std::stoi(name.substr(0, 5)));
  }
  for (int n = highest + 1;; ++n) {
    char name[64];
    if (seed) std::snprintf(name, sizeof name, "%05d-%llu.png", n, static_cast<unsigned long long>(*seed));
    else std::snprintf(name, sizeof name, "%05d.png", n);
    if (!fs::exists(folder / name, ec)) return folder / name;
  }
}

fs::path Gallery::save(GalleryItem& item, const fs::path& folder) {
  if (item.rgb.empty()) throw Error("nothing to save");
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("cannot make the output folder " + folder.string() + ": " + ec.message());
  const fs::path file = next_output_name(folder, item.params ? std::optional<uint64_t>(item.params->seed) : std::nullopt);
  media::Image image;
  image.pixels = item.rgb;
  if (!item.parameters.empty()) image.text["parameters"] = item.parameters;
  media::write_image(file, image);  // atomic, and never over an existing file
  item.file = file;
  return file;
}

}  // namespace jl::gui
