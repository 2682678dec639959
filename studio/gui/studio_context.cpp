#include "studio/gui/studio_context.h"

namespace jl::gui {

std::string StudioContext::busy_message() const {
  const Worker::Status status = worker.status();
  return status.busy ? "\"" + status.label + "\" is running: wait for it or press Esc to cancel" : "";
}

bool StudioContext::open_file(const std::filesystem::path& file) {
  try {
    GalleryItem item = read_picture(file);
    document.set_picture(item.rgb, "open " + file.filename().string(), item.parameters);
    gallery.add(item.rgb, item.parameters, "open");
    info("opened " + file.string() + " (" + std::to_string(item.rgb.cols) + "x" + std::to_string(item.rgb.rows) + ")");
    return true;
  } catch (const std::exception& e) {
    error(std::string("cannot open: ") + e.what());
    return false;
  }
}

void StudioContext::save_current() {
  if (document.empty()) {
    error("nothing to save yet: generate or open a picture first");
    return;
  }
  GalleryItem item;
  item.rgb = document.picture();
  item.parameters = document.parameters();
  item.params = parse_parameters(item.parameters);
  save(item);
}

void StudioContext::save(GalleryItem& item) {
  try {
    last_saved = gallery.save(item, settings.output_dir).string();
    gallery.add_saved(item);
    info("saved " + last_saved);
  } catch (const std::exception& e) {
    error(std::string("cannot save: ") + e.what());
  }
}

void StudioContext::take_result(const cv::Mat& rgb, const std::string& parameters, const std::string& label) {
  gallery.add(rgb, parameters, label);
  document.set_picture(rgb, label, parameters);
}

}  // namespace jl::gui
